"""The steps from Train to the first update, with their progress (pure Python, tested in CPython).

The first Train of a learner starts every worker at once, and the first
update lands after all of these (app/startup_panel.py shows them; the times
are status().startup, which bench/bench_startup.py prints):

    workers   each worker (trainer, rollout workers, evaluator) boots Python
              and unpacks the project (app/python_worker.py's `ready`); the
              GPU engine starts no rollout workers
    compile   the trainer compiles the WGSL training kernels, one pipeline
              each (workers/kernel_progress.py reports every one); a trainer
              kept from the learner before skips it, reusing the kernels it
              compiled then ("skipped: reusing the compiled kernels")
    rollout   the rollout workers fill the segments of the first update
              (one per worker; the ring's written count), or the GPU engine
              collects its first rollout (done with the first update)
    update    the trainer's first PPO update is published

Steps overlap (rollout workers boot while the trainer compiles), so each has
its own state: waiting, running with its count, or done with the seconds
from Train at which it finished.
"""

from dataclasses import dataclass, field

STEPS = {"workers": "Starting Python in the workers", "compile": "Compiling the WGSL training kernels",
         "rollout": "Collecting the first rollouts", "update": "First update"}


@dataclass
class Step:
    label: str
    done_count: int = 0
    total: int | None = None        # None: not known yet (the kernel count comes with the first report)
    finished_s: float | None = None  # seconds from Train
    begun: bool = False             # some progress was reported (even 0 of N)
    reused: bool = False            # skipped: its result was kept from an earlier start-up

    def text(self) -> str:
        """"label: 3 of 13", "label: done at 4.2 s" (from Train), "label: skipped, reusing ..." or the label."""
        if self.reused:
            return f"{self.label}: skipped, reusing the compiled kernels"
        if self.finished_s is not None:
            return f"{self.label}: done at {self.finished_s:.1f} s"
        if self.total and self.total > 1:
            return f"{self.label}: {self.done_count} of {self.total}"
        return self.label


@dataclass
class StartupProgress:
    """Progress of one learner's start-up, from the moment Train was pressed (`started`, seconds)."""
    started: float
    workers: int                    # how many workers boot
    segments: int                   # how many ring segments the first update takes
    steps: dict = field(default_factory=dict)

    def __post_init__(self):
        self.steps = {key: Step(label) for key, label in STEPS.items()}
        self.steps["workers"].total = self.workers
        self.steps["rollout"].total = self.segments
        self.steps["update"].total = 1

    def count(self, key: str, done: int, now: float, total: int | None = None) -> None:
        """Step `key` has done `done` of its work (of `total`, if it says); it finishes at its total."""
        if key not in self.steps:
            raise ValueError(f"no start-up step {key!r}; the steps are {', '.join(STEPS)}")
        step = self.steps[key]
        step.begun = True
        if total is not None:
            step.total = total
        step.done_count = max(step.done_count, done)
        if step.finished_s is None and step.total is not None and step.done_count >= step.total:
            step.finished_s = round(now - self.started, 2)

    def reuse(self, key: str, now: float) -> None:
        """Step `key` is skipped: what it makes was kept from an earlier start-up (it counts as done now)."""
        self.count(key, 0, now, total=0)
        self.steps[key].reused = True

    def expect_workers(self, workers: int) -> None:
        """The run boots `workers` in all after all (the trainer chose, or fell back to, the rollout workers)."""
        step = self.steps["workers"]
        if workers > (step.total or 0):
            self.workers = step.total = workers
            step.finished_s = None

    @property
    def finished(self) -> bool:
        return self.steps["update"].finished_s is not None

    def lines(self) -> list[tuple[str, str]]:
        """[(state, text)] in order; state is "done", "running" (some progress) or "waiting"."""
        return [("done" if step.finished_s is not None else "running" if step.begun else "waiting",
                 step.text()) for step in self.steps.values()]

    def times(self) -> dict:
        """{step: seconds from Train at which it finished, or None}."""
        return {key: step.finished_s for key, step in self.steps.items()}
