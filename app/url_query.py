"""The page's URL parameters (browser only).

    ?workers=1&envs=8&gpuenvs=16&steps=32&slots=4&seed=3&eval=0&hidden=32,32
                     the LiveSetup of the first Train (small runs, tests); gpuenvs is the GPU
                     engine's batch, workers x envs the rollout workers'; LiveSetup bounds each
                     (rl/live/setup.py), and Train refuses a bad one with a notice naming it
    ?evalshare=0.25  the evaluator worker's largest share of a CPU core (LiveSetup.eval_share)
    ?engine=auto|gpu|workers
                     where the trainer's rollouts come from (rl/live/engine.py; default auto)
    ?blend=SECONDS   hot-swaps blend old and new weights over this window
    ?autosave=SECONDS  the autosave interval while training
    ?league=0        no league matches in the evaluator (evaluations still rate the snapshots)
    ?render=webgpu|canvas
                     what draws the arena (app/arena_scene.py; default: the 2D canvas on software
                     adapters, WebGPU otherwise); a bad value is named in a notice and ignored
"""

import math

import js

from app.live_run import LiveRun
from rl.live.setup import LiveSetup
from rl.model import parse_hidden_sizes

# URL parameter -> LiveSetup field
SETUP_FIELDS = {"workers": "rollout_workers", "envs": "envs_per_worker", "gpuenvs": "gpu_envs", "steps": "num_steps",
                "slots": "ring_slots", "seed": "seed", "eval": "eval_episodes"}


def query():
    return js.URLSearchParams.new(js.location.search)


def text(key: str) -> str | None:
    """A URL parameter's text, or None when the URL has none (URLSearchParams.get gives JS null)."""
    values = query()
    return values.get(key) if values.has(key) else None


def positive_number(key: str, default: float) -> float:
    """A positive number from the URL (?autosave=10), or the default (with a console warning for a bad one)."""
    values = query()
    if not values.has(key):
        return default
    try:
        value = float(values.get(key))
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        js.console.warn(f"ignoring the URL parameter {key}={values.get(key)!r}: not a positive number")
        return default
    return value


def switch(key: str) -> bool:
    """A URL switch that is on unless the URL says `key=0`."""
    return query().get(key) != "0"


def setup_from_query() -> LiveSetup:
    """LiveSetup defaults, overridden by the URL (?workers=1&envs=8&...); ValueError names a bad parameter."""
    values = query()
    fields = {"rollout_workers": LiveRun.default_workers(), "eval_share": LiveRun.default_eval_share()}
    for key, field in SETUP_FIELDS.items():
        if values.has(key):
            text = values.get(key)
            if not text.isdigit():
                raise ValueError(f"the URL parameter {key} must be a whole number, got {text!r}")
            fields[field] = int(text)
    if values.has("hidden"):
        text = values.get("hidden")
        try:
            fields["hidden_sizes"] = parse_hidden_sizes(text)
        except ValueError:
            raise ValueError(f"the URL parameter hidden must be widths like 64,64, got {text!r}") from None
    if values.has("evalshare"):
        text = values.get("evalshare")
        try:
            fields["eval_share"] = float(text)
        except ValueError:
            raise ValueError(f"the URL parameter evalshare must be a number above 0 and at most 1, got {text!r}") \
                from None
    if values.has("engine"):
        fields["engine"] = values.get("engine")          # LiveSetup names the choices if it is none of them
    return LiveSetup(**fields)
