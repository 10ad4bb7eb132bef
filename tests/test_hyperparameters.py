"""The hyperparameter panel's validation (app/hyperparameters.py)."""

import pytest

from app.hyperparameters import apply_panel
from rl.live.setup import LiveSetup

FORM = {"learning_rate": "0.001", "gamma": "0.98", "gae_lambda": "0.9", "clip_coef": "0.1", "ent_coef": "0.02",
        "update_epochs": "3", "num_minibatches": "2", "envs_per_worker": "", "rollout_workers": ""}


def test_valid_panel_builds_the_new_setup():
    setup, ppo = apply_panel(LiveSetup(rollout_workers=2, envs_per_worker=8), FORM)
    config = setup.ppo_config()
    assert (config.learning_rate, config.gamma, config.update_epochs, config.num_minibatches) == (0.001, 0.98, 3, 2)
    assert setup.envs_per_worker == 8 and setup.rollout_workers == 2    # empty fields keep the current values
    assert ppo["clip_coef"] == 0.1


@pytest.mark.parametrize("field, text, message", [
    ("learning_rate", "fast", "learning_rate must be a number"),
    ("learning_rate", "-1", "learning_rate"),
    ("gamma", "1.5", "gamma"),
    ("update_epochs", "2.5", "update_epochs must be a whole number"),
    ("num_minibatches", "0", "num_minibatches"),
    ("ent_coef", "nan", "ent_coef must be a number"),
    ("envs_per_worker", "0", "envs_per_worker"),
])
def test_bad_values_are_refused_naming_the_field(field, text, message):
    setup = LiveSetup()
    with pytest.raises(ValueError, match=message):
        apply_panel(setup, {**FORM, field: text})
    assert setup.ppo == {}      # nothing half-applied


def test_minibatches_must_divide_the_batch():
    with pytest.raises(ValueError, match="num_minibatches"):
        apply_panel(LiveSetup(rollout_workers=1, envs_per_worker=3, num_steps=5), {**FORM, "num_minibatches": "4"})
