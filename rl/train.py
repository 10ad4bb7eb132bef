"""`python -m rl.train`: headless self-play PPO for soccer (rl/soccer/train_cli.py)."""
import sys

from rl.soccer.train_cli import main

if __name__ == "__main__":
    sys.exit(main())
