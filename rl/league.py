"""`python -m rl.league`: rate agents against the scripted anchor in a round robin (rl/soccer/league_cli.py)."""
import sys

from rl.soccer.league_cli import main

if __name__ == "__main__":
    sys.exit(main())
