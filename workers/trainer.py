"""The trainer worker: PPO updates on this worker's GPU device, weights to the
board after every update, telemetry to the page (rl/live_training.py does the work).

Messages from the page: {"type": "pause"}, {"type": "resume"},
{"type": "hyper", "values": {PPOConfig field: value}} (applied before the
next update; a bad value is refused with a message, nothing half-applied),
{"type": "simulate_device_loss"} (diagnostics: destroys this worker's device).

A lost GPU device is re-acquired and training continues from the last
published weights (Adam's moments restart from zero).
Messages to the page: {"type": "stage", "text"} while starting (progress on
slow steps), {"type": "telemetry", ...metrics} at most every
`telemetry_seconds`, {"type": "notice", "text"}.
"""

import asyncio
import dataclasses
import time

import gpu

from rl.live_training import Trainer
from rl.model import init_params, num_params, shape_hash
from rl.ppo import create_backend
from rl.rollout_ring import RolloutRing
from rl.shared_buffer_browser import BrowserSharedBuffer
from rl.weights_board import WeightsBoard
from workers.live_config import setup_from_args

control = {"paused": False, "hyper": None, "lose_device": False}


def on_message(data) -> None:
    message = data.to_py() if hasattr(data, "to_py") else data
    kind = message.get("type")
    if kind == "pause":
        control["paused"] = True
    elif kind == "resume":
        control["paused"] = False
    elif kind == "hyper":
        control["hyper"] = dict(message.get("values") or {})
    elif kind == "simulate_device_loss":
        control["lose_device"] = True


async def main(shared, args, post):
    setup = setup_from_args(args["setup"])
    model = setup.model_config()
    board = WeightsBoard(BrowserSharedBuffer(shared.board), num_params(model), shape_hash(model))
    board.check()
    ring = RolloutRing(BrowserSharedBuffer(shared.ring), setup.segment_layout(), setup.ring_slots)
    post({"type": "stage", "text": "trainer: compiling the WGSL training kernels"})
    backend = await create_backend("gpu", model)
    await backend.load_params(init_params(model, setup.seed))
    trainer = Trainer(backend, setup.ppo_config(), board, ring, setup.live_config(),
                      is_paused=lambda: control["paused"])
    post({"type": "telemetry", "policy_version": await trainer.publish(), "updates": 0, "train_steps": 0})
    post({"type": "stage", "text": "trainer: waiting for rollouts"})
    telemetry_seconds = setup.live_config().telemetry_seconds
    last_report = 0.0
    while True:
        if control["hyper"] is not None:
            values, control["hyper"] = control["hyper"], None
            apply_hyperparameters(trainer, values, post)
        if control["lose_device"]:
            control["lose_device"] = False
            trainer.backend.device.destroy()
        if trainer.backend.device.lost:
            await recover_device(trainer, model, post)
        if control["paused"]:
            await asyncio.sleep(0.1)
            continue
        try:
            report = await trainer.update()
        except gpu.GPUError:
            if not trainer.backend.device.lost:
                raise
            continue
        if report is None:   # paused while waiting for segments
            continue
        if trainer.updates == 1:
            post({"type": "stage", "text": "training"})
        now = time.perf_counter()
        if now - last_report >= telemetry_seconds:
            post({"type": "telemetry", **report})
            last_report = now


async def recover_device(trainer, model, post) -> None:
    """A new device and backend, loaded with the last published weights."""
    post({"type": "stage", "text": "trainer: the GPU device was lost; re-acquiring it"})
    backend = await create_backend("gpu", model)
    await backend.load_params(trainer.last_good_params)
    trainer.replace_backend(backend)
    post({"type": "notice", "text": "The trainer's GPU device was lost; it was re-acquired and training "
                                    "continues from the last published weights."})
    post({"type": "stage", "text": "training"})


def apply_hyperparameters(trainer, values: dict, post) -> None:
    """Replace the PPOConfig as a whole (validated), or refuse and keep the old one."""
    try:
        config = dataclasses.replace(trainer.ppo_config, **values)
    except (TypeError, ValueError) as err:
        post({"type": "notice", "text": f"Hyperparameters refused: {err}"})
        return
    trainer.ppo_config = trainer.learner.config = config
    post({"type": "notice", "text": "Hyperparameters applied from the next update."})
