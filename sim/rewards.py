"""Rewards, from blue's point of view (red's reward is exactly the negative).

| term      | value                                              | when                 |
|-----------|----------------------------------------------------|----------------------|
| goal      | +1 blue scores, -1 red scores                      | the tick of the goal |
| shaping   | k (gamma Phi(s') - Phi(s))                         | every decision       |
| timeout   | 0                                                  | truncation           |

Potential (Ng, Harada, Russell 1999: shaping of this form keeps the optimal
policy unchanged):
    Phi(s) = (|ball - own goal| - |ball - opponent goal|) / 2L      in [-1, 1]
for blue (own goal at (-L, 0), opponent goal at (+L, 0)); Phi_red = -Phi_blue.
Phi of a terminal state is 0; after a goal with play continuing, s' is the
kickoff state, whose Phi is exactly 0 (ball on x = 0).
"""
from math import sqrt

from .constants import HALF_LENGTH

INV_PITCH_LENGTH = 1.0 / (2.0 * HALF_LENGTH)


def potential(state: list) -> float:
    """Phi_blue(s): +1 with the ball at red's goal, -1 at blue's, 0 on the halfway line."""
    bx = state[0]
    by2 = state[1] * state[1]
    to_own = bx + HALF_LENGTH
    to_opponent = bx - HALF_LENGTH
    return (sqrt(to_own * to_own + by2) - sqrt(to_opponent * to_opponent + by2)) * INV_PITCH_LENGTH
