"""One PPO update on a reproducible rollout, for comparing hosts.

`first_update(setup, backend_name)` collects one rollout with the pure-Python
policy (bit-identical in CPython and Pyodide) from the self-play env and runs
the trainer's PPO update on it with the named backend, returning the metrics.
The browser test runs it in a module worker on the page's WebGPU; the same
test runs it in CPython (numpy twins) and compares: same host-agnostic code,
numbers equal within float32 tolerance.
"""

from array import array

from rl.model import init_params
from rl.policy import Policy
from rl.ppo import PPOLearner, create_backend
from rl.rollout import RolloutCollector
from rl.soccer.selfplay import SelfPlayEnv
from rl.live.setup import LiveSetup, setup_from_args


async def first_update(setup: LiveSetup, backend_name: str) -> dict:
    model = setup.model_config()
    params = init_params(model, setup.seed)
    policy = Policy(params, model)

    async def act(obs: array, n: int):
        logits, values = policy.forward(obs[: n * model.obs_size])
        return array("f", (x for row in logits for x in row)), array("f", values)

    env = SelfPlayEnv(setup.envs_per_worker, seed=setup.seed, config=setup.selfplay_config(), model_config=model)
    rollout = await RolloutCollector(env, setup.num_steps, setup.seed).collect(act)
    backend = await create_backend(backend_name, model)
    await backend.load_params(params)
    config = setup.ppo_config()
    metrics = await PPOLearner(backend, config).update(rollout, config.learning_rate)
    return {**metrics, "rewards_sum": sum(rollout.rewards), "actions": list(rollout.actions[:16])}


async def main(shared, args, post):
    return await first_update(setup_from_args(args["setup"]), "gpu")
