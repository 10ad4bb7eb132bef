"""rl/live/trainer_runs.py: one trainer worker, many runs; each message reaches only its own run (CPython)."""

import pytest

from rl.live.trainer_runs import RunControl, TrainerRuns, of_run, tag


def test_a_tagged_message_belongs_to_its_run_only():
    message = tag({"type": "telemetry", "update": 3}, 2)
    assert message == {"type": "telemetry", "update": 3, "run": 2}
    assert of_run(message, 2) and not of_run(message, 1) and not of_run({"type": "telemetry"}, 2)


def test_each_run_has_its_own_control_and_messages_of_other_runs_are_dropped():
    runs = TrainerRuns()
    runs.give(1, "shared 1", {"run": 1})
    first, shared, args = runs.next()
    assert (first.run, shared, args) == (1, "shared 1", {"run": 1}) and runs.next() is None
    for kind in ("pause", "simulate_stall"):
        assert runs.handle({"type": kind, "run": 1})
    assert runs.handle({"type": "hyper", "run": 1, "values": {"learning_rate": 0.01}})
    assert runs.handle({"type": "checkpoint", "run": 1, "id": 7})
    assert (first.paused, first.simulate, first.hyper, first.checkpoints) == (True, "simulate_stall",
                                                                             {"learning_rate": 0.01}, [7])

    runs.give(2, "shared 2", {"run": 2})             # the next run is given while the first still ends ...
    assert runs.handle({"type": "end", "run": 1}) and first.ending and first.waiting
    assert runs.handle({"type": "checkpoint", "run": 2, "id": 1})    # ... and its messages wait for it
    assert not runs.handle({"type": "pause", "run": 3}) and not runs.handle({"type": "pause"})
    runs.finish(1)
    assert not runs.handle({"type": "resume", "run": 1})            # an ended run's message: dropped
    second, shared, _ = runs.next()
    assert shared == "shared 2" and second is not first
    assert (second.run, second.paused, second.hyper, second.simulate, second.ending, second.lose_device) == (
        2, False, None, None, False, False)                           # nothing of run 1 carried over
    assert second.checkpoints == [1] and not second.waiting


def test_resume_device_loss_and_bad_messages():
    control = RunControl(4)
    for message in ({"type": "pause"}, {"type": "resume"}, {"type": "simulate_device_loss"},
                    {"type": "simulate_raise"}):
        control.handle(message)
    assert (control.paused, control.lose_device, control.simulate) == (False, True, "simulate_raise")
    with pytest.raises(ValueError, match="no message 'explode'"):
        control.handle({"type": "explode"})
    runs = TrainerRuns()
    runs.give(4, None, {})
    with pytest.raises(ValueError, match="run 4 was given"):
        runs.give(4, None, {})
