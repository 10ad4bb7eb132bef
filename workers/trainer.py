"""The trainer worker: rl.loop's learner loop on this worker's GPU device, fed by
its engine (rl/live/engine.py: the GPU engine on this device, or the rollout
ring), weights to the board after every update (rl/live/training.py's
BoardPublisher), telemetry to the page.

One worker trains one run after another (rl/live/trainer_runs.py): the page
keeps a healthy trainer when its run is dropped (New agent, Restore, Train from
an agent) and gives it the next run, so its GPU device and compiled kernels
(workers/kernel_progress.py, and the GPU engine's, cached per device) are
reused. A run's args are {"run": its number, "setup": LiveSetup, "start": .dshq
bytes (optional), "resume": True (optional)}: the first run comes with the
worker's start, later ones as {"type": "run", "run", "shared", "args"}. With a
start file the learner begins from its weights, Adam state (if saved) and train
step (an autosave being restored, or an imported agent); with "resume" it is a
restarted trainer (app/live_run.py's restart_trainer) and begins from the
weights on the board, publishing nothing until its first update. The setup's
PPO values are checked against the page's bounds (app/hyperparameters.py)
before anything starts.

Messages from the page, each for one run ("run"; rl/live/trainer_runs.py's
RunControl keeps them): {"type": "pause"}, {"type": "resume"},
{"type": "checkpoint", "id"} (answered between two updates, paused or not, with
{"type": "checkpoint", "id", "version", "train_steps", "params", "m", "v", "step"}),
{"type": "hyper", "values": {PPOConfig field: value}} (applied before the
next update; a bad value is refused with a message, nothing half-applied),
{"type": "end"} (the run is dropped: the update in progress is abandoned, the
run's buffers are let go and the worker takes its next run), {"type": "simulate_device_loss"} (diagnostics: destroys this
worker's device), {"type": "simulate_stall"} / {"type": "simulate_raise"}
(diagnostics: no more updates / an exception, for the page's watchdog and crash
report).

A lost GPU device is re-acquired and training continues from the last
published weights (Adam's moments restart from zero; the GPU engine is rebuilt
on the new device, or the rollout workers take over if it cannot be); a device
lost between runs is re-acquired by the next run.
Messages to the page, each tagged with its run: {"type": "stage", "text"} while
starting (progress on slow steps; compiling the kernels also carries
{"startup": {"step", "done", "total"}}, and reusing them {"startup": {"step",
"reused"}}, workers/kernel_progress.py), "paused" once Stop took effect (no
update lands after it) and "training" again on resume, {"type": "telemetry",
...metrics} at most every `telemetry_seconds`, {"type": "notice", "text"},
{"type": "engine", ...EngineReport}.
"""

import asyncio
import dataclasses
import time

import gpu
from app.hyperparameters import check_ppo
from rl.files.agent_file import read_agent
from rl.live.browser_buffer import BrowserSharedBuffer
from rl.live.engine import TrainerEngine
from rl.live.rollout_ring import RolloutRing
from rl.live.setup import setup_from_args
from rl.live.trainer_runs import TrainerRuns, tag
from rl.live.training import BoardPublisher
from rl.live.weights_board import WeightsBoard
from rl.loop import LearnerLoop
from rl.model import init_params, num_params, shape_hash
from workers.kernel_progress import TrainerKernels

EPISODIC_RETURN_WINDOW = 200  # the return chart: mean of the latest episodes (an update ends few of them)
IDLE_SECONDS = 0.1            # how often a paused run, or a worker between runs, looks for messages

runs = TrainerRuns()


def on_message(data) -> None:
    if data.type == "run":       # its SharedArrayBuffers as they came (a to_py() copy would not share them)
        runs.give(data.run, data.shared, data.args.to_py())
    else:
        runs.handle(data.to_py())


async def main(shared, args, post):
    """Train the first run, then every run the page gives this worker (a run that raises ends the worker)."""
    kernels = TrainerKernels()
    runs.give(args["run"], shared, args)
    while True:
        given = runs.next()
        if given is None:
            await asyncio.sleep(IDLE_SECONDS)
            continue
        control, shared, args = given
        await train(control, shared, args, kernels, lambda message, run=control.run: post(tag(message, run)))
        runs.finish(control.run)


async def train(control, shared, args, kernels, post) -> None:
    """One run, until the page ends it."""
    setup = setup_from_args(args["setup"])
    check_ppo(setup.ppo)
    model = setup.model_config()
    board = WeightsBoard(BrowserSharedBuffer(shared.board), num_params(model), shape_hash(model))
    board.check()
    ring = RolloutRing(BrowserSharedBuffer(shared.ring), setup.segment_layout(), setup.ring_slots)
    backend = await kernels.backend(model, post)
    train_step, start = 0, None
    resumed = args.get("resume") and board.read_if_newer(0)
    if resumed:
        _, train_step, params = resumed
        await backend.load_params(params)
    elif args.get("start") is not None:
        start = read_agent(bytes(args["start"]))
        params = start.params
        await backend.load_params(params)
        if start.optimizer is not None:
            await backend.set_optimizer_state(start.optimizer)
        train_step = start.metadata.get("train_step", 0)
    else:
        params = init_params(model, setup.seed)
        await backend.load_params(params)
    live = setup.live_config()
    publisher = BoardPublisher(board, live)
    engine = TrainerEngine(setup, ring, board, live, lambda: control.waiting, post)
    source = await engine.start(backend, params, start.snapshots if start is not None else None)
    trainer = LearnerLoop(backend, setup.ppo_config(engine.report.name), source, [publisher], params,
                          global_step=train_step, return_window=EPISODIC_RETURN_WINDOW)
    if resumed:
        publisher.last_good_params = params
        post({"type": "notice", "text": f"A new trainer continues from v{board.version}."})
    else:
        publisher.publish(params, train_step)
    post({"type": "telemetry", "policy_version": board.version, "update": 0, "global_step": train_step})
    post({"type": "stage", "text": "trainer: waiting for rollouts" if engine.report.name == "workers"
          else "trainer: the first rollout on the GPU"})
    telemetry_seconds = live.telemetry_seconds
    last_report, unreported = 0.0, None      # the newest report not sent yet (sent at the latest on Stop)
    paused_reported = False
    while not control.ending:
        if control.simulate == "simulate_raise":
            raise RuntimeError("simulated trainer failure (diagnostics)")
        if control.simulate == "simulate_stall":
            await asyncio.sleep(IDLE_SECONDS)      # alive, but no update comes
            continue
        if control.hyper is not None:
            values, control.hyper = control.hyper, None
            apply_hyperparameters(trainer, values, post)
        if control.lose_device:
            control.lose_device = False
            trainer.backend.device.destroy()
        if trainer.backend.device.lost:
            await recover_device(trainer, publisher, engine, kernels, model, post)
        while control.checkpoints:
            await send_checkpoint(trainer, board, control.checkpoints.pop(0), post)
        if control.paused:
            if unreported is not None:
                post({"type": "telemetry", **unreported})
                unreported = None
            if not paused_reported:       # nothing more lands until Train: say so
                post({"type": "stage", "text": "paused"})
                paused_reported = True
            await asyncio.sleep(IDLE_SECONDS)
            continue
        if paused_reported:
            post({"type": "stage", "text": "training"})
            paused_reported = False
        step = asyncio.ensure_future(trainer.step())
        while not step.done() and not control.ending:
            await asyncio.wait([step], timeout=IDLE_SECONDS)
        if not step.done():  # the run was dropped mid-update: its result is not wanted, the next run starts now
            step.cancel()    # (what it already submitted to the GPU finishes there, ahead of the next run's work)
            break
        try:
            report = step.result()
        except gpu.GPUError:
            if not trainer.backend.device.lost:
                raise
            continue
        if report is None:   # paused (or ended) while waiting for segments
            continue
        if trainer.updates == 1:
            post({"type": "stage", "text": "training"})
        now = time.perf_counter()
        if now - last_report >= telemetry_seconds:
            post({"type": "telemetry", **report})
            last_report, unreported = now, None
        else:
            unreported = report
    trainer.source.close()
    trainer.backend.destroy()        # this run's buffers; the device and the kernels stay for the next run


async def send_checkpoint(trainer, board, request, post) -> None:
    """Weights and Adam state as they are between updates (what an autosave stores)."""
    optimizer = await trainer.backend.get_optimizer_state()
    post({"type": "checkpoint", "id": request, "version": board.version, "train_steps": trainer.global_step,
          "params": await trainer.backend.get_params(), "m": optimizer.m, "v": optimizer.v, "step": optimizer.step})


async def recover_device(trainer, publisher, engine, kernels, model, post) -> None:
    """A new device and backend (its kernels compiled as at the start), loaded with the last published weights,
    and the engine's source on it."""
    post({"type": "stage", "text": "trainer: the GPU device was lost; re-acquiring it"})
    backend = await kernels.backend(model, post)
    await backend.load_params(publisher.last_good_params)
    trainer.replace_backend(backend)
    trainer.params = publisher.last_good_params
    engine_before = engine.report.name
    trainer.source = await engine.after_device_loss(backend, publisher.last_good_params)
    if engine.report.name != engine_before:       # a fallback to the rollout workers trains on their batch
        batch = engine.setup.ppo_config(engine.report.name)
        trainer.config = dataclasses.replace(trainer.config, num_envs=batch.num_envs,
                                             num_minibatches=batch.num_minibatches)
    post({"type": "notice", "text": f"The trainer's GPU device was lost; it was re-acquired and training "
                                    f"continues from the last published weights ({engine.report.name} engine)."})
    post({"type": "stage", "text": "training"})


def apply_hyperparameters(trainer, values: dict, post) -> None:
    """Replace the PPOConfig as a whole (validated), or refuse and keep the old one."""
    try:
        check_ppo(values)
        config = dataclasses.replace(trainer.config, **values)
    except (TypeError, ValueError) as err:
        post({"type": "notice", "text": f"Hyperparameters refused: {err}"})
        return
    trainer.config = config
    post({"type": "notice", "text": "Hyperparameters applied from the next update."})
