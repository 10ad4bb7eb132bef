"""The value field's numbers are the policy's own: every cell equals Policy.forward's value of the
observation SoccerEnv gives with the ball placed at that cell, through the code that feeds the
renderer (workers/value_field.py's forward, app/value_field.py's grid and colours)."""

import asyncio
import copy
import math
import random

import pytest

import gpu
from app.colormap import STOPS, css_gradient, viridis
from app.value_field import FieldRefresh, ValueFieldConfig, cell_centres, field_colours, field_values
from rl.live.setup import LiveSetup
from rl.model import init_params
from rl.policy import Policy
from sim import AGENTS, SoccerEnv
from sim.constants import HALF_LENGTH, HALF_WIDTH
from workers import value_field as worker

SMALL = ValueFieldConfig(columns=8, rows=5)


def played_env(seed: int) -> SoccerEnv:
    """A match some decisions in: players and ball moving, the clock running, a dash cooling down."""
    env = SoccerEnv(seed=seed)
    env.reset(seed=seed)
    rng = random.Random(seed)
    for _ in range(25):
        env.step({side: rng.randrange(env.num_actions) for side in AGENTS})
    return env


def expected_field(env: SoccerEnv, side: str, policy: Policy, config: ValueFieldConfig) -> list[float]:
    """V per cell the independent way: move the ball in the env itself, observe, forward one row."""
    ball = env.snapshot()["ball"]
    values = []
    for x, y in cell_centres(config):
        probe = copy.deepcopy(env)
        probe.place_ball(x, y, ball[2], ball[3])
        values.append(policy.forward(probe.observe(side), 1)[1][0])
    return values


def worker_field(env: SoccerEnv, side: str, params, model, device=None, config=SMALL) -> tuple[list[float], str]:
    """The worker's answer: its weights message, its Forward, app/value_field.field_values."""
    worker.on_message({"type": "weights", "weights": 1, "model": vars(model), "params": params.tobytes()})
    forward = worker.Forward(device)

    async def answer():
        await forward.use(1)
        state, time_left = env.observation_inputs()
        return await field_values(forward.forward, state, AGENTS.index(side), time_left, config)
    return asyncio.run(answer()), forward.engine


@pytest.mark.parametrize("side", AGENTS)
def test_every_cell_is_policy_forward_of_the_observation_with_the_ball_there(side):
    model = LiveSetup().model_config()
    params = init_params(model, 3)
    env = played_env(5)
    values, engine = worker_field(env, side, params, model)
    assert engine == "python"
    assert values == expected_field(env, side, Policy(params, model), SMALL)    # exactly: the same forward
    assert len(set(values)) > SMALL.cells // 2                                   # the ball's place matters


def test_the_gpu_engine_gives_the_same_field_within_float32():
    model = LiveSetup().model_config()
    params = init_params(model, 4)
    env = played_env(6)
    device = asyncio.run(gpu.request_device(label="value field test"))
    config = ValueFieldConfig()                                  # the page's grid: 288 rows in one forward
    values, engine = worker_field(env, "red", params, model, device, config)
    assert engine == "gpu"
    assert values == pytest.approx(expected_field(env, "red", Policy(params, model), config), abs=2e-5)


def test_cells_cover_the_pitch_row_by_row_from_the_bottom_left():
    centres = cell_centres(ValueFieldConfig(columns=4, rows=2))
    assert centres[0] == (-HALF_LENGTH + HALF_LENGTH / 4, -HALF_WIDTH / 2)
    assert centres[3] == (HALF_LENGTH - HALF_LENGTH / 4, -HALF_WIDTH / 2)
    assert centres[4][1] == HALF_WIDTH / 2


def test_colours_run_through_viridis_from_the_lowest_to_the_highest_cell():
    colours, low, high = field_colours([0.5, -0.25, 0.125], 0.7)
    assert (low, high) == (-0.25, 0.5)
    assert tuple(colours[4:8]) == pytest.approx((*viridis(0.0), 0.7))
    assert tuple(colours[0:4]) == pytest.approx((*viridis(1.0), 0.7))
    assert tuple(colours[8:12]) == pytest.approx((*viridis(0.5), 0.7))
    assert tuple(field_colours([0.3, 0.3], 1.0)[0][:3]) == pytest.approx(viridis(0.5))    # a flat field
    assert [round(c * 255) for c in viridis(1.0)] == list(STOPS[-1])
    assert css_gradient().count("rgb(") == len(STOPS)


def test_viridis_gets_lighter_from_low_to_high():
    def luminance(t):
        r, g, b = viridis(t)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    ramp = [luminance(k / 32) for k in range(33)]
    assert ramp == sorted(ramp)


def test_refresh_asks_only_for_new_inputs_at_most_at_its_rate_and_one_at_a_time():
    refresh = FieldRefresh(ValueFieldConfig(refresh_hz=4.0))
    assert refresh.due(0.0, "a")
    refresh.asked(0.0, "a")
    assert not refresh.due(1.0, "b")            # the answer is still due
    refresh.answered()
    assert not refresh.due(1.0, "a")            # nothing changed
    assert not refresh.due(0.2, "b")            # too soon after the last request
    assert refresh.due(0.25, "b")
    refresh.forget()
    assert refresh.due(0.25, "a")


@pytest.mark.parametrize("field, value", [("columns", 0), ("rows", 2.5), ("refresh_hz", math.inf),
                                          ("opacity", 1.5)])
def test_a_bad_config_names_its_field(field, value):
    with pytest.raises(ValueError, match=f"ValueFieldConfig.{field}"):
        ValueFieldConfig(**{field: value})


def test_the_worker_says_what_is_wrong_with_a_request():
    forward = worker.Forward(None)
    with pytest.raises(ValueError, match="no weights were sent for token 99"):
        asyncio.run(forward.use(99))
    model = LiveSetup().model_config()
    worker.on_message({"type": "weights", "weights": 100, "model": vars(model), "params": bytes(8)})
    with pytest.raises(ValueError, match="hold 2 floats"):
        asyncio.run(forward.use(100))
    with pytest.raises(ValueError, match="20 body floats"):
        asyncio.run(field_values(None, [0.0] * 19, 0, 1.0, SMALL))
