"""Train -> first hot-swap in headless Chromium, phase by phase.

    python bench/bench_startup.py [--query "?workers=1&envs=4&gpuenvs=4&steps=16"] [--again]

Opens the page, presses Train and prints, in seconds from the click, when each
start-up step finished (status().startup, app/startup_progress.py: workers'
Python up, WGSL kernels compiled, first rollouts written, first update) and
when the show match first played trained weights (Blue's label reaching v2:
v1 is the untrained weights the trainer publishes before its first update).
With --again it then presses New agent and Train and measures the second
start-up too, side by side with the first: the first learner's trainer worker
is kept, so the second start-up reuses its Python, its GPU device and its
compiled kernels ("kernels" is then when the trainer said it reuses them; the
evaluator and any rollout workers boot afresh). The last column is how often
the trainer compiled its kernels (status().trainer_kernels). Figures only: no
target is asserted. Here (no GPU) WebGPU runs on SwiftShader, on the CPU.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from harness import PageSession, served_page  # noqa: E402

HOT_SWAPPED = "(Number((window.dshq.status().policies.blue.match(/^v(\\d+)/) || [0, 0])[1]) >= 2)"


def start_up(session: PageSession, timeout_s: float) -> dict:
    """Press Train; seconds from the click to each step and to the first hot-swap of trained weights."""
    page = session.page
    clicked = page.evaluate("performance.now()")
    page.click("#train")
    page.wait_for_function(f"{HOT_SWAPPED} || window.dshq.status().error", timeout=timeout_s * 1000, polling=50)
    swapped = page.evaluate("performance.now()")
    status = session.status()
    if status["error"]:
        sys.exit(f"training failed: {status['error']}")
    page.wait_for_function("window.dshq.status().startup.finished", timeout=timeout_s * 1000)
    return {**session.status()["startup"]["times"], "hot-swap": round((swapped - clicked) / 1000, 2)}


def seconds(value: float | None, width: int) -> str:
    """A step's time, or "—" for one not finished when the first update landed (e.g. the evaluator still
    booting after a kept trainer's quick start)."""
    return f"{value:{width}.1f}" if value is not None else f"{'—':>{width}}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--query", default="", help="URL parameters of the run (default: the page's defaults)")
    parser.add_argument("--again", action="store_true", help="also measure New agent + Train (the kept trainer)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds allowed per start-up")
    args = parser.parse_args()

    with served_page("/" + args.query) as session:
        session.page.on("dialog", lambda dialog: dialog.accept())      # New agent's confirmation
        adapter = session.page.evaluate("window.dshq.adapter")
        print(f"adapter: {adapter.get('description') or adapter.get('vendor')}  "
              f"query: {args.query or '(defaults)'}")
        print(f"{'start':>6} {'workers':>8} {'kernels':>8} {'rollouts':>9} {'update':>7} {'hot-swap':>9}"
              f" {'compiled':>9}  (s from Train)")
        runs = ("first", "again") if args.again else ("first",)
        for name in runs:
            if name == "again":
                session.page.click("#train")            # Stop
                session.page.evaluate("document.getElementById('hyper-panel').open = true")
                session.page.click("#new-agent")
            row = start_up(session, args.timeout)
            kernels = session.status()["trainer_kernels"]
            times = [seconds(row[key], width) for key, width in (("workers", 8), ("compile", 8), ("rollout", 9),
                                                                   ("update", 7), ("hot-swap", 9))]
            print(f"{name:>6} {' '.join(times)} {kernels['compilations']:>4} "
                  f"time{'s' if kernels['compilations'] > 1 else ' '}")


if __name__ == "__main__":
    main()
