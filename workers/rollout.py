"""A rollout worker: self-play soccer matches, acting with the newest published
weights, segments into the rollout ring (rl/live/training.py does the work).

Acting runs on this worker's own GPU device, except on a software adapter
(SwiftShader, llvmpipe), where a pure-Python forward pass is much faster than a
WebGPU round trip per step (bench/bench_live.py). Snapshot opponents (past
versions of the learner, one every SelfPlayConfig.snapshot_every versions)
act with rl.policy's pure-Python forward, batched per snapshot.

Started with args {"setup", "producer", "start": .dshq bytes (optional)}: a
start file's saved snapshots (an autosave's) seed the opponent pool, and the
worker reports their versions ({"type": "telemetry", "restored_opponents"}).

Message from the page: {"type": "simulate_crash"} (diagnostics: the next
action raises, so the page's restart of failed workers can be seen working).
"""

import gpu
from rl.files.agent_file import read_agent
from rl.wgsl.backend import create_backend
from rl.live.training import rollout_worker_loop
from rl.policy import Policy
from rl.rollout import forward_rows
from rl.model import num_params, shape_hash
from rl.live.rollout_ring import RolloutRing
from rl.soccer.selfplay import SelfPlayEnv
from rl.live.browser_buffer import BrowserSharedBuffer
from rl.live.weights_board import WeightsBoard
from rl.live.setup import setup_from_args

faults = {"crash": False}


def on_message(data) -> None:
    message = data.to_py() if hasattr(data, "to_py") else data
    if message.get("type") == "simulate_crash":
        faults["crash"] = True


class CrashableActor:
    """Acts like `actor` until a simulated crash was asked for."""

    def __init__(self, actor):
        self.actor = actor

    async def forward(self, obs, n):
        if faults["crash"]:
            raise RuntimeError("simulated rollout worker crash")
        return await forward_rows(self.actor, obs, n)


async def main(shared, args, post):
    setup = setup_from_args(args["setup"])
    producer = int(args["producer"])
    model = setup.model_config()
    board = WeightsBoard(BrowserSharedBuffer(shared.board), num_params(model), shape_hash(model))
    board.check()
    ring = RolloutRing(BrowserSharedBuffer(shared.ring), setup.segment_layout(), setup.ring_slots)
    device = await gpu.request_device(label=f"rollout-{producer}")
    if gpu.is_software_adapter(device.adapter_info):
        device.destroy()

        async def make_actor(params):
            return CrashableActor(Policy(params, model))
    else:
        backend = await create_backend(model, device=device)

        async def make_actor(params):
            await backend.load_params(params)
            return CrashableActor(backend)
    seed = setup.seed * 1000 + producer + 1
    env = SelfPlayEnv(setup.envs_per_worker, seed=seed, config=setup.selfplay_config(), model_config=model)
    if args.get("start") is not None:
        post({"type": "telemetry",
              "restored_opponents": env.restore_snapshots(read_agent(bytes(args["start"])).snapshots)})
    written = await rollout_worker_loop(env, make_actor, board, ring, producer, setup.num_steps, seed)
    return {"segments": written}
