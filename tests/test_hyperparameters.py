"""The hyperparameter panel's validation (app/hyperparameters.py)."""

import pytest

from app.hyperparameters import (HyperparameterError, apply_panel, check_ppo, default_values, field_error,
                                 form_errors, panel_values)
from rl.config import SOCCER_PPO
from rl.live.setup import LiveSetup

FORM = {"learning_rate": "0.001", "gamma": "0.98", "gae_lambda": "0.9", "clip_coef": "0.1", "ent_coef": "0.02",
        "update_epochs": "3", "num_minibatches": "2", "envs_per_worker": "", "rollout_workers": ""}


def test_valid_panel_builds_the_new_setup():
    setup, ppo = apply_panel(LiveSetup(rollout_workers=2, envs_per_worker=8), FORM, "workers")
    config = setup.ppo_config("workers")
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
        apply_panel(setup, {**FORM, field: text}, "workers")
    assert setup.ppo == {}      # nothing half-applied


def test_minibatches_must_divide_the_batch():
    with pytest.raises(ValueError, match="num_minibatches"):
        apply_panel(LiveSetup(rollout_workers=1, envs_per_worker=3, num_steps=5), {**FORM, "num_minibatches": "4"},
                    "workers")


@pytest.mark.parametrize("field, text", [
    ("update_epochs", "1000000000"), ("update_epochs", "0"), ("update_epochs", "65"),
    ("learning_rate", "1e300"), ("learning_rate", "0"), ("learning_rate", "inf"),
    ("gamma", "0"), ("gae_lambda", "1.01"), ("clip_coef", "0"), ("ent_coef", "-0.01"), ("ent_coef", "1.5"),
    ("num_minibatches", "2000"), ("envs_per_worker", "257"), ("rollout_workers", "17"),
])
def test_values_outside_their_bounds_are_refused_naming_the_bounds(field, text):
    with pytest.raises(HyperparameterError, match=f"{field} must be a (whole )?number (from|above)"):
        apply_panel(LiveSetup(), {**FORM, field: text}, "workers")
    assert field_error(field, text).startswith(f"{field} must be")


@pytest.mark.parametrize("field, text", [("update_epochs", "1"), ("update_epochs", "64"), ("learning_rate", "1"),
                                         ("gamma", "1"), ("ent_coef", "0"), ("rollout_workers", "16"),
                                         ("envs_per_worker", "")])
def test_values_at_their_bounds_are_accepted(field, text):
    assert field_error(field, text) is None


def test_form_errors_name_each_bad_field_and_then_cross_field_problems():
    errors = form_errors(LiveSetup(), {**FORM, "update_epochs": "1e9", "learning_rate": "1e300"}, "workers")
    assert set(errors) == {"update_epochs", "learning_rate"}
    assert form_errors(LiveSetup(), FORM, "workers") == {}
    small = LiveSetup(rollout_workers=1, envs_per_worker=3, num_steps=5)
    assert "num_minibatches" in form_errors(small, {**FORM, "num_minibatches": "4"}, "workers")["num_minibatches"]


def test_the_trainer_refuses_out_of_bounds_values_with_a_named_error():
    check_ppo({"update_epochs": 4, "learning_rate": 0.001, "num_envs": 32})      # unknown names: PPOConfig's job
    with pytest.raises(HyperparameterError, match="update_epochs must be a whole number from 1 to 64"):
        check_ppo({"update_epochs": 10**9})
    with pytest.raises(HyperparameterError, match="learning_rate"):
        check_ppo({"learning_rate": 1e300})
    with pytest.raises(HyperparameterError, match="update_epochs"):
        check_ppo({"update_epochs": True})


def test_the_panel_shows_what_the_run_trains_with_and_resets_to_the_defaults():
    setup = LiveSetup(rollout_workers=3, envs_per_worker=8)
    values = panel_values(setup, "workers")
    assert (values["learning_rate"], values["ent_coef"]) == (str(SOCCER_PPO.learning_rate), str(SOCCER_PPO.ent_coef))
    assert (values["rollout_workers"], values["envs_per_worker"]) == ("3", "8")
    assert values["num_minibatches"] == str(setup.ppo_config("workers").num_minibatches)
    changed, _ = apply_panel(setup, {**values, "learning_rate": "0.0003"}, "workers")
    assert panel_values(changed, "workers")["learning_rate"] == "0.0003"
    assert default_values(changed, "workers") == values
    assert form_errors(setup, values, "workers") == {}           # what the panel shows is always accepted as it is


def test_minibatches_left_as_shown_follow_each_engines_batch():
    setup = LiveSetup(rollout_workers=3, envs_per_worker=8)     # batches: workers 3 x 8 x 64, gpu 64 x 64
    values = panel_values(setup, "workers")
    assert (values["num_minibatches"], values["gpu_envs"]) == ("6", "64")
    changed, ppo = apply_panel(setup, values, "workers")
    assert "num_minibatches" not in ppo and changed.ppo_config("gpu").num_minibatches == 16
    changed, ppo = apply_panel(setup, {**values, "num_minibatches": "8"}, "workers")    # a choice: kept for both
    assert ppo["num_minibatches"] == 8 == changed.ppo_config("gpu").num_minibatches
    with pytest.raises(ValueError, match="got 3 \\(the gpu engine's batch\\)"):         # divides 1536, not 4096
        apply_panel(setup, {**values, "num_minibatches": "3"}, "workers")
