"""Finite-difference check of the full PPO loss gradient w.r.t. every parameter (float64)."""

import numpy as np
import pytest

from rl.numpy_backend import loss_and_grad
from rl.config import PPOConfig
from rl.model import ModelConfig, init_params, num_params


@pytest.mark.parametrize("layout", ["shared", "separate"])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("clip_vloss, norm_adv", [(True, True), (False, False)])
def test_full_ppo_loss_gradient(activation, clip_vloss, norm_adv, layout):
    rng = np.random.default_rng(7)
    model = ModelConfig(obs_size=3, num_actions=4, hidden_sizes=(5, 6), activation=activation, layout=layout)
    ppo = PPOConfig(clip_vloss=clip_vloss, norm_adv=norm_adv, ent_coef=0.05, clip_coef=0.2)
    # init scaled up and perturbed so the head is not ~0 and ratios fall on both sides of the clip
    params = np.frombuffer(init_params(model, 0), np.float32).astype(np.float64)
    params = params + rng.normal(0, 0.3, num_params(model))
    B = 9
    obs = rng.normal(size=(B, 3))
    actions = rng.integers(0, 4, B)
    old_logprobs = rng.normal(-1.4, 0.4, B)
    old_values = rng.normal(size=B)
    advantages, returns = rng.normal(size=B), rng.normal(size=B)
    batch = (obs, actions, old_logprobs, old_values, advantages, returns)

    stats, grad = loss_and_grad(params, model, ppo, *batch)
    assert grad.dtype == np.float64 and grad.shape == params.shape

    def loss(p):
        return float(loss_and_grad(p, model, ppo, *batch)[0]["loss"])

    eps = 1e-6
    numeric = np.array([(loss(params + eps * e) - loss(params - eps * e)) / (2 * eps) for e in np.eye(len(params))])
    assert np.abs(grad).max() > 1e-3  # not trivially zero
    np.testing.assert_allclose(grad, numeric, atol=1e-7, rtol=1e-5)
