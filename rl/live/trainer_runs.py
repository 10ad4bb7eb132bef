"""One trainer worker, many runs: the page keeps a healthy trainer worker when its run is dropped (New agent,
Restore, Train from an agent) and gives it the next run, so its GPU device and compiled kernels are reused
(app/live_run.py, workers/trainer.py). Standard library only (both hosts; tested in CPython).

Every run has a number, unique on the page. Each message between the page and the trainer carries it as
"run", so nothing of one run reaches another:

    page -> trainer   {"type": "run", "run", "shared", "args"}   start run `run` once the current one ended
                      {"type": "end", "run"}                     end run `run` (between two updates)
                      {"type": "pause" | "resume" | "hyper" | "checkpoint" | "simulate_...", "run", ...}
    trainer -> page   every message of workers/trainer.py, tagged with the run it belongs to (`tag`);
                      the page drops those of any run but its own (`of_run`)

The worker keeps one `RunControl` per run it has been given (`TrainerRuns`): what the page asked of that run
so far. A run's control starts fresh (not paused, no pending hyperparameters or checkpoints), and messages
for a run that is given but not started yet wait in its own control.
"""

from dataclasses import dataclass, field

SIMULATIONS = ("simulate_stall", "simulate_raise")   # diagnostics: no more updates / an exception


def tag(message: dict, run: int) -> dict:
    """`message` as run `run`'s."""
    return {**message, "run": run}


def of_run(message: dict, run: int) -> bool:
    """Whether `message` belongs to run `run` (an untagged message belongs to none)."""
    return message.get("run") == run


@dataclass
class RunControl:
    """What the page asked of one run (workers/trainer.py reads it between two updates)."""

    run: int
    """The run's number."""
    paused: bool = False
    """Stop took effect: no update until "resume"."""
    hyper: dict | None = None
    """PPOConfig values to apply before the next update (None: none pending)."""
    checkpoints: list = field(default_factory=list)
    """Checkpoint request ids to answer, oldest first."""
    lose_device: bool = False
    """Diagnostics: destroy the trainer's GPU device before the next update."""
    simulate: str | None = None
    """Diagnostics: one of SIMULATIONS, or None."""
    ending: bool = False
    """The page dropped this run: abandon the update in progress (or stop waiting, or leave the pause)."""

    @property
    def waiting(self) -> bool:
        """Collection should not wait for rollouts (paused, or the run is ending)."""
        return self.paused or self.ending

    def handle(self, message: dict) -> None:
        kind = message.get("type")
        if kind == "pause":
            self.paused = True
        elif kind == "resume":
            self.paused = False
        elif kind == "hyper":
            self.hyper = dict(message.get("values") or {})
        elif kind == "checkpoint":
            self.checkpoints.append(message.get("id"))
        elif kind == "simulate_device_loss":
            self.lose_device = True
        elif kind in SIMULATIONS:
            self.simulate = kind
        elif kind == "end":
            self.ending = True
        else:
            raise ValueError(f"the trainer has no message {kind!r}")


class TrainerRuns:
    """The runs a trainer worker was given, oldest first: the one it trains and those waiting for it."""

    def __init__(self):
        self.controls = {}          # run -> RunControl, the current run's and the waiting ones'
        self.waiting = []           # (run, shared, args) of runs not started yet, oldest first

    def give(self, run: int, shared, args: dict) -> None:
        """Run `run` starts once the runs given before it ended."""
        if run in self.controls:
            raise ValueError(f"run {run} was given to this trainer already")
        self.controls[run] = RunControl(run)
        self.waiting.append((run, shared, args))

    def handle(self, message: dict) -> bool:
        """Apply a page message to its run's control; False when its run is not (or no longer) given here."""
        control = self.controls.get(message.get("run"))
        if control is None:
            return False
        control.handle(message)
        return True

    def next(self) -> tuple[RunControl, object, dict] | None:
        """The oldest waiting run as (its control, shared, args), now the current one; None if none waits."""
        if not self.waiting:
            return None
        run, shared, args = self.waiting.pop(0)
        return self.controls[run], shared, args

    def finish(self, run: int) -> None:
        """Run `run` ended: later messages for it are dropped."""
        self.controls.pop(run, None)
