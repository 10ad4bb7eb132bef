"""The trainer worker's rollout engine: where its rollouts come from (URL `?engine=auto|gpu|workers`).

    gpu      rl.soccer.gpu_rollout_source.GpuSelfPlaySource on the trainer's own device: the WGSL sim,
             acting, opponents, rewards and GAE never leave the GPU; no rollout workers run
    workers  rl.live.training.RingSource: Pyodide rollout workers fill the shared-memory ring
    auto     gpu on a hardware adapter; on a software adapter (SwiftShader, llvmpipe: the GPU emulated
             on the CPU) SOFTWARE_ENGINE, the faster of the two as measured there (docs/gpu_engine.md)

Fallbacks: when the GPU engine cannot be built on the trainer's device (a
GPUError), or cannot be built again after the device was lost, the trainer
goes on with the workers engine and says why. Either way the learner loop,
the weights board and everything behind it are the same.

The trainer posts the choice as {"type": "engine", ...EngineReport}: the page
shows it, `window.dshq.status().engine` carries it, and a report whose
`name` is "workers" makes the page start the rollout workers if none run yet.
Standard library only (both hosts).
"""

import dataclasses
from dataclasses import dataclass

import gpu
from rl.live.setup import ENGINES
from rl.live.training import RingSource

SOFTWARE_ENGINE = "gpu"
"""What `auto` runs on a software adapter: bench/bench_live.py --engines measured the GPU engine faster
than the rollout workers on Chromium's SwiftShader at the page's default batch (101.5 against 25.4 env
steps/s, and a higher frame rate; a tie in two runs on a more heavily loaded machine;
docs/gpu_engine.md)."""


@dataclass
class EngineReport:
    """Which engine runs, on what, and why (what `status().engine` shows)."""

    name: str
    """The engine that runs: "gpu" or "workers"."""
    requested: str
    """What the URL asked for: "auto", "gpu" or "workers"."""
    adapter: str
    """The trainer's GPU adapter, as the browser describes it."""
    software: bool
    """Whether that adapter is a software rasteriser (gpu/software.py)."""
    reason: str
    """Why this engine runs, in plain words (a fallback says what failed)."""


def describe_adapter(adapter_info: dict) -> str:
    words = [str(adapter_info.get(key) or "") for key in ("vendor", "architecture", "device", "description")]
    return " ".join(word for word in words if word) or "unnamed adapter"


def choose_engine(requested: str, adapter_info: dict) -> EngineReport:
    """The engine for `requested` on this adapter (before any fallback)."""
    if requested not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {requested!r}")
    software = gpu.is_software_adapter(adapter_info)
    kind = "a software adapter (the GPU emulated on the CPU)" if software else "a hardware adapter"
    if requested != "auto":
        name, reason = requested, f"asked for by the URL (engine={requested}), on {kind}"
    elif software:
        name, reason = SOFTWARE_ENGINE, f"the default on {kind}, where it measured faster"
    else:
        name, reason = "gpu", f"the default on {kind}"
    return EngineReport(name, requested, describe_adapter(adapter_info), software, reason)


class TrainerEngine:
    """Builds the trainer's rollout source for its engine, and builds it again on a new device.

    `setup` is the run's LiveSetup (its engine, batch and self-play configs); `ring`, `board`, `live` and
    `is_paused` are what RingSource needs; `post` sends a message to the page.
    """

    def __init__(self, setup, ring, board, live, is_paused, post):
        self.setup, self.ring, self.board, self.live = setup, ring, board, live
        self.is_paused, self.post = is_paused, post
        self.report: EngineReport | None = None
        self.source = None          # the rollout source it built last

    async def start(self, backend, params, snapshots: dict | None = None):
        """The source for the setup's engine on `backend`'s device, `params` the pool's first snapshot and
        `snapshots` ({version: params}, a restored autosave's) the GPU pool's next ones."""
        self.report = choose_engine(self.setup.engine, backend.device.adapter_info)
        return await self.build(backend, params, snapshots or {})

    async def after_device_loss(self, backend, params):
        """The source on a re-acquired device (`backend`): the GPU engine rebuilt, its pool starting again
        from `params`; the ring's source as it was (what it holds stays valid)."""
        if self.report.name == "workers":
            return self.source
        self.report = dataclasses.replace(self.report, adapter=describe_adapter(backend.device.adapter_info),
                                          reason="the GPU device was lost; the engine was rebuilt on a new "
                                                 "device from the last published weights")
        return await self.build(backend, params, {})

    async def build(self, backend, params, snapshots: dict):
        source = None
        if self.report.name == "gpu":
            try:
                source = await self.gpu_source(backend, params, snapshots)
            except gpu.GPUError as err:
                self.report = dataclasses.replace(self.report, name="workers",
                                                  reason=f"the GPU engine could not start ({err}); "
                                                         f"the rollout workers run instead")
        if source is None:
            source = RingSource(self.ring, self.board, self.live, is_paused=self.is_paused)
        self.post({"type": "engine", **dataclasses.asdict(self.report)})
        self.source = source
        return source

    async def gpu_source(self, backend, params, snapshots: dict):
        from rl.soccer.gpu_rollout_source import GpuSelfPlaySource     # the WGSL sim's kernels: only when used
        from sim import SoccerConfig

        setup = self.setup
        source = await GpuSelfPlaySource.create(backend, setup.ppo_config("gpu"), setup.selfplay_config(),
                                                SoccerConfig(), params)
        newest = sorted(snapshots)[-setup.selfplay_config().pool_size:]
        for version in newest:
            source.add_snapshot(version, snapshots[version])
        if newest:
            self.post({"type": "telemetry", "restored_opponents": newest})
        return source
