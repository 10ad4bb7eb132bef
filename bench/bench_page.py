"""Show-match frame rate and main-thread cost, measured in headless Chromium.

    python bench/bench_page.py [--seconds 20] [--render webgpu|canvas]

Drives the page at 1x and 4x for `--seconds` each and prints the frames per
second and the main thread's milliseconds per frame (simulation + policy +
render submission) that `window.dshq.status()` reports, and of those the
overlays' part (`overlay_ms`: overlay shapes, value-field requests and answers). Then, with the
learner on both sides and every overlay on (intent, value, value field: keys
I, V, F), the same at 1x while training, with the value field's
answers per second and the worker's milliseconds per field. Figures only: no
target is asserted. Here (no GPU) WebGPU runs on SwiftShader, on the CPU.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from harness import PageSession, served_page  # noqa: E402


def measure(session: PageSession, speed: str, seconds: float) -> dict:
    session.page.select_option("#speed", speed)
    session.page.evaluate("document.activeElement.blur()")      # keys go to the page, not the select
    session.page.wait_for_timeout(1500)   # let the fps window refill
    samples = []
    for _ in range(int(seconds)):
        session.page.wait_for_timeout(1000)
        status = session.status()
        field = status.get("value_field") or {}
        samples.append((status["fps"], status["frame_ms"], status["tick"], field.get("answers", 0), field.get("ms"),
                        status.get("overlay_ms") or 0.0))
    fps = sum(s[0] for s in samples) / len(samples)
    frame_ms = sum(s[1] for s in samples) / len(samples)
    per_second = max(1, len(samples) - 1)
    field_ms = [s[4] for s in samples if s[4] is not None]
    return {"speed": speed, "fps": fps, "frame_ms": frame_ms, "overlay_ms": sum(s[5] for s in samples) / len(samples), "ticks_per_s": (samples[-1][2] - samples[0][2]) / per_second,
            "fields_per_s": (samples[-1][3] - samples[0][3]) / per_second,
            "field_ms": sum(field_ms) / len(field_ms) if field_ms else None}


def print_row(label: str, row: dict) -> None:
    field = "" if row["field_ms"] is None else f" {row['fields_per_s']:9.2f} {row['field_ms']:9.0f}"
    print(f"{label:>28} {row['fps']:7.1f} {row['frame_ms']:21.2f} {row['overlay_ms']:11.3f} {row['ticks_per_s']:12.0f}"
          f"{field}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds measured per speed (default 20)")
    parser.add_argument("--render", choices=("webgpu", "canvas"),
                        help="the show match's renderer (?render=; default: the page's own choice)")
    args = parser.parse_args()

    with served_page(f"/?render={args.render}" if args.render else "/") as session:
        adapter = session.page.evaluate("window.dshq.adapter")
        renderer = session.status()["renderer"]["kind"]
        print(f"adapter: {adapter.get('description') or adapter.get('vendor')}, renderer: {renderer}  "
              f"({args.seconds:.0f} s per speed)")
        print(f"{'':>28} {'fps':>7} {'main-thread ms/frame':>21} {'overlays ms':>11} {'sim ticks/s':>12} "
              f"{'fields/s':>9} {'field ms':>9}")
        for speed in ("1", "4"):
            print_row(f"{speed}x", measure(session, speed, args.seconds))
        session.page.click("#train")
        session.page.wait_for_function("window.dshq.status().updates >= 1", timeout=900_000)
        print_row("1x, training", measure(session, "1", args.seconds))
        for side in ("blue", "red"):
            session.page.select_option(f"#{side}-policy", "learner")
        session.page.evaluate("document.activeElement.blur()")
        for key in "ivf":
            session.page.keyboard.press(key)
        session.page.wait_for_function("window.dshq.status().value_field !== null", timeout=300_000)
        print_row("1x, all overlays, training", measure(session, "1", args.seconds))


if __name__ == "__main__":
    main()
