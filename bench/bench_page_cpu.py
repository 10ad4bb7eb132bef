"""Where the page's CPU goes: CPU seconds per Chromium process and thread, read from /proc (Linux).

    python bench/bench_page_cpu.py [--seconds 30] [--query ""] [--train]

Opens the page in headless Chromium (the page's defaults unless --query says otherwise), with
--train presses Train and waits for the first update, then reads every Chromium thread's CPU
time (utime + stime in /proc/PID/task/TID/stat) before and after `--seconds` and prints the
difference per process type (browser, gpu-process, renderer, ...) and per thread, busiest first:
SwiftShader's worker threads, the GPU process's main thread (WebGPU commands, canvas presents),
the renderer's main thread (the page's Python, the DOM) and its workers, the compositors. With
--train it also prints the env steps/s over the window. Figures only, nothing is asserted.
"""

import argparse
import collections
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from harness import served_page  # noqa: E402

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def process_type(words: list[str]) -> str:
    """Chromium's --type= of a process from its command line, 'browser' for the first one."""
    kind = next((word.split("=", 1)[1] for word in words if word.startswith("--type=")), "browser")
    if kind == "utility":
        kind += ":" + next((word.split("=", 1)[1] for word in words if word.startswith("--utility-sub-type=")), "?")
    return kind


def chromium_threads() -> dict:
    """(process type, pid, thread name, tid) -> CPU seconds so far, for every Chromium thread."""
    seconds = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            words = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ").split()   # the title holds the flags
            if not words or "chrom" not in words[0]:
                continue
            kind = process_type(words)
            for tid in os.listdir(f"/proc/{pid}/task"):
                stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
                name = stat[stat.index("(") + 1:stat.rindex(")")]
                fields = stat[stat.rindex(")") + 2:].split()     # fields 14, 15 of stat: utime, stime
                seconds[(kind, pid, name, tid)] = (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND
        except (FileNotFoundError, ProcessLookupError):          # a thread or process that just ended
            continue
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds measured (default 30)")
    parser.add_argument("--query", default="", help="page URL parameters, e.g. render=webgpu")
    parser.add_argument("--train", action="store_true", help="measure while training (after the first update)")
    parser.add_argument("--threads", type=int, default=15, help="how many of the busiest threads to list")
    args = parser.parse_args()
    if not Path("/proc/self/task").is_dir():
        sys.exit("bench_page_cpu reads /proc: it runs on Linux only")

    with served_page(f"/?{args.query}") as session:
        if args.train:
            session.page.click("#train")
            session.page.wait_for_function("(window.dshq.status().updates || 0) >= 1", timeout=600_000)
        session.page.wait_for_timeout(2000)
        before, first, start = chromium_threads(), session.status(), time.perf_counter()
        session.page.wait_for_timeout(args.seconds * 1000)
        after, last, elapsed = chromium_threads(), session.status(), time.perf_counter() - start
    used = {key: seconds - before.get(key, 0.0) for key, seconds in after.items()}
    per_process = collections.Counter()
    for (kind, *_), seconds in used.items():
        per_process[kind] += seconds
    total = sum(per_process.values())
    trained = f", {(last['train_steps'] - first['train_steps']) / elapsed:.1f} env steps/s" if args.train else ""
    print(f"page /?{args.query}{' training' if args.train else ''}, {elapsed:.0f} s: show match "
          f"{last['fps']} fps, renderer {last['renderer']['kind']}{trained}")
    print(f"Chromium CPU s {total:.1f} ({total / elapsed:.2f} cores)")
    for kind, seconds in per_process.most_common():
        if seconds >= 0.05:
            print(f"  {kind:28s} {seconds:7.1f}")
    print("busiest threads (CPU s):")
    for (kind, pid, name, tid), seconds in sorted(used.items(), key=lambda item: -item[1])[:args.threads]:
        print(f"  {kind:14s} {name:18s} {tid:>8s} {seconds:7.1f}")


if __name__ == "__main__":
    main()
