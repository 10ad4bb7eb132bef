"""The two sim engines side by side: env-steps and env-ticks per second, natively and in Chromium.

    python bench/bench_sim_wgsl.py [--seconds 2] [--native-only]

In one run, with uniform random actions in mid-match play (bench/sim_speed.py has the
measurements, which run unchanged in both hosts):
    CPython   sim.EnvBatch                          (--cpu-envs envs)
    native    WgslEnvBatch through wgpu-py           (--gpu-envs envs; lavapipe without a GPU)
    Chromium  sim.EnvBatch under Pyodide, on a page  (--cpu-envs envs)
    Chromium  WgslEnvBatch through navigator.gpu     (--browser-gpu-envs envs; SwiftShader without a GPU)
For WgslEnvBatch two figures: `play` (many decisions per submission, in-kernel random players)
and `step` (one decision per submission with every buffer read back, EnvBatch's interface).
`--native-only` skips Chromium (for a machine with a real GPU and no browser set up).
Wall-clock figures (best of 3 windows; the load average is printed with them) and, natively,
env-ticks per CPU second of the process (lavapipe's threads included), which a busy shared
machine disturbs less. Never asserts.
"""

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import sim_speed  # noqa: E402


async def native_figures(args) -> dict:
    import gpu

    device = await gpu.request_device(label="sim bench")
    return {
        "adapter": device.adapter_info.get("device") or device.adapter_info.get("description"),
        "EnvBatch": await sim_speed.envbatch_speed(args.cpu_envs, args.seconds),
        "WgslEnvBatch.play": await sim_speed.wgsl_play_speed(args.gpu_envs, args.seconds, device=device),
        "WgslEnvBatch.step": await sim_speed.wgsl_step_speed(args.gpu_envs, args.seconds, device=device),
    }


def browser_figures(args) -> dict:
    from harness import chromium, start_server
    from page_python import run_python_in_page

    source = (Path(sim_speed.__file__).read_text() + f"""
import json
import gpu
device = await gpu.request_device(label="sim bench")
json.dumps({{
    "adapter": device.adapter_info["description"] or device.adapter_info["vendor"],
    "EnvBatch": await envbatch_speed({args.cpu_envs}, {args.seconds}),
    "WgslEnvBatch.play": await wgsl_play_speed({args.browser_gpu_envs}, {args.seconds}, decisions_per_call=30,
                                               device=device),
    "WgslEnvBatch.step": await wgsl_step_speed({args.browser_gpu_envs}, {args.seconds}, device=device),
}})
""")
    server, url = start_server()
    try:
        with chromium() as browser:
            return json.loads(run_python_in_page(browser, url, source, timeout_s=600))
    finally:
        server.terminate()
        server.wait(timeout=10)


def print_host(title: str, figures: dict, envs: dict) -> None:
    base = figures["EnvBatch"]
    print(f"{title} (adapter: {figures['adapter']})")
    for name in ("EnvBatch", "WgslEnvBatch.play", "WgslEnvBatch.step"):
        f = figures[name]
        line = (f"  {name:18s} {envs[name]:6d} envs  {f['steps_per_s']:12,.0f} env-steps/s  "
                f"{f['ticks_per_s']:13,.0f} env-ticks/s  {f['ticks_per_s'] / base['ticks_per_s']:6.1f}x EnvBatch")
        if f["ticks_per_cpu_s"] is not None:
            line += (f"   per CPU second: {f['ticks_per_cpu_s']:13,.0f} env-ticks"
                     f"  {f['ticks_per_cpu_s'] / base['ticks_per_cpu_s']:6.1f}x")
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="timing window (each figure: best of 3)")
    parser.add_argument("--cpu-envs", type=int, default=1024, help="envs of EnvBatch")
    parser.add_argument("--gpu-envs", type=int, default=16384, help="envs of WgslEnvBatch through wgpu-py")
    parser.add_argument("--browser-gpu-envs", type=int, default=4096, help="envs of WgslEnvBatch in Chromium")
    parser.add_argument("--native-only", action="store_true", help="skip the Chromium half")
    args = parser.parse_args()
    native = asyncio.run(native_figures(args))
    browser = None if args.native_only else browser_figures(args)
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (cores: {os.cpu_count()})")
    print_host("CPython + wgpu-py", native,
               {"EnvBatch": args.cpu_envs, "WgslEnvBatch.play": args.gpu_envs, "WgslEnvBatch.step": args.gpu_envs})
    if browser is not None:
        print_host("Chromium (Pyodide + navigator.gpu)", browser,
                   {"EnvBatch": args.cpu_envs, "WgslEnvBatch.play": args.browser_gpu_envs,
                    "WgslEnvBatch.step": args.browser_gpu_envs})


if __name__ == "__main__":
    main()
