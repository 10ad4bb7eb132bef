"""Show-match frame rate and main-thread cost, measured in headless Chromium.

    python bench/bench_page.py [--seconds 20]

Drives the page at 1x and 4x for `--seconds` each and prints the frames per
second and the main thread's milliseconds per frame (simulation + policy +
render submission) that `window.dshq.status()` reports. Figures only: no
target is asserted. Here (no GPU) WebGPU runs on SwiftShader, on the CPU.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from harness import PageSession, chromium, start_server  # noqa: E402


def measure(session: PageSession, speed: str, seconds: float) -> dict:
    session.page.select_option("#speed", speed)
    session.page.wait_for_timeout(1500)   # let the fps window refill
    samples = []
    for _ in range(int(seconds)):
        session.page.wait_for_timeout(1000)
        status = session.status()
        samples.append((status["fps"], status["frame_ms"], status["tick"]))
    fps = sum(s[0] for s in samples) / len(samples)
    frame_ms = sum(s[1] for s in samples) / len(samples)
    ticks_per_second = (samples[-1][2] - samples[0][2]) / max(1, len(samples) - 1)
    return {"speed": speed, "fps": fps, "frame_ms": frame_ms, "ticks_per_s": ticks_per_second}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds measured per speed (default 20)")
    args = parser.parse_args()

    server, url = start_server()
    try:
        with chromium() as browser:
            session = PageSession(browser, url)
            status = session.open()
            if status["error"]:
                sys.exit(f"the page did not start: {status['error']}")
            adapter = session.page.evaluate("window.dshq.adapter")
            print(f"adapter: {adapter.get('description') or adapter.get('vendor')}  ({args.seconds:.0f} s per speed)")
            print(f"{'speed':>6} {'fps':>7} {'main-thread ms/frame':>21} {'sim ticks/s':>12}")
            for speed in ("1", "4"):
                row = measure(session, speed, args.seconds)
                print(f"{row['speed'] + 'x':>6} {row['fps']:7.1f} {row['frame_ms']:21.2f} {row['ticks_per_s']:12.0f}")
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
