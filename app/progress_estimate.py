"""How far the learner is from beating the scripted player, and when it should (pure Python, tested in CPython).

The evaluator plays every published version against the scripted player
(workers/evaluator.py, a few one-minute matches each). `ScriptedProgress`
keeps those tallies; the learner has *beaten* the scripted player once its
newest evaluations, pooled over at least `RECENT_MATCHES` matches (as many
as rl.train's evaluations play), won `TARGET_WIN_RATE` of the decided ones.
It stays beaten: a later dip does not take that back.

Until then `estimate()` says when it should, from two measured things:

    remaining steps = curve.steps_to_beat(target) - env steps so far
    time left       = remaining steps / (env steps per second now)

`PAGE_CURVE` is the learning curve measured with the page's settings
(docs/learning_curve.md). One run's curve is a guide, not a promise: the text
says "about", names the rate it assumed, and says so plainly when the run is
past the measured point without having won.
"""

from dataclasses import dataclass, field

TARGET_WIN_RATE = 0.6       # of decided matches: issue 4's claim (docs/learning_curve.md)
RECENT_MATCHES = 32         # "beaten" is judged over at least this many of the newest matches


@dataclass(frozen=True)
class LearningCurve:
    """Evaluations of one measured training run against the scripted player."""
    source: str                                     # where it was measured (a doc and its section)
    points: tuple[tuple[int, int, int, int], ...]   # (env steps, wins, draws, losses), env steps rising

    def win_rate(self, index: int) -> float:
        """Wins / (wins + losses) of point `index` (0 when every match was drawn)."""
        _, wins, _, losses = self.points[index]
        return wins / (wins + losses) if wins + losses else 0.0

    def steps_to_beat(self, target: float = TARGET_WIN_RATE) -> int | None:
        """The env steps of the first point from which every later point won at least `target` of the
        decided matches (None if the curve never settles there)."""
        settled = None
        for index, (steps, *_) in enumerate(self.points):
            if self.win_rate(index) < target:
                settled = None
            elif settled is None:
                settled = steps
        return settled


PAGE_CURVE = LearningCurve(
    source="docs/learning_curve.md, \"Epochs at the page's shape\": rl.train with the GPU engine's shape (64 envs x "
           "64 steps, 16 minibatches, 4 epochs, 64x64 network, 60 s matches, constant learning rate 1e-3), seeds 1-3 "
           "pooled, 96 matches per point. It holds 60% of decided matches from 2.5M env steps on",
    points=((500_000, 8, 20, 68), (1_000_000, 16, 26, 54), (1_500_000, 25, 39, 32), (2_000_000, 26, 36, 34),
            (2_500_000, 40, 35, 21), (3_000_000, 32, 48, 16)),
)


@dataclass
class ScriptedProgress:
    """The evaluator's tallies against the scripted player, oldest first, and when the learner beat it."""
    evaluations: list = field(default_factory=list)     # [(env steps, wins, draws, losses)]
    beaten_at: int | None = None                        # env steps of the evaluation that first beat it

    def add(self, env_steps: int, wins: int, draws: int, losses: int) -> None:
        if min(wins, draws, losses) < 0 or wins + draws + losses == 0:
            raise ValueError(f"an evaluation needs counts >= 0 and at least one match, got "
                             f"{wins} wins, {draws} draws, {losses} losses")
        self.evaluations.append((env_steps, wins, draws, losses))
        recent = self.recent()
        if self.beaten_at is None and recent is not None and sum(recent) >= RECENT_MATCHES \
                and recent[0] >= TARGET_WIN_RATE * (recent[0] + recent[2]) and recent[0] > 0:
            self.beaten_at = env_steps

    def recent(self, end: int | None = None) -> tuple[int, int, int] | None:
        """(wins, draws, losses) pooled over the newest evaluations (before index `end`, default all) that hold
        RECENT_MATCHES matches, or over all of them if they hold fewer."""
        if not self.evaluations[:end]:
            return None
        wins = draws = losses = 0
        for _, w, d, l in reversed(self.evaluations[:end]):
            wins, draws, losses = wins + w, draws + d, losses + l
            if wins + draws + losses >= RECENT_MATCHES:
                break
        return wins, draws, losses


def duration(seconds: float) -> str:
    """A rounded, readable duration: "under a minute", "7 min", "45 min", "2 h 40 min", "3 days"."""
    minutes = seconds / 60
    if minutes < 1:
        return "under a minute"
    if minutes < 10:
        return f"{round(minutes)} min"
    if minutes < 60:
        return f"{min(55, 5 * round(minutes / 5))} min"
    if minutes < 48 * 60:
        tens = round(minutes / 10)          # whole hours and tens of minutes
        hours, rest = divmod(tens, 6)
        return f"{hours} h {10 * rest} min" if rest else f"{hours} h"
    return f"{round(minutes / (24 * 60))} days"


def steps_text(steps: float) -> str:
    """Env steps in short form: 448, 46k, 2.0M."""
    if steps >= 1e6:
        return f"{steps / 1e6:.1f}M"
    return f"{steps / 1e3:.0f}k" if steps >= 1e4 else f"{steps:,.0f}"


def estimate(env_steps: int, steps_per_second: float | None, progress: ScriptedProgress,
             curve: LearningCurve = PAGE_CURVE, target: float = TARGET_WIN_RATE) -> str:
    """One line: when the learner should beat the scripted player, or that it has.

    env_steps          the learner's env steps so far
    steps_per_second   the current env steps per second (None or 0 before the first updates)
    """
    if progress.beaten_at is not None:
        return f"beaten at {steps_text(progress.beaten_at)} env steps"
    if not steps_per_second or steps_per_second <= 0:
        return "measuring…"
    goal = curve.steps_to_beat(target)
    remaining = goal - env_steps
    if remaining > 0:
        return (f"about {duration(remaining / steps_per_second)} at the current {steps_per_second:,.0f} env steps/s "
                f"(the measured run won {target:.0%} of decided matches from {steps_text(goal)} env steps)")
    return (f"later than the measured run, which won {target:.0%} of decided matches from {steps_text(goal)} "
            f"env steps; some runs take longer (docs/learning_curve.md)")
