"""The peer benchmark: PPO on CartPole-v1 reaches a mean episodic return >= 475 (numpy backend).

Hyperparameters follow RL Zoo's tuned CartPole PPO (8 envs x 32 steps, 20
epochs over one 256-sample minibatch, gamma 0.98, lambda 0.8, lr 1e-3 annealed,
no entropy bonus) plus target_kl = 0.02; far fewer env steps than CleanRL's
defaults need. Training runs in a child process with OPENBLAS_NUM_THREADS=1:
the matrices are tiny, and on a loaded 2-core machine BLAS threads made each
matmul ~30x slower (and summation order, hence the trajectory, thread-dependent).
"""

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent("""
    import json, time
    import gymnasium as gym
    from cartpole_check import greedy_return, rolling_returns
    from rl import ModelConfig, PPOConfig, train

    config = PPOConfig(learning_rate=1e-3, num_envs=8, num_steps=32, num_minibatches=1, update_epochs=20,
                       gamma=0.98, gae_lambda=0.8, ent_coef=0.0, target_kl=0.02, seed=1)
    total_steps = 100_000
    envs = gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1")] * config.num_envs)  # NextStep auto-reset
    start = time.perf_counter()
    policy, history = train(envs, config, total_steps=total_steps, model_config=ModelConfig(4, 2, (64, 64)))
    wall = time.perf_counter() - start

    rolling = rolling_returns(history)
    first = next((step for step, mean in rolling if mean >= 475), None)
    greedy = greedy_return(policy)
    print(json.dumps({"first_step_at_475": first, "final_rolling_return": rolling[-1][1], "wall_s": wall,
                      "total_steps": total_steps, "greedy_return": greedy,
                      "skipped_updates": history[-1]["skipped_updates"]}))
""")


@pytest.mark.slow
def test_cartpole_reaches_475():
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"\nCartPole-v1 (numpy backend): {figures}")
    assert figures["first_step_at_475"] is not None, figures
    assert figures["greedy_return"] >= 475, figures
    assert figures["skipped_updates"] == 0
