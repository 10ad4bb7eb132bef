"""Kickoff: players on their own halves facing each other, ball on the centre spot.

With jitter j (metres) and u(a, b) a uniform draw from the env's own RNG:
    blue  = (-L/2 + u(-j, j), u(-j, j)), heading h(t_blue)
    red   = (+L/2 + u(-j, j), u(-j, j)), heading -h(t_red)
    ball  = (0, u(-j, j))
    h(t)  = ((1 - t^2) / (1 + t^2), 2 t / (1 + t^2)),  t = u(-j/4, j/4)
h(t) is the unit vector at angle 2 atan(t) (about +-14 degrees for j = 0.5),
computed with + - * / only, so no trigonometry is needed on any host.
The ball stays on x = 0, where it is equally far from both goals (shaping
potential exactly 0). Draw order is fixed: blue x, y, t; red x, y, t; ball y.
"""
from .constants import HALF_LENGTH
from .physics import BALL, BLUE, RED, STATE_SIZE
from .rng import SplitMix64


def _heading(t: float) -> tuple[float, float]:
    inv = 1.0 / (1.0 + t * t)
    return (1.0 - t * t) * inv, 2.0 * t * inv


def kickoff(state: list, rng: SplitMix64, jitter: float) -> None:
    """Reset every body in `state` (in place) to a jittered kickoff, at rest."""
    values = [0.0] * STATE_SIZE
    for base, sign in ((BLUE, -1.0), (RED, 1.0)):
        x = sign * 0.5 * HALF_LENGTH + rng.uniform(-jitter, jitter)
        y = rng.uniform(-jitter, jitter)
        c, s = _heading(rng.uniform(-0.25 * jitter, 0.25 * jitter))
        values[base:base + 8] = (x, y, 0.0, 0.0, -sign * c, -sign * s, 0.0, 0)
    values[BALL + 1] = rng.uniform(-jitter, jitter)
    state[:] = values
