"""WgslEnvBatch refuses bad input with a ValueError naming what was wrong, and changes nothing."""
import asyncio
import math
from array import array

import numpy as np
import pytest

import gpu
from sim import SoccerConfig
from sim.wgsl import WgslEnvBatch

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def batch():
    device = asyncio.run(gpu.request_device(label="sim errors"))
    return asyncio.run(WgslEnvBatch.create(2, seed=0, device=device))


@pytest.mark.parametrize("num_envs, config, message", [
    (0, None, "num_envs must be an int >= 1, got 0"),
    (2.0, None, "num_envs must be an int >= 1, got 2.0"),
    (True, None, "num_envs must be an int >= 1"),
    (2, {"match_seconds": 60}, "config must be a SoccerConfig"),
])
def test_bad_construction(num_envs, config, message):
    with pytest.raises(ValueError, match=message):
        asyncio.run(WgslEnvBatch.create(num_envs, config=config))


@pytest.mark.parametrize("actions, message", [
    ([0, 0, 0], r"actions must have length 2\*num_envs = 4, got 3"),
    ([0, 0, 30, 0], r"env 1: action for agent 'blue' must be an int in range\(30\), got 30"),
    ([0, -1, 0, 0], r"env 0: action for agent 'red' must be an int in range\(30\), got -1"),
    ([0, 1.5, 0, 0], r"env 0: action for agent 'red' must be an int in range\(30\), got 1.5"),
    ([0, 0, 0, "3"], r"env 1: action for agent 'red' must be an int in range\(30\), got '3'"),
    (np.array([0, 0, 0, 2.0]), r"env 0: action for agent 'blue' must be an int .* got np.float64\(0.0\)"),
    (array("i", [0, 0, 99, 0]), r"env 1: action for agent 'blue' .* got 99"),
])
def test_bad_actions_change_nothing(batch, actions, message):
    before = asyncio.run(batch.states())
    with pytest.raises(ValueError, match=message):
        asyncio.run(batch.step(actions))
    assert asyncio.run(batch.states()) == before


@pytest.mark.parametrize("call, message", [
    (lambda b: b.place_ball(0, math.nan, 0.0), "x for 'ball' must be finite, got nan"),
    (lambda b: b.place_ball(0, 1.0, 0.0, vy=math.inf), "vy for 'ball' must be finite"),
    (lambda b: b.place_ball(0, "1", 0.0, vx=None), "vx for 'ball' must be a number, got None"),
    (lambda b: b.place_ball(2, 0.0, 0.0), r"env must be an int in range\(2\), got 2"),
    (lambda b: b.place_ball(-1, 0.0, 0.0), r"env must be an int in range\(2\), got -1"),
    (lambda b: b.place_player(0, "green", 0.0, 0.0), "unknown agent 'green'"),
    (lambda b: b.place_player(1, "red", 0.0, math.nan), "y for 'red' must be finite"),
    (lambda b: b.place_player(1, "red", 0.0, 0.0, heading=(0.0, 0.0)), "heading for 'red' must be a non-zero vector"),
    (lambda b: b.place_player(1, "blue", 0.0, 0.0, heading=(1.0, math.nan)), "heading y for 'blue' must be finite"),
    (lambda b: b.place_player(0, "blue", 0.0, 0.0, heading=None, vx=math.nan), "vx for 'blue' must be finite"),
    (lambda b: b.snapshot(5), r"env must be an int in range\(2\), got 5"),
    (lambda b: b.play(0), "decisions must be an int >= 1, got 0"),
    (lambda b: b.reset(seed=1.5), "seed must be an int, got 1.5"),
])
def test_bad_placements_and_calls_change_nothing(batch, call, message):
    before = asyncio.run(batch.states())
    with pytest.raises(ValueError, match=message):
        asyncio.run(call(batch))
    assert asyncio.run(batch.states()) == before


@pytest.mark.parametrize("controllers, message", [
    (["scripted"] * 3, r"controllers must have length 2\*num_envs = 4, got 3"),
    (["actions", "scripted", "random", "network"], "row 3: controller must be one of"),
])
def test_bad_controllers(batch, controllers, message):
    with pytest.raises(ValueError, match=message):
        batch.set_controllers(controllers)


def test_wgsl_that_does_not_compile_is_a_gpu_error_naming_the_kernel(monkeypatch):
    monkeypatch.setattr("sim.wgsl.batch.soccer_source", lambda config: "fn broken( {")
    with pytest.raises(gpu.GPUError, match="building the soccer sim kernel"):
        asyncio.run(WgslEnvBatch.create(1, config=SoccerConfig(kickoff_jitter=0.25)))
