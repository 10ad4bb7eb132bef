"""`python -m rl.evaluate`: a policy's wins, draws and losses in full matches (rl/soccer/evaluation.py)."""
import sys

from rl.soccer.evaluation import main

if __name__ == "__main__":
    sys.exit(main())
