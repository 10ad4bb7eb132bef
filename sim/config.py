"""SoccerConfig: everything about a match that is not physics (physics is in constants.py)."""
from dataclasses import dataclass
from math import isfinite

from .constants import TICKS_PER_SECOND


@dataclass(frozen=True)
class SoccerConfig:
    match_seconds: float = 60.0
    """Match length in simulated seconds; the episode truncates when it runs out."""
    action_repeat: int = 4
    """Physics ticks per decision (120 Hz / 4 = 30 decisions per second)."""
    end_on_goal: bool = True
    """True: the first goal terminates the episode (training default: each goal is a
    clean terminal reward). False: play restarts from a kickoff and the match runs
    its full length (show match, scripted-vs-random evaluation)."""
    shaping_coef: float = 0.1
    """Weight k of the potential-based shaping k (gamma Phi(s') - Phi(s)); 0 disables it."""
    shaping_gamma: float = 0.99
    """The gamma in the shaping term; use the learner's discount."""
    kickoff_jitter: float = 0.5
    """Metres of uniform jitter on kickoff positions (headings turn up to 2 atan(j/4)); 0 = identical kickoffs."""

    def __post_init__(self):
        if not (isinstance(self.match_seconds, (int, float)) and isfinite(self.match_seconds)
                and self.match_seconds * TICKS_PER_SECOND >= 1):
            raise ValueError(f"match_seconds must be a finite number >= 1/{TICKS_PER_SECOND}, got {self.match_seconds!r}")
        if not (isinstance(self.action_repeat, int) and not isinstance(self.action_repeat, bool)
                and 1 <= self.action_repeat <= TICKS_PER_SECOND):
            raise ValueError(f"action_repeat must be an int in [1, {TICKS_PER_SECOND}], got {self.action_repeat!r}")
        if not isinstance(self.end_on_goal, bool):
            raise ValueError(f"end_on_goal must be a bool, got {self.end_on_goal!r}")
        if not (isinstance(self.shaping_coef, (int, float)) and isfinite(self.shaping_coef) and self.shaping_coef >= 0):
            raise ValueError(f"shaping_coef must be a finite number >= 0, got {self.shaping_coef!r}")
        if not (isinstance(self.shaping_gamma, (int, float)) and 0.0 <= self.shaping_gamma <= 1.0):
            raise ValueError(f"shaping_gamma must be in [0, 1], got {self.shaping_gamma!r}")
        if not (isinstance(self.kickoff_jitter, (int, float)) and 0.0 <= self.kickoff_jitter <= 1.0):
            raise ValueError(f"kickoff_jitter must be in [0, 1] metres, got {self.kickoff_jitter!r}")

    @property
    def match_ticks(self) -> int:
        """Match length in physics ticks."""
        return round(self.match_seconds * TICKS_PER_SECOND)
