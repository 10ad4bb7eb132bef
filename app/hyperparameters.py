"""The hyperparameter panel's input -> a validated LiveSetup, or a clear refusal.

Pure Python (tested in CPython; also imported by workers/trainer.py, so the
page and the trainer check the same bounds). Every field is parsed, checked
against its bounds and the whole setup is rebuilt and validated before
anything is applied, so a bad value is refused with a message naming it and
nothing is half-applied.

    field            bounds            why
    learning_rate    (0, 1]            Adam's step; above ~0.01 PPO diverges, above 1 is nonsense
    gamma            (0, 1]            a discount
    gae_lambda       (0, 1]            GAE's lambda
    clip_coef        (0, 1]            the ratio is clipped to [1 - clip, 1 + clip]
    ent_coef         [0, 1]            the entropy bonus weight
    update_epochs    1 .. 64           passes over each batch; each one costs a full pass of GPU time
    num_minibatches  1 .. 1024         and it must divide the batch (checked by PPOConfig)
    gpu_envs         1 .. 4096         matches the GPU engine steps together (its GPU memory: ~1 MB per 64)
    envs_per_worker  1 .. 256          matches each rollout worker steps together
    rollout_workers  1 .. 16           browser workers (each a thread with its own GPU device)
"""

from dataclasses import asdict, dataclass, replace

from rl.live.setup import WHOLE_NUMBER_RANGES, LiveSetup


@dataclass(frozen=True)
class Bound:
    """The values a field accepts."""
    kind: type
    """int (a whole number) or float."""
    low: float
    """The smallest value (excluded when `low_open`)."""
    high: float
    """The largest value (included)."""
    low_open: bool = False
    """`low` itself is refused (a rate or a discount of 0 means no learning)."""

    def describe(self) -> str:
        if self.kind is int:
            return f"a whole number from {self.low} to {self.high}"
        return f"a number above {self.low} and at most {self.high}" if self.low_open \
            else f"a number from {self.low} to {self.high}"

    def contains(self, value) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        return above and value <= self.high


PPO_BOUNDS = {"learning_rate": Bound(float, 0, 1, low_open=True), "gamma": Bound(float, 0, 1, low_open=True),
              "gae_lambda": Bound(float, 0, 1, low_open=True), "clip_coef": Bound(float, 0, 1, low_open=True),
              "ent_coef": Bound(float, 0, 1), "update_epochs": Bound(int, 1, 64),
              "num_minibatches": Bound(int, 1, 1024)}
WORKER_BOUNDS = {name: Bound(int, *WHOLE_NUMBER_RANGES[name]) for name in ("gpu_envs", "envs_per_worker",
                                                                            "rollout_workers")}
PPO_FIELDS = {name: bound.kind for name, bound in PPO_BOUNDS.items()}
WORKER_FIELDS = {name: bound.kind for name, bound in WORKER_BOUNDS.items()}
BOUNDS = {**PPO_BOUNDS, **WORKER_BOUNDS}


class HyperparameterError(ValueError):
    """A hyperparameter outside its bounds (or not a number of its kind)."""


def check_value(name: str, value) -> None:
    """Raise HyperparameterError unless `value` is of `name`'s kind and within its bounds."""
    bound = BOUNDS[name]
    whole = isinstance(value, int) and not isinstance(value, bool)
    number = whole or (isinstance(value, float) and value == value)
    if not (whole if bound.kind is int else number) or not bound.contains(value):
        raise HyperparameterError(f"{name} must be {bound.describe()}, got {value!r}")


def check_ppo(values: dict) -> None:
    """The trainer's check of PPO values from the page (or a setup): each known field within its bounds."""
    for name, value in values.items():
        if name in PPO_BOUNDS:
            check_value(name, value)


def parse_number(name: str, text: str, kind):
    """`text` as a number of `kind` within `name`'s bounds, or HyperparameterError naming the field."""
    text = str(text).strip()
    try:
        value = kind(text)
    except ValueError:
        raise HyperparameterError(f"{name} must be {BOUNDS[name].describe()}, got {text!r}") from None
    check_value(name, value)
    return value


def field_error(name: str, text: str) -> str | None:
    """The inline message for one field as typed (None: fine). Empty worker fields keep the current values."""
    if name in WORKER_BOUNDS and not str(text).strip():
        return None
    try:
        parse_number(name, text, BOUNDS[name].kind)
    except HyperparameterError as err:
        return str(err)
    return None


def form_errors(setup: LiveSetup, form: dict, engine: str) -> dict:
    """name -> message for every field that is wrong as typed; when each is fine on its own, the whole setup
    is built too and a refusal (e.g. minibatches that do not divide the batch) is put on the field it names."""
    errors = {name: message for name in BOUNDS if name in form
              if (message := field_error(name, form[name])) is not None}
    if errors:
        return errors
    try:
        apply_panel(setup, form, engine)
    except (TypeError, ValueError) as err:
        named = [name for name in BOUNDS if name in str(err)] or ["learning_rate"]
        return {named[0]: str(err)}
    return {}


def apply_panel(setup: LiveSetup, form: dict, engine: str) -> tuple[LiveSetup, dict]:
    """(the new setup, the PPO values to send to a running trainer).

    Empty worker fields keep the current values. Minibatches left as the panel
    showed them for `engine` (the one that runs) keep following each engine's
    batch; a changed count must divide both engines' batches. Raises ValueError
    naming the first field that is wrong.
    """
    ppo = {name: parse_number(name, form[name], kind) for name, kind in PPO_FIELDS.items() if name in form}
    if "num_minibatches" not in setup.ppo and ppo.get("num_minibatches") == setup.ppo_config(engine).num_minibatches:
        del ppo["num_minibatches"]
    workers = {name: parse_number(name, form[name], kind) for name, kind in WORKER_FIELDS.items()
               if str(form.get(name, "")).strip()}
    values = {**asdict(setup), **workers, "ppo": {**setup.ppo, **ppo}}
    return LiveSetup(**values), ppo


def panel_values(setup: LiveSetup, engine: str) -> dict:
    """name -> text of every field as `setup` trains with `engine` ("gpu" or "workers": its batch sets the
    minibatch count) — what the trainer uses, not PPOConfig's defaults."""
    ppo = setup.ppo_config(engine)
    return {**{name: str(getattr(ppo, name)) for name in PPO_FIELDS},
            **{name: str(getattr(setup, name)) for name in WORKER_FIELDS}}


def default_values(setup: LiveSetup, engine: str) -> dict:
    """The panel's "Reset to defaults": `setup`'s values without PPO overrides (SOCCER_PPO's choices)."""
    return panel_values(replace(setup, ppo={}), engine)
