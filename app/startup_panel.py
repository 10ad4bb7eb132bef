"""Start-up progress over the pitch, a view of the session (app/session.py): from the first Train of a
learner to its first update, the steps of app/startup_progress.py with their counts and times.

    workers   polled: each of the run's workers whose Python is up (PythonWorker.ready)
    compile   the trainer's reports, one per kernel (workers/kernel_progress.py), or one saying a kept
              trainer reuses the kernels it compiled before
    rollout   polled: segments written to the rollout ring
    update    the first trainer report with update >= 1

While a start-up is in progress it polls the live run (app/live_run.py) every POLL_SECONDS; the list
hides HIDE_AFTER_SECONDS after the first update. `status().startup` keeps {times, lines, finished}
(bench/bench_startup.py reads the times).
"""

import asyncio
import time

from app.dom import element
from app.dshq import set_status
from app.startup_progress import StartupProgress

POLL_SECONDS = 0.25
HIDE_AFTER_SECONDS = 4.0
MARKS = {"done": "✓", "running": "›", "waiting": "·"}


class StartupPanel:
    def __init__(self, session):
        self.session = session
        self.run = None                 # the run whose start-up is shown
        self.progress: StartupProgress | None = None

    def wire(self) -> None:
        self.session.subscribe("training", self.on_training)
        self.session.subscribe("worker", self.on_worker_report)
        self.session.subscribe("telemetry", self.on_telemetry)
        self.session.subscribe("discarded", self.hide)

    def on_training(self, running: bool) -> None:
        """The first Train of a run starts its workers: follow them until the first update."""
        run = self.session.run
        if not running or run is None or run is self.run:
            return
        self.run = run
        setup = run.setup
        rollout_workers = setup.rollout_workers if run.expected_engine() == "workers" else 0   # none for the GPU engine
        workers = 1 + rollout_workers + (1 if setup.eval_episodes else 0)
        self.progress = StartupProgress(time.perf_counter(), workers, setup.live_config().segments_per_update)
        element("startup").hidden = False
        asyncio.ensure_future(self.follow(run))

    def on_worker_report(self, report: dict) -> None:
        engine = report.get("engine")
        if self.progress is not None and engine and engine["name"] == "workers" and self.run is not None:
            # the trainer runs (or fell back to) the rollout workers: they boot too
            setup = self.run.setup
            self.progress.expect_workers(1 + setup.rollout_workers + (1 if setup.eval_episodes else 0))
        step = report.get("startup")
        if self.progress is not None and step:
            if step.get("reused"):
                self.progress.reuse(step["step"], time.perf_counter())
            else:
                self.progress.count(step["step"], step["done"], time.perf_counter(), step.get("total"))
            self.render()

    def on_telemetry(self, report: dict) -> None:
        """The first update: its segments were written by then, whether or not a poll saw them."""
        if self.progress is not None and not self.progress.finished and (report.get("update") or 0) >= 1:
            self.poll(self.run)
            now = time.perf_counter()
            self.progress.count("rollout", self.progress.segments, now)
            self.progress.count("update", 1, now)
            self.render()

    async def follow(self, run) -> None:
        """Poll the run's workers and ring until the first update (or until the run is dropped)."""
        progress = self.progress
        while self.session.run is run and not progress.finished:
            self.poll(run)
            self.render()
            await asyncio.sleep(POLL_SECONDS)
        if progress.finished:
            await asyncio.sleep(HIDE_AFTER_SECONDS)
            if self.progress is progress:
                element("startup").hidden = True

    def poll(self, run) -> None:
        """Count the run's workers whose Python is up, and the segments in its ring (once it has any, or once
        the trainer has compiled and the rollout workers can start)."""
        progress = self.progress
        workers = [run.trainer, run.evaluator, *run.rollout_workers.values()]
        ready = sum(1 for worker in workers if worker is not None and worker.ready.done()
                    and worker.ready.exception() is None)
        now = time.perf_counter()
        progress.count("workers", ready, now)
        written = run.ring.stats()["written"] if run.ring is not None else 0
        if written or progress.steps["compile"].finished_s is not None:
            progress.count("rollout", written, now)

    def render(self) -> None:
        lines = self.progress.lines()
        element("startup").innerHTML = "".join(f'<li class="{state}">{MARKS[state]} {text}</li>'
                                               for state, text in lines)
        set_status(startup={"times": self.progress.times(), "lines": [text for _, text in lines],
                            "finished": self.progress.finished})

    def hide(self) -> None:
        self.progress, self.run = None, None
        element("startup").hidden = True
