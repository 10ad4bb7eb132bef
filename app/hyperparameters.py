"""The hyperparameter panel's input -> a validated LiveSetup, or a clear refusal.

Pure Python (tested in CPython). Every field is parsed and the whole setup is
rebuilt and validated before anything is applied, so a bad value is refused
with a message naming it and nothing is half-applied.
"""

from dataclasses import asdict

from rl.live.setup import LiveSetup

PPO_FIELDS = {"learning_rate": float, "gamma": float, "gae_lambda": float, "clip_coef": float,
              "ent_coef": float, "update_epochs": int, "num_minibatches": int}
WORKER_FIELDS = {"envs_per_worker": int, "rollout_workers": int}


def parse_number(name: str, text: str, kind):
    text = str(text).strip()
    try:
        value = kind(text)
    except ValueError:
        raise ValueError(f"{name} must be {'a whole number' if kind is int else 'a number'}, got {text!r}") from None
    if kind is float and value != value:
        raise ValueError(f"{name} must be a number, got {text!r}")
    return value


def apply_panel(setup: LiveSetup, form: dict) -> tuple[LiveSetup, dict]:
    """(the new setup, the PPO values to send to a running trainer).

    Empty worker fields keep the current values. Raises ValueError naming the
    first field that is wrong.
    """
    ppo = {name: parse_number(name, form[name], kind) for name, kind in PPO_FIELDS.items() if name in form}
    workers = {name: parse_number(name, form[name], kind) for name, kind in WORKER_FIELDS.items()
               if str(form.get(name, "")).strip()}
    values = {**asdict(setup), **workers, "ppo": {**setup.ppo, **ppo}}
    return LiveSetup(**values), ppo
