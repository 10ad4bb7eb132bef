"""Proof of learning that fits CI: a short self-play run must learn to go for the ball.

The full claim of issue 4 (beat the scripted baseline in >= 60% of decided
matches after <= 3M steps) takes far longer than CI allows; its run and
learning curve are in docs/learning_curve.md. What a short run can learn is
the first skill any soccer player needs: get to the ball. The run trains
against random opponents with a strong closing-speed reward
(--approach-coef 5), a high learning rate and no entropy bonus, so that 49k
steps are enough; the check then compares the trained policy with the
untrained one (rl.train's init for the same seed) in the same seeded matches
against random opponents. The trained player must stay clearly closer to the
ball, both acting greedily (as rl.evaluate plays) and sampling (as it
trained). Measured when written: greedy 0.15 vs 0.35, sampled 0.15 vs 0.20
(distance / 16 m); a pipeline that does not learn leaves both near the
untrained values.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from rl.numpy_backend import NumpyMLP
from rl.policy import Policy
from rl.soccer.evaluation import load_model
from rl.model import init_params
from rl.soccer.selfplay import BALL_DISTANCE, SelfPlayConfig, SelfPlayEnv
from sim import OBSERVATION_SIZE, SoccerConfig

ROOT = Path(__file__).resolve().parents[1]
RUN = ["--steps", "49152", "--seed", "1", "--num-envs", "32", "--num-steps", "64", "--num-minibatches", "8",
       "--learning-rate", "1e-3", "--ent-coef", "0", "--approach-coef", "5", "--snapshot-prob", "0",
       "--scripted-prob", "0", "--random-prob", "1", "--match-seconds", "10", "--eval-episodes", "0"]


def mean_ball_distance(params, model_config, sample: bool, steps=300, num_envs=32) -> float:
    """Mean of |ball - player| / 2L over `steps` decisions against random opponents (fixed seeds)."""
    env = SelfPlayEnv(num_envs, seed=7, config=SelfPlayConfig(0.0, 0.0, 1.0),
                      soccer_config=SoccerConfig(match_seconds=10.0))
    policy = Policy(params, model_config, seed=7, mlp=NumpyMLP)
    obs, _ = env.reset(seed=7)
    total = 0.0
    for _ in range(steps):
        obs, *_ = env.step(policy.act(obs, num_envs, greedy=not sample))
        total += sum(obs[i * OBSERVATION_SIZE + BALL_DISTANCE] for i in range(num_envs))
    return total / (steps * num_envs)


@pytest.mark.slow
def test_short_self_play_run_learns_to_go_for_the_ball(tmp_path):
    out = tmp_path / "model.dshq"
    result = subprocess.run([sys.executable, "-m", "rl.train", *RUN, "--out", str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    params, model_config, metadata = load_model(out)
    assert metadata["train_step"] == 49152
    untrained = init_params(model_config, 1)
    for sample, ratio in ((False, 0.6), (True, 0.9)):
        trained_distance = mean_ball_distance(params, model_config, sample)
        untrained_distance = mean_ball_distance(untrained, model_config, sample)
        assert trained_distance < ratio * untrained_distance, (sample, trained_distance, untrained_distance)
