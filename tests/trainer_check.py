"""One update of the learner loop on a reproducible rollout, for comparing hosts.

`first_update(setup, backend_name)` runs rl.loop's LearnerLoop for one step:
a rollout of the self-play env acted by the pure-Python policy (bit-identical
in CPython and Pyodide), then the PPO update on the named backend; it returns
the update's log entry. tests/test_training_page.py ships this file into a
module worker (boot.mjs's `modules`) and runs it on the page's WebGPU; the same
test runs it in CPython (numpy twins) and compares: same host-agnostic code,
numbers equal within float32 tolerance.
"""

from rl.backend import create_backend
from rl.live.setup import LiveSetup, setup_from_args
from rl.loop import LearnerLoop
from rl.model import init_params
from rl.policy import Policy
from rl.soccer.selfplay import SelfPlayEnv
from rl.sources import VectorEnvSource


class RecordingSource(VectorEnvSource):
    """VectorEnvSource that keeps what it collected last."""

    async def collect(self, loop):
        self.collected = await super().collect(loop)
        return self.collected


async def first_update(setup: LiveSetup, backend_name: str) -> dict:
    model = setup.model_config()
    params = init_params(model, setup.seed)
    env = SelfPlayEnv(setup.envs_per_worker, seed=setup.seed, config=setup.selfplay_config(), model_config=model)
    source = RecordingSource(env, setup.num_steps, setup.seed, actor=Policy(params, model))
    backend = await create_backend(backend_name, model)
    await backend.load_params(params)
    entry = await LearnerLoop(backend, setup.ppo_config("workers"), source, params=params).step()
    rollout = source.collected.rollout
    return {**entry, "rewards_sum": sum(rollout.rewards), "actions": list(rollout.actions[:16])}


async def main(shared, args, post):
    return await first_update(setup_from_args(args["setup"]), "gpu")
