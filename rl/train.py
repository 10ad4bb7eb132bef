"""`python -m rl.train`: headless self-play PPO for soccer (rl/soccer/train_cli.py)."""
import sys

if __name__ == "__main__":
    try:
        from rl.soccer.train_cli import main  # imports numpy: Ctrl-C can land here too
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted during start-up: nothing trained, nothing saved", file=sys.stderr)
        sys.exit(130)
