"""The live run in the browser: its shared memory, its workers and the newest
published weights (browser only; app/session.py drives it).

    Train (first time)  create the weights board and the rollout ring (SABs),
                        start the trainer worker, and the rollout workers when
                        the trainer's engine is theirs (rl/live/engine.py): at
                        once when the page's own adapter says the trainer will
                        choose them, else when the trainer reports that it did
                        or fell back to them (and they stop if it chose gpu)
    Stop                ring RUN = 0 (rollout workers pause) + trainer "pause";
                        the weights stay on the board
    Train (again)       RUN = 1 + "resume": learning continues from the same weights
    release()           the run is dropped (New agent, Restore, Train from an agent): its workers end,
                        except a healthy trainer (no problem reported), which gets {"type": "end"} and
                        is kept (`KeptTrainer`) for the page's next run: that run sends it {"type": "run"}
                        instead of starting a worker, so its GPU device and compiled kernels are reused
    shutdown()          page unload: every worker ends (the page also ends the kept trainer)

Each run has a number (rl/live/trainer_runs.py): everything it posts to its trainer carries it, and a
trainer message of any other run (one the kept trainer sent before it took this run) is dropped.

A run can start from a .dshq file (`start_file`: an autosave being restored,
or an imported agent to train from): the trainer loads its weights (and Adam
state, if saved), the board's first version is the file's policy version, and
the rollout workers start their opponent pools from its saved snapshots.
`checkpoint()` asks the trainer for a consistent copy of its state (weights,
Adam state, version, train steps) between two updates, for autosaves.

Trainer failures, in plain words (never a traceback: the details go to the
console). `problem` says what is wrong, None while the trainer is fine:

    raised     the trainer's Python stopped with an exception: collection
               pauses (ring RUN = 0) and `running` turns False
    stalled    no new update for STALL_FACTOR times the slowest recent update
               (at least MIN_STALL_SECONDS; STARTUP_STALL_SECONDS before this
               trainer's first updates, and again after a "trainer: ..." stage
               such as re-acquiring a lost GPU device): reported, and cleared
               by itself if updates come again
    restart_trainer()  the old trainer is ended and a new one starts from the
               last published weights on the board (Adam's moments restart;
               the rollout workers, the ring, the evaluator and the run go on);
               Train with a problem shown does the same (app/session.py)

Both are reported through `on_telemetry({"trainer_problem": text or None})`.
The last published weights stay on the board and in `policy`, and autosaves
wait (app/agent_panel.py) so the last good one is kept.

Every animation frame the session asks `newer_policy()`: one Atomics load of
the board's version, and a copy of the weights when it changed (the hot-swap).
Worker messages reach the session through four callbacks: telemetry,
notices, evaluations and league results; `play_league_match` posts the
session's league requests to the evaluator (workers/league_matches.py).
"""

import asyncio
import itertools
import time
from array import array
from dataclasses import replace

import js
from pyodide.ffi import to_js

from app.python_worker import PythonWorker
from app.run_state import Agent
from rl.live.browser_buffer import BrowserSharedBuffer
from rl.live.engine import choose_engine
from rl.live.layout import board_bytes, ring_bytes
from rl.live.rollout_ring import RolloutRing
from rl.live.setup import LiveSetup
from rl.live.trainer_runs import of_run, tag
from rl.live.weights_board import WeightsBoard
from rl.model import num_params, shape_hash
from rl.policy import Policy

FEW_CORES_EVAL_SHARE = 0.25     # the evaluator's share of a core on a 2- or 3-core machine (docs/gpu_engine.md)
STALL_FACTOR = 4.0               # a stall: no update for this many times the slowest recent one ...
MIN_STALL_SECONDS = 20.0         # ... and at least this long
STARTUP_STALL_SECONDS = 300.0    # before a trainer's first update (it compiles its kernels, rollouts start)
RECENT_UPDATES = 8               # update intervals the watchdog remembers
WATCH_SECONDS = 1.0              # the watchdog looks this often
CRASHED = ("The trainer stopped because of an internal error (details are in the browser console). Your run is "
           "kept: the last published weights v{version} and the last autosave. Press Restart trainer (or Train) "
           "to continue from v{version}.")
STALLED = ("The trainer has produced no update for {waited:.0f} s (an update usually takes {usual:.0f} s). It may "
           "be stuck. Your run is kept: press Restart trainer to continue from the last published weights "
           "v{version}, or wait: this message goes away if updates come again.")
RUN_NUMBERS = itertools.count(1)  # each LiveRun's number, unique on the page (rl/live/trainer_runs.py)


class KeptTrainer:
    """The trainer worker a dropped run left for the page's next run (app/page.py holds one per page)."""

    def __init__(self):
        self.worker: PythonWorker | None = None

    def keep(self, worker: PythonWorker) -> None:
        self.terminate()
        self.worker = worker

    def take(self) -> PythonWorker | None:
        """The kept trainer, if it is still alive (one that failed while it waited is ended)."""
        worker, self.worker = self.worker, None
        if worker is not None and worker.result.done():
            worker.terminate()
            return None
        return worker

    def terminate(self) -> None:
        if self.worker is not None:
            self.worker.terminate()
            self.worker = None


class LiveRun:
    def __init__(self, setup: LiveSetup, on_telemetry, on_notice, on_evaluation, on_league_result,
                 start: Agent | None = None, start_file: bytes | None = None,
                 kept_trainer: KeptTrainer | None = None):
        self.setup = setup
        self.number = next(RUN_NUMBERS)
        self.kept_trainer = kept_trainer      # where a healthy trainer waits for the next run (None: never kept)
        self.on_evaluation, self.on_league_result = on_evaluation, on_league_result
        self.start_file = start_file
        self.checkpoints = {}          # request id -> future, answered by the trainer
        self.requests = itertools.count(1)
        self.on_telemetry, self.on_notice = on_telemetry, on_notice
        self.model = setup.model_config()
        self.board = self.ring = None
        self.shared = None
        self.trainer = None
        self.evaluator = None
        self.rollout_workers = {}
        self.restarts = 0
        self.running = False
        self.version = start.version if start else 0
        self.train_step = start.train_steps if start else 0      # of the weights in `policy`
        self.policy = Policy(start.params, self.model) if start else None
        self.problem = None            # why the trainer stopped or stalled; None while it is fine
        self.stalled = False           # `problem` is a stall (cleared by the next update)
        self.last_progress = 0.0       # perf_counter of the trainer's last update (or start, or stage)
        self.last_update = None        # the update count of this trainer's last telemetry (None: none yet)
        self.update_seconds = []       # the latest intervals between updates, newest last
        self.watchdog = None
        self.engine = None             # the engine the trainer reported ("gpu" or "workers"), None before

    @staticmethod
    def default_eval_share() -> float:
        """The evaluator's share of a core (LiveSetup.eval_share): all of one with 4 or more cores,
        FEW_CORES_EVAL_SHARE with fewer."""
        return 1.0 if int(js.navigator.hardwareConcurrency or 2) >= 4 else FEW_CORES_EVAL_SHARE

    @staticmethod
    def default_workers() -> int:
        """navigator.hardwareConcurrency - 2 (the page and the trainer), at least 1."""
        return max(1, int(js.navigator.hardwareConcurrency or 2) - 2)

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Train: the first call builds everything, later calls resume."""
        if self.trainer is None:
            self.create_shared_memory()
            args = {"run": self.number, "setup": self.setup.to_args()}
            if self.start_file is not None:
                args["start"] = self.start_file
            self.start_trainer(args)
            if self.expected_engine() == "workers":    # they boot while the trainer compiles
                self.start_rollout_workers()
            if self.setup.eval_episodes:
                self.evaluator = PythonWorker("workers.evaluator:main", shared=self.shared,
                                              args={"setup": self.setup.to_args()},
                                              on_message=self.on_worker_message)
                self.watch(self.evaluator, "the evaluator")
        else:
            self.post_trainer({"type": "resume"})
        self.ring.set_running(True)
        self.running = True
        self.last_progress = time.perf_counter()

    def start_trainer(self, args: dict) -> None:
        """The kept trainer takes this run, or a new trainer worker starts with it."""
        kept = self.kept_trainer.take() if self.kept_trainer is not None else None
        if kept is not None:
            kept.on_message = self.on_trainer_message
            kept.post({"type": "run", "run": self.number, "shared": self.shared, "args": args})
            self.trainer = kept
        else:
            self.trainer = PythonWorker("workers.trainer:main", shared=self.shared, args=args,
                                        on_message=self.on_trainer_message)
        self.watch_trainer(self.trainer)
        self.last_update, self.update_seconds = None, []
        self.last_progress = time.perf_counter()
        if self.watchdog is None:
            self.watchdog = asyncio.ensure_future(self.watch_updates())

    def restart_trainer(self) -> None:
        """End the trainer (crashed or stuck) and start a new one from the board's weights; training runs."""
        if self.trainer is None:
            return
        old, self.trainer = self.trainer, None
        old.terminate()
        self.start_trainer({"run": self.number, "setup": self.setup.to_args(), "resume": True})
        self.problem, self.stalled = None, False
        self.ring.set_running(True)
        self.running = True

    def stop(self) -> None:
        """Stop: pause learning and collection; weights and workers stay."""
        if self.trainer is None:
            return
        self.ring.set_running(False)
        self.post_trainer({"type": "pause"})
        self.running = False

    def release(self) -> None:
        """The run is dropped: keep its trainer for the next run if it is healthy, end every other worker."""
        trainer = self.trainer
        if self.kept_trainer is not None and trainer is not None and self.problem is None \
                and not trainer.result.done():
            self.trainer = None               # from now on its failures and messages are not this run's
            trainer.on_message = None
            trainer.post(tag({"type": "end"}, self.number))
            self.kept_trainer.keep(trainer)
        self.shutdown()

    def shutdown(self) -> None:
        """Release every worker (page unload)."""
        if self.ring is not None:
            self.ring.stop()
        if self.watchdog is not None:
            self.watchdog.cancel()
        for worker in [self.trainer, self.evaluator, *self.rollout_workers.values()]:
            if worker is not None:
                worker.terminate()

    def create_shared_memory(self) -> None:
        size = num_params(self.model)
        layout = self.setup.segment_layout()
        board_sab = js.SharedArrayBuffer.new(board_bytes(size))
        ring_sab = js.SharedArrayBuffer.new(ring_bytes(self.setup.ring_slots, layout.nbytes))
        self.board = WeightsBoard(BrowserSharedBuffer(board_sab), size, shape_hash(self.model)).initialize(
            first_version=max(1, self.version))
        self.ring = RolloutRing(BrowserSharedBuffer(ring_sab), layout, self.setup.ring_slots).initialize()
        self.shared = to_js({"board": board_sab, "ring": ring_sab}, dict_converter=js.Object.fromEntries)

    def expected_engine(self) -> str:
        return expected_engine(self.setup)

    def engine_name(self) -> str:
        """The engine that runs: as the trainer reported it, else as expected."""
        return self.engine or self.expected_engine()

    def start_rollout_workers(self) -> None:
        for producer in range(self.setup.rollout_workers):
            self.start_rollout_worker(producer)

    def start_rollout_worker(self, producer: int) -> None:
        args = {"setup": self.setup.to_args(), "producer": producer}
        if self.start_file is not None:
            args["start"] = self.start_file      # its saved snapshots seed the worker's opponent pool
        worker = PythonWorker("workers.rollout:main", shared=self.shared, args=args,
                              on_message=self.on_worker_message)
        self.rollout_workers[producer] = worker
        self.watch(worker, f"rollout worker {producer}", restart=lambda: self.start_rollout_worker(producer))

    def watch(self, worker: PythonWorker, name: str, restart=None) -> None:
        """Report a worker failure in plain words (the details to the console); restart rollout workers
        (training goes on)."""
        def done(future):
            error = future.exception()
            if error is None or "was terminated" in str(error):
                return
            worker.terminate()   # its Python has stopped; free the thread
            (js.console.warn if restart else js.console.error)(f"DrillSergeantHQ: {name} failed: {error}")
            if restart is not None:
                self.restarts += 1
                self.on_notice(f"{name.capitalize()} stopped because of an internal error and was restarted "
                               f"(details are in the browser console); training goes on.")
                self.on_telemetry({"worker_restarts": self.restarts})
                restart()
            else:
                self.on_notice(f"{name.capitalize()} stopped because of an internal error (details are in the "
                               f"browser console); training goes on without it.")
        worker.result.add_done_callback(done)

    def watch_trainer(self, trainer: PythonWorker) -> None:
        """A trainer that raised: collection pauses and the person is told how to go on."""
        def done(future):
            error = future.exception()
            if error is None or "was terminated" in str(error) or trainer is not self.trainer:
                return
            trainer.terminate()
            js.console.error(f"DrillSergeantHQ: the trainer failed: {error}")
            self.ring.set_running(False)
            self.running = False
            self.report_problem(CRASHED.format(version=self.board.version), stalled=False)
        trainer.result.add_done_callback(done)

    def report_problem(self, text: str | None, stalled: bool = False) -> None:
        self.problem, self.stalled = text, stalled
        self.on_telemetry({"trainer_problem": text})

    # --- the watchdog -------------------------------------------------------------------------
    def on_progress(self, update: int | None = None, starting: bool = False) -> None:
        """The trainer is alive: a stage message, or telemetry at `update`. `starting`: it is (re)building
        something slow (compiling its kernels, re-acquiring its GPU device): until its next updates the
        watchdog allows STARTUP_STALL_SECONDS again."""
        now = time.perf_counter()
        if starting:
            self.last_update, self.update_seconds = None, []
        if update is not None:
            if self.last_update is not None and self.last_update >= 1 and update > self.last_update:
                # (not the wait for the first update: compiling and the first rollouts are not update time)
                self.update_seconds.append((now - self.last_progress) / (update - self.last_update))
                del self.update_seconds[:-RECENT_UPDATES]
            if self.last_update is not None and update <= self.last_update:
                return                    # a report of the same update (e.g. the one held back until Stop)
            self.last_update = update
        self.last_progress = now
        if self.stalled:
            self.report_problem(None)
            self.on_notice("The trainer is producing updates again.")

    def stall_seconds(self) -> float:
        """How long without an update counts as a stall (the module docstring)."""
        if not self.update_seconds:
            return STARTUP_STALL_SECONDS
        return max(MIN_STALL_SECONDS, STALL_FACTOR * max(self.update_seconds))

    async def watch_updates(self) -> None:
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            waited = time.perf_counter() - self.last_progress
            if self.running and self.problem is None and waited > self.stall_seconds():
                usual = max(self.update_seconds) if self.update_seconds else STARTUP_STALL_SECONDS
                js.console.warn(f"DrillSergeantHQ: no trainer update for {waited:.1f} s "
                                f"(recent update intervals: {self.update_seconds})")
                self.report_problem(STALLED.format(waited=waited, usual=usual, version=self.board.version),
                                    stalled=True)

    def post_trainer(self, message: dict) -> None:
        self.trainer.post(tag(message, self.number))

    def on_trainer_message(self, data) -> None:
        """The trainer's messages of this run (a kept trainer may still send some of the run before)."""
        message = data.to_py() if hasattr(data, "to_py") else dict(data)
        if of_run(message, self.number):
            del message["run"]
            self.on_worker_message(message)

    def on_worker_message(self, data) -> None:
        message = data.to_py() if hasattr(data, "to_py") else dict(data)
        if message.get("type") == "notice":
            self.on_notice(message["text"])
        elif message.get("type") == "engine":
            self.engine = message["name"]
            if message["name"] == "workers" and not self.rollout_workers:
                self.start_rollout_workers()
            elif message["name"] == "gpu":
                for worker in self.rollout_workers.values():
                    worker.terminate()
                self.rollout_workers = {}
            self.on_telemetry({"engine": {key: value for key, value in message.items() if key != "type"}})
        elif message.get("type") == "stage":
            self.on_progress(starting=message["text"].startswith("trainer:"))   # only the trainer reports stages
            self.on_telemetry({"stage": message["text"], "startup": message.get("startup")})
        elif message.get("type") == "telemetry":
            if "update" in message:
                self.on_progress(message["update"])
            self.on_telemetry(message)
        elif message.get("type") == "evaluation":
            message["params"] = float32s(message.pop("params"))
            self.on_evaluation(message)
        elif message.get("type") == "league_result":
            self.on_league_result(message)
        elif message.get("type") == "checkpoint":
            future = self.checkpoints.pop(message.pop("id"), None)
            if future is not None and not future.done():
                for name in ("params", "m", "v"):
                    message[name] = float32s(message[name])
                future.set_result(message)

    @property
    def started(self) -> bool:
        return self.trainer is not None

    async def checkpoint(self, timeout_s: float = 60.0) -> dict:
        """The trainer's state between two updates: {version, train_steps, params, m, v, step}."""
        request = next(self.requests)
        future = asyncio.get_event_loop().create_future()
        self.checkpoints[request] = future
        self.post_trainer({"type": "checkpoint", "id": request})
        try:
            return await asyncio.wait_for(future, timeout_s)
        finally:
            self.checkpoints.pop(request, None)

    # --- hot swap ---------------------------------------------------------------------------
    def newer_policy(self) -> tuple[int, Policy] | None:
        """(version, Policy) when the trainer published weights we have not used yet."""
        if self.board is None:
            return None
        newer = self.board.read_if_newer(self.version)
        if newer is None:
            return None
        self.version, self.train_step, params = newer
        self.policy = Policy(params, self.model)
        return self.version, self.policy

    def simulate_rollout_crash(self, producer: int = 0) -> None:
        """Diagnostics: make a rollout worker raise (it is restarted)."""
        if producer in self.rollout_workers:
            self.rollout_workers[producer].post({"type": "simulate_crash"})

    def simulate_trainer_device_loss(self) -> None:
        """Diagnostics: make the trainer lose its GPU device (it recovers by itself)."""
        if self.trainer is not None:
            self.post_trainer({"type": "simulate_device_loss"})

    def play_league_match(self, request: dict) -> bool:
        """Post a league request to the evaluator; False when there is none (?eval=0, or before Train)."""
        if self.evaluator is None:
            return False
        self.evaluator.post(request)
        return True

    def simulate_trainer_failure(self, kind: str) -> None:
        """Diagnostics: make the trainer "stall" (no more updates) or "raise"."""
        if self.trainer is not None:
            self.post_trainer({"type": f"simulate_{kind}"})

    def set_hyperparameters(self, values: dict) -> None:
        """Send PPO values to the trainer; `setup` keeps what it trains with (autosaves, a restarted trainer)."""
        self.setup = replace(self.setup, ppo={**self.setup.ppo, **values})
        if self.trainer is not None:
            self.post_trainer({"type": "hyper", "values": values})


def expected_engine(setup: LiveSetup) -> str:
    """The engine the trainer will choose for `setup`, judged by the page's adapter (the same GPU as the
    worker's): "gpu" or "workers"."""
    adapter = js.window.dshq.adapter
    return choose_engine(setup.engine, adapter.to_py() if adapter else {}).name


def float32s(view) -> array:
    """A Float32Array that arrived as a memoryview -> array('f')."""
    values = array("f")
    values.frombytes(bytes(view))
    return values
