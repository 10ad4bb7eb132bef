"""The page learning against the clock: win rate against the scripted player by wall-clock minutes of Train.

    python bench/bench_page_learning.py [--minutes 20] [--query ""]

Opens the page (headless Chromium, the page's defaults unless --query says otherwise), presses Train and
watches for `--minutes`. Every evaluation the evaluator worker posts (its matches against the scripted player
on the Python sim, `?eval=N` per version) becomes a row: minutes since Train, the env steps trained by then,
the version evaluated, its wins, draws and losses, and the share of decided matches won over the newest
RECENT_MATCHES matches (app/progress_estimate.py's pooling, the progress strip's yellow line). At the end it
prints when the first win came and when the pooled share first reached the target (60%), in minutes, and the
env steps/s over the whole run. Figures only, nothing is asserted.
"""

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from app.progress_estimate import RECENT_MATCHES, TARGET_WIN_RATE  # noqa: E402
from harness import served_page  # noqa: E402

EVALUATION = re.compile(r"v(\d+): (\d+)W (\d+)D (\d+)L")    # the counters' "v12: 3W 1D 0L vs scripted"


def pooled_share(evaluations: list) -> float | None:
    """Wins / decided over the newest evaluations that hold at least RECENT_MATCHES matches (all if fewer)."""
    wins = decided = matches = 0
    for _, _, _, w, d, l in reversed(evaluations):
        wins, decided, matches = wins + w, decided + w + l, matches + w + d + l
        if matches >= RECENT_MATCHES:
            break
    return wins / decided if decided else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0, help="minutes of training watched (default 20)")
    parser.add_argument("--query", default="", help="page URL parameters, e.g. 'seed=1' (default: the page's)")
    args = parser.parse_args()
    if not args.minutes > 0:
        parser.error(f"--minutes must be above 0, got {args.minutes}")

    with served_page("/?" + args.query) as session:
        session.page.click("#train")
        started = time.perf_counter()
        evaluations, seen = [], None          # (minutes, env steps, version, wins, draws, losses)
        first_win = target_reached = None
        print(f"{'minutes':>8} {'env steps':>10} {'version':>8} {'W':>3} {'D':>3} {'L':>3} "
              f"{'won of decided, newest ' + str(RECENT_MATCHES) + '+ matches':>38}")
        while (minutes := (time.perf_counter() - started) / 60) < args.minutes:
            session.page.wait_for_timeout(2000)
            status = session.status()
            if status.get("error"):
                sys.exit(f"training failed: {status['error']}")
            match = EVALUATION.match(session.page.inner_text("#t-eval"))
            if match is None or match.group(0) == seen:
                continue
            seen = match.group(0)
            version, wins, draws, losses = (int(group) for group in match.groups())
            evaluations.append((minutes, status.get("train_steps") or 0, version, wins, draws, losses))
            share = pooled_share(evaluations)
            first_win = first_win if first_win is not None or wins == 0 else minutes
            if target_reached is None and share is not None and share >= TARGET_WIN_RATE and \
                    sum(sum(row[3:]) for row in evaluations) >= RECENT_MATCHES:
                target_reached = minutes
            print(f"{minutes:8.1f} {status.get('train_steps') or 0:10,} {version:8d} {wins:3d} {draws:3d} "
                  f"{losses:3d} {'—' if share is None else f'{share:.2f}':>38}", flush=True)
        steps = session.status().get("train_steps") or 0
    print(f"{args.minutes:.0f} min of Train: {steps:,} env steps ({steps / (args.minutes * 60):,.0f}/s), "
          f"{len(evaluations)} evaluations; first win {when(first_win)}; {TARGET_WIN_RATE:.0%} of decided over "
          f"the newest {RECENT_MATCHES}+ matches {when(target_reached)}")


def when(minutes: float | None) -> str:
    return "not within the run" if minutes is None else f"after {minutes:.1f} min"


if __name__ == "__main__":
    main()
