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

A run can start from a .dshq file (`start_file`: an autosave being restored,
or an imported agent to train from): the trainer loads its weights (and Adam
state, if saved), the board's first version is the file's policy version, and
the rollout workers start their opponent pools from its saved snapshots.
`checkpoint()` asks the trainer for a consistent copy of its state (weights,
Adam state, version, train steps) between two updates, for autosaves.

Every animation frame the session asks `newer_policy()`: one Atomics load of
the board's version, and a copy of the weights when it changed (the hot-swap).
Worker messages reach the session through four callbacks: telemetry,
notices, evaluations and league results; `play_league_match` posts the
session's league requests to the evaluator (workers/league_matches.py).
"""

import asyncio
import itertools
from array import array

import js
from pyodide.ffi import to_js

from app.python_worker import PythonWorker
from app.run_state import Agent
from rl.live.browser_buffer import BrowserSharedBuffer
from rl.live.engine import choose_engine
from rl.live.layout import board_bytes, ring_bytes
from rl.live.rollout_ring import RolloutRing
from rl.live.setup import LiveSetup
from rl.live.weights_board import WeightsBoard
from rl.model import num_params, shape_hash
from rl.policy import Policy


class LiveRun:
    def __init__(self, setup: LiveSetup, on_telemetry, on_notice, on_evaluation, on_league_result,
                 start: Agent | None = None, start_file: bytes | None = None):
        self.setup = setup
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

    @staticmethod
    def default_workers() -> int:
        """navigator.hardwareConcurrency - 2 (the page and the trainer), at least 1."""
        return max(1, int(js.navigator.hardwareConcurrency or 2) - 2)

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Train: the first call builds everything, later calls resume."""
        if self.trainer is None:
            self.create_shared_memory()
            args = {"setup": self.setup.to_args()}
            if self.start_file is not None:
                args["start"] = self.start_file
            self.trainer = PythonWorker("workers.trainer:main", shared=self.shared, args=args,
                                        on_message=self.on_worker_message)
            self.watch(self.trainer, "the trainer")
            if self.expected_engine() == "workers":    # they boot while the trainer compiles
                self.start_rollout_workers()
            if self.setup.eval_episodes:
                self.evaluator = PythonWorker("workers.evaluator:main", shared=self.shared,
                                              args={"setup": self.setup.to_args()},
                                              on_message=self.on_worker_message)
                self.watch(self.evaluator, "the evaluator")
        else:
            self.trainer.post({"type": "resume"})
        self.ring.set_running(True)
        self.running = True

    def stop(self) -> None:
        """Stop: pause learning and collection; weights and workers stay."""
        if self.trainer is None:
            return
        self.ring.set_running(False)
        self.trainer.post({"type": "pause"})
        self.running = False

    def shutdown(self) -> None:
        """Release every worker (page unload)."""
        if self.ring is not None:
            self.ring.stop()
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
        """The engine the trainer will choose, judged by the page's adapter (the same GPU as the worker's)."""
        adapter = js.window.dshq.adapter
        return choose_engine(self.setup.engine, adapter.to_py() if adapter else {}).name

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
        """Report a worker failure; restart rollout workers (training goes on)."""
        def done(future):
            error = future.exception()
            if error is None or "was terminated" in str(error):
                return
            worker.terminate()   # its Python has stopped; free the thread
            if restart is not None:
                self.restarts += 1
                self.on_notice(f"{name} failed ({error}); restarted it.")
                self.on_telemetry({"worker_restarts": self.restarts})
                restart()
            else:
                self.on_notice(f"{name} failed: {error}")
                self.on_telemetry({"error": str(error)})
        worker.result.add_done_callback(done)

    def on_worker_message(self, data) -> None:
        message = data.to_py() if hasattr(data, "to_py") else dict(data)
        if message.get("type") == "notice":
            self.on_notice(message["text"])
        elif message.get("type") == "engine":
            if message["name"] == "workers" and not self.rollout_workers:
                self.start_rollout_workers()
            elif message["name"] == "gpu":
                for worker in self.rollout_workers.values():
                    worker.terminate()
                self.rollout_workers = {}
            self.on_telemetry({"engine": {key: value for key, value in message.items() if key != "type"}})
        elif message.get("type") == "stage":
            self.on_telemetry({"stage": message["text"]})
        elif message.get("type") == "telemetry":
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
        self.trainer.post({"type": "checkpoint", "id": request})
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
            self.trainer.post({"type": "simulate_device_loss"})

    def play_league_match(self, request: dict) -> bool:
        """Post a league request to the evaluator; False when there is none (?eval=0, or before Train)."""
        if self.evaluator is None:
            return False
        self.evaluator.post(request)
        return True

    def set_hyperparameters(self, values: dict) -> None:
        if self.trainer is not None:
            self.trainer.post({"type": "hyper", "values": values})


def float32s(view) -> array:
    """A Float32Array that arrived as a memoryview -> array('f')."""
    values = array("f")
    values.frombytes(bytes(view))
    return values
