"""The `from rl import PPOConfig, train` contract, and that the browser side never imports numpy."""

import ast
import math
import pathlib
import shutil
import subprocess
import sys
import textwrap

import gymnasium as gym
import pytest

import rl
from rl import PPOConfig, train
from rl.ppo import annealed_learning_rate

ROOT = pathlib.Path(__file__).resolve().parent.parent
BROWSER_MODULES = ["__init__", "config", "model", "ppo", "rollout", "policy", "loop", "sources", "backend",
                   "optimizer_state"]


def cartpole(n, mode=gym.vector.AutoresetMode.NEXT_STEP):
    return gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1")] * n, autoreset_mode=mode)


def test_train_returns_policy_and_cleanrl_metrics():
    logged = []
    config = PPOConfig(num_envs=2, num_steps=16, num_minibatches=2, update_epochs=2)
    policy, history = train(cartpole(2), config, total_steps=100, log=logged.append)
    assert len(history) == 100 // 32 and logged == history
    keys = {"global_step", "update", "charts/episodic_return", "charts/episodic_length", "charts/SPS",
            "charts/learning_rate", "losses/policy_loss", "losses/value_loss", "losses/entropy",
            "losses/old_approx_kl", "losses/approx_kl", "losses/clipfrac", "losses/explained_variance",
            "skipped_updates", "perf/collect_seconds", "perf/update_seconds", "perf/host_cpu_seconds"}
    assert all(set(h) == keys for h in history)
    for h in history:  # one thread's CPU time over the update cannot exceed its wall time
        assert 0 < h["perf/host_cpu_seconds"] <= h["perf/collect_seconds"] + h["perf/update_seconds"] + 1e-3
    assert [h["global_step"] for h in history] == [32, 64, 96]
    lrs = [h["charts/learning_rate"] for h in history]  # CleanRL's linear annealing
    assert lrs == pytest.approx([2.5e-4, 2.5e-4 * 2 / 3, 2.5e-4 / 3])
    assert all(math.isfinite(h["losses/policy_loss"]) for h in history)
    assert history[-1]["skipped_updates"] == 0
    obs, _ = cartpole(3).reset(seed=0)
    actions = policy.act(obs)
    assert len(actions) == 3 and all(a in (0, 1) for a in actions)


def test_learning_rate_anneals_over_anneal_steps_to_its_floor_and_holds():
    config = PPOConfig(num_envs=2, num_steps=16, num_minibatches=2, update_epochs=1, anneal_steps=64, lr_floor=0.25)
    _, history = train(cartpole(2), config, total_steps=160)
    lrs = [h["charts/learning_rate"] for h in history]  # at global steps 0, 32, 64, 96, 128
    assert lrs == pytest.approx([2.5e-4, 2.5e-4 * (1 - 0.75 / 2), 2.5e-4 / 4, 2.5e-4 / 4, 2.5e-4 / 4])


def test_annealed_learning_rate_is_cleanrls_bit_for_bit_and_constant_without_an_end():
    config = PPOConfig(learning_rate=3e-4)
    for update in range(7):
        assert annealed_learning_rate(config, update, 7, 1234 * update) == 3e-4 * (1.0 - update / 7)
    assert annealed_learning_rate(config, 5, None, 10**9) == 3e-4           # a live run: no end, no annealing
    assert annealed_learning_rate(PPOConfig(anneal_lr=False, anneal_steps=10), 5, 7, 100) == 2.5e-4
    live = PPOConfig(anneal_steps=1000, lr_floor=0.1)                        # by env steps, with or without an end
    assert annealed_learning_rate(live, 3, None, 500) == pytest.approx(2.5e-4 * 0.55)
    assert annealed_learning_rate(live, 3, 4, 5000) == pytest.approx(2.5e-5)


def test_train_is_deterministic_for_a_seed():
    config = PPOConfig(num_envs=2, num_steps=16, num_minibatches=2, update_epochs=1, seed=5)
    a, _ = train(cartpole(2, gym.vector.AutoresetMode.SAME_STEP), config, 64)
    b, _ = train(cartpole(2, gym.vector.AutoresetMode.SAME_STEP), config, 64)
    assert a.params == b.params


@pytest.mark.parametrize("kwargs, message", [
    (dict(total_steps=10), "total_steps"),
    (dict(total_steps=1000, config=PPOConfig(num_envs=3, num_steps=16, num_minibatches=2)), "num_envs"),
    (dict(total_steps=1000, model_config=rl.ModelConfig(5, 2)), "obs_size"),
    (dict(total_steps=1000, backend="tpu"), "unknown backend"),
])
def test_train_rejects_bad_arguments(kwargs, message):
    args = dict(envs=cartpole(2), config=PPOConfig(num_envs=2, num_steps=16, num_minibatches=2))
    with pytest.raises(ValueError, match=message):
        train(**(args | kwargs))


def test_browser_modules_have_no_numpy_import_anywhere():
    for name in BROWSER_MODULES:
        tree = ast.parse((ROOT / "rl" / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] == "numpy" for a in node.names), name
            if isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] != "numpy", name


def test_rl_imports_and_collects_with_numpy_blocked():
    script = textwrap.dedent("""
        import sys
        sys.modules["numpy"] = None  # any numpy import now raises ImportError
        import asyncio
        from array import array
        from types import SimpleNamespace
        import rl
        from rl.model import ModelConfig, init_params
        from rl.rollout import RolloutCollector

        class Envs:
            num_envs = 2
            single_observation_space = SimpleNamespace(shape=(3,))
            single_action_space = SimpleNamespace(n=2)
            metadata = {"autoreset_mode": "SameStep"}
            def reset(self, seed=None):
                return array("f", [0.0] * 6), {}
            def step(self, actions):
                return array("f", [1.0] * 6), array("f", [1.0, 1.0]), array("b", [0, 1]), array("b", [0, 0]), {}

        policy = rl.Policy(init_params(ModelConfig(3, 2, (8, 8)), 0), ModelConfig(3, 2, (8, 8)))
        rollout = asyncio.run(RolloutCollector(Envs(), 4, 0).collect(policy))  # a Policy acts as a backend does
        assert rollout.episode_returns == [1.0, 1.0, 1.0, 1.0]
        print("ok", policy.act([[0.0, 1.0, 2.0]]))
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")


@pytest.mark.node
@pytest.mark.skipif(shutil.which("node") is None or not (ROOT / "node_modules" / "pyodide").exists(),
                    reason="needs node and the vendored pyodide")
def test_learner_side_runs_in_pyodide():
    script = textwrap.dedent("""
        import asyncio, random
        from array import array
        from rl import PPOConfig
        from rl.model import ModelConfig, init_params, shape_hash
        from rl.policy import Policy
        from rl.rollout import sample_actions
        model = ModelConfig(4, 2, (64, 64))
        assert shape_hash(model) == 1304981122
        params = init_params(model, 1)
        first = init_params(ModelConfig(4, 2, (8, 8)), 0)[:2].tolist()  # same init as CPython
        assert abs(first[0] - 0.5841649174690247) < 1e-6 and abs(first[1] + 0.5658016800880432) < 1e-6, first
        policy = Policy(params, model)
        actions, logprobs = sample_actions(array("f", [0.0, 1.0] * 3), 2, random.Random(0))
        print("pyodide-ok", len(params), policy.act([[0.1, 0.2, 0.3, 0.4]] * 2), PPOConfig().batch_size)
    """)
    result = subprocess.run(["node", str(ROOT / "tests" / "pyodide_run.mjs")], input=script, cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "pyodide-ok 4675" in result.stdout
