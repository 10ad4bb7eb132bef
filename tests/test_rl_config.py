"""PPOConfig and ModelConfig: CleanRL defaults, derived sizes, and validation naming the field."""

import ast
import inspect
import math

import pytest

from rl.config import PPOConfig
from rl.model import ModelConfig


def test_cleanrl_defaults_and_derived_sizes():
    c = PPOConfig()
    assert (c.learning_rate, c.num_envs, c.num_steps, c.gamma, c.gae_lambda) == (2.5e-4, 4, 128, 0.99, 0.95)
    assert (c.num_minibatches, c.update_epochs, c.norm_adv, c.clip_coef, c.clip_vloss) == (4, 4, True, 0.2, True)
    assert (c.ent_coef, c.vf_coef, c.max_grad_norm, c.target_kl, c.anneal_lr, c.seed) == (0.01, 0.5, 0.5, None, True, 1)
    assert (c.anneal_steps, c.lr_floor) == (0, 0.0)   # anneal to 0 over the run, as CleanRL does
    assert (c.batch_size, c.minibatch_size) == (512, 128)
    assert PPOConfig(num_envs=8, num_steps=32, num_minibatches=2).minibatch_size == 128


def test_every_field_has_a_docstring():
    tree = ast.parse(inspect.getsource(PPOConfig))
    body = tree.body[0].body
    documented = {
        node.target.id
        for node, after in zip(body, body[1:])
        if isinstance(node, ast.AnnAssign) and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
    }
    assert documented == set(PPOConfig.__dataclass_fields__)


@pytest.mark.parametrize("field, value", [
    ("learning_rate", 0.0), ("learning_rate", -1e-3), ("learning_rate", math.nan), ("learning_rate", math.inf),
    ("learning_rate", "3e-4"), ("num_envs", 0), ("num_envs", 2.0), ("num_envs", True), ("num_steps", 0),
    ("gamma", 1.01), ("gamma", -0.1), ("gamma", math.nan), ("gae_lambda", 2.0), ("num_minibatches", 0),
    ("num_minibatches", 3), ("num_minibatches", 512), ("update_epochs", 0), ("norm_adv", 1), ("clip_coef", 0.0),
    ("clip_vloss", "yes"), ("ent_coef", -0.01), ("vf_coef", -1.0), ("max_grad_norm", 0.0), ("target_kl", 0.0),
    ("target_kl", math.nan), ("anneal_lr", None), ("seed", 1.5), ("seed", None), ("anneal_steps", -1),
    ("anneal_steps", 1.5), ("lr_floor", -0.1), ("lr_floor", 1.5), ("lr_floor", math.nan),
])
def test_invalid_values_raise_naming_the_field(field, value):
    with pytest.raises(ValueError, match=rf"PPOConfig\.{field}\b"):
        PPOConfig(**{field: value})


def test_validate_catches_later_mutation():
    c = PPOConfig(target_kl=0.015)
    c.gamma = 2.0
    with pytest.raises(ValueError, match="gamma"):
        c.validate()


@pytest.mark.parametrize("kwargs, field", [
    (dict(obs_size=0, num_actions=2), "obs_size"), (dict(obs_size=4, num_actions=0), "num_actions"),
    (dict(obs_size=4, num_actions=2, hidden_sizes=()), "hidden_sizes"),
    (dict(obs_size=4, num_actions=2, hidden_sizes=(64, 0)), "hidden_sizes"),
    (dict(obs_size=4, num_actions=2, activation="gelu"), "activation"),
])
def test_model_config_validation(kwargs, field):
    with pytest.raises(ValueError, match=rf"ModelConfig\.{field}"):
        ModelConfig(**kwargs)


def test_model_config_is_hashable_and_normalises_hidden_sizes():
    assert ModelConfig(4, 2, [64, 64]) == ModelConfig(4, 2, (64, 64))
    assert hash(ModelConfig(4, 2, [64, 64])) == hash(ModelConfig(4, 2, (64, 64)))
