"""The value field: how a network player values the match with the ball anywhere on the pitch.

For the network player on `side` and the show match's state s, the field is V of s with the ball
moved to the centre of each cell of a C x R grid over the pitch, everything else (the ball's
velocity, both players, the clock) held as it is:

    centre(i, j) = (-L + (i + 1/2) * 2L / C,  -W + (j + 1/2) * 2W / R)     i = 0..C-1, j = 0..R-1
    obs[j*C + i] = encode_observation(s with the ball at centre(i, j), side)    [C*R, 34]
    field[j*C + i] = V(obs[j*C + i])                                             [C*R]

one batched forward of C*R rows. Row j = 0 is the bottom of the pitch (y = -W), column i = 0 its
left (x = -L), in world coordinates whichever side the player is on (red's observations are
mirrored by encode_observation itself).

`grid_observations` and `field_values` are what workers/value_field.py runs for the page, and what
tests/test_value_field.py holds against SoccerEnv.place_ball + Policy.forward. `FieldRefresh`
decides when the page asks (app/field_overlay.py). Pure Python, standard library only.
"""

import math
from array import array
from dataclasses import dataclass

from app.colormap import viridis
from sim.constants import HALF_LENGTH, HALF_WIDTH
from sim.observation import encode_observation
from sim.physics import BALL

FIELD_RGBA = 4                # floats per cell colour


@dataclass(frozen=True)
class ValueFieldConfig:
    columns: int = 24
    """Cells along the pitch's length (x)."""
    rows: int = 12
    """Cells across its width (y); 24 x 12 cells are 0.67 m x 0.83 m on the 16 m x 10 m pitch, 288 rows
    a forward (docs/overlays.md has the worker's time per field)."""
    refresh_hz: float = 4.0
    """At most this many field requests a second (and one in flight at a time)."""
    opacity: float = 0.72
    """How opaque the field is drawn over the grass, 0..1."""

    def __post_init__(self):
        for name in ("columns", "rows"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"ValueFieldConfig.{name} must be an int >= 1, got {value!r}")
        if not (math.isfinite(self.refresh_hz) and self.refresh_hz > 0):
            raise ValueError(f"ValueFieldConfig.refresh_hz must be a finite number > 0, got {self.refresh_hz!r}")
        if not 0.0 <= self.opacity <= 1.0:
            raise ValueError(f"ValueFieldConfig.opacity must be in [0, 1], got {self.opacity!r}")

    @property
    def cells(self) -> int:
        return self.columns * self.rows


def cell_centres(config: ValueFieldConfig) -> list[tuple[float, float]]:
    """World (x, y) of every cell's centre, row by row from the bottom left (module docstring)."""
    width, height = 2 * HALF_LENGTH / config.columns, 2 * HALF_WIDTH / config.rows
    return [(-HALF_LENGTH + (i + 0.5) * width, -HALF_WIDTH + (j + 0.5) * height)
            for j in range(config.rows) for i in range(config.columns)]


def grid_observations(state, side: int, time_left: float, config: ValueFieldConfig) -> array:
    """The C*R observations [C*R*34] of `side` (0 blue, 1 red) with the ball at each cell's centre.

    `state` and `time_left` are SoccerEnv.observation_inputs(): the 20 body floats and the fraction
    of the match left."""
    if len(state) != 20:
        raise ValueError(f"state must hold the 20 body floats of SoccerEnv.observation_inputs(), got {len(state)}")
    if side not in (0, 1):
        raise ValueError(f"side must be 0 (blue) or 1 (red), got {side!r}")
    moved = list(state)
    rows = array("f")
    for x, y in cell_centres(config):
        moved[BALL], moved[BALL + 1] = x, y
        rows.extend(encode_observation(moved, side, time_left))
    return rows


async def field_values(forward, state, side: int, time_left: float, config: ValueFieldConfig) -> list[float]:
    """field[j*C + i] = V(obs[j*C + i]): one batched `forward(obs, n) -> (logits, values)`, awaited if it
    is a coroutine (rl/wgsl's GPUBackend) or called plainly (rl.policy.Policy)."""
    obs = grid_observations(state, side, time_left, config)
    result = forward(obs, config.cells)
    if hasattr(result, "__await__"):
        result = await result
    _, values = result
    return list(values)


def field_colours(values: list[float], opacity: float) -> tuple[array, float, float]:
    """The field's RGBA per cell [C*R*4] and its scale (low, high) = (min, max) of `values`:

        t = (v - low) / (high - low)   (1/2 everywhere on a flat field),   rgba = (viridis(t), opacity)

    The scale follows the field, so an untrained network's small differences show; the legend
    (app/field_overlay.py) prints low and high."""
    low, high = min(values), max(values)
    span = high - low
    colours = array("f")
    for value in values:
        colours.extend((*viridis((value - low) / span if span > 0 else 0.5), opacity))
    return colours, low, high


class FieldRefresh:
    """When the page asks for a field: only when its inputs changed, at most `refresh_hz` times a
    second, and never while an answer is still due."""

    def __init__(self, config: ValueFieldConfig):
        self.interval = 1.0 / config.refresh_hz
        self.asked_at = -math.inf
        self.inputs = None          # what the last request was made of
        self.waiting = False

    def due(self, now: float, inputs) -> bool:
        return not self.waiting and now - self.asked_at >= self.interval and inputs != self.inputs

    def asked(self, now: float, inputs) -> None:
        self.asked_at, self.inputs, self.waiting = now, inputs, True

    def answered(self) -> None:
        self.waiting = False

    def forget(self) -> None:
        """Ask again as soon as the rate allows, even for the same inputs (the field was hidden)."""
        self.inputs, self.waiting = None, False
