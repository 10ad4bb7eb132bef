"""Regenerate docs/screenshot.png: the page while training, the learner on Blue with every overlay on.

    python docs/screenshot.py [--version 3] [--out docs/screenshot.png]

Presses Train, waits for the learner's policy version `--version`, puts the learner on Blue,
turns on the intent, value and value-field overlays (keys I, V, F), waits for a fresh field and
takes a 1280 x 1000 screenshot. A page screenshot shows a WebGPU canvas blank, so the canvas's own
pixels (toDataURL) are laid over it as an image first.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from harness import PageSession, chromium, start_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", type=int, default=3, help="policy version to wait for (default 3)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    args = parser.parse_args()
    server, url = start_server()
    try:
        with chromium() as browser:
            session = PageSession(browser, url)
            page = session.page
            page.set_viewport_size({"width": 1280, "height": 1000})
            status = session.open()
            if status["error"]:
                sys.exit(f"the page did not start: {status['error']}")
            page.click("#train")
            page.wait_for_function(f"window.dshq.status().policy_version >= {args.version}", timeout=1_200_000)
            page.select_option("#blue-policy", "learner")
            page.evaluate("document.activeElement.blur()")
            for key in "ivf":
                page.keyboard.press(key)
            page.wait_for_function("window.dshq.status().value_field !== null", timeout=300_000)
            answers = session.status()["value_field"]["answers"]
            page.wait_for_function(f"window.dshq.status().value_field.answers > {answers}", timeout=300_000)
            page.evaluate("""async () => {
                const canvas = document.getElementById("arena");
                const url = await new Promise((resolve) => requestAnimationFrame(() => resolve(canvas.toDataURL())));
                const image = new Image();
                image.src = url;
                await image.decode();
                image.style.cssText = `position: absolute; left: ${canvas.offsetLeft}px; top: ${canvas.offsetTop}px; ` +
                                      `width: ${canvas.clientWidth}px; height: ${canvas.clientHeight}px;`;
                canvas.after(image);             // under the legend and notices that follow the canvas
            }""")
            page.screenshot(path=str(args.out))
            print(f"wrote {args.out} (policy v{session.status()['policy_version']})")
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
