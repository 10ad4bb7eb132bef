"""WgslEnvBatch in real headless Chromium (Pyodide on the page, navigator.gpu through gpu/browser.py)
follows the Python sim from the same states, within the conformance test's float32 bounds."""

import json

import numpy as np
import pytest

from page_python import run_python_in_page
from sim import SoccerEnv
from sim.observation import encode_observation
from test_sim_wgsl_conformance import (CONFIG, HEADINGS, OBS_TOL, POSITIONS, REWARD_TOL, VELOCITIES, HEADING_TOL,
                                       POSITION_TOL, VELOCITY_TOL, is_threshold_case, place, random_states)

pytestmark = pytest.mark.browser

NUM_STATES = 100
DECISIONS = 2

PAGE_SOURCE = """
import json
import gpu
from sim import SoccerConfig
from sim.wgsl import WgslEnvBatch

states, actions, match_seconds = json.loads(ARGUMENTS)
batch = await WgslEnvBatch.create(len(states), seed=1, config=SoccerConfig(match_seconds=match_seconds))
for i, (ball, blue, red) in enumerate(states):
    await batch.place_ball(i, *ball)
    for agent, (x, y, heading, vx, vy) in (("blue", blue), ("red", red)):
        await batch.place_player(i, agent, x, y, heading, vx, vy)
steps = []
for decision_actions in actions:
    await batch.step(decision_actions)
    steps.append({"states": list(await batch.states()), "obs": list(batch.obs), "rewards": list(batch.rewards),
                  "terminations": list(batch.terminations), "truncations": list(batch.truncations)})
json.dumps({"host": gpu.HOST, "adapter": batch.device.adapter_info, "steps": steps})
"""


def test_wgsl_sim_in_chromium_follows_the_python_sim(browser, server_url):
    rng = np.random.default_rng(99)
    states = random_states(NUM_STATES, rng)
    actions = rng.integers(0, 30, size=(DECISIONS, NUM_STATES, 2))
    arguments = json.dumps([states, actions.reshape(DECISIONS, -1).tolist(), CONFIG.match_seconds])
    source = f"ARGUMENTS = {arguments!r}\n" + PAGE_SOURCE
    result = json.loads(run_python_in_page(browser, server_url, source))
    assert result["host"] == "browser", result["adapter"]   # gpu/browser.py on the page's navigator.gpu

    envs = [SoccerEnv(CONFIG) for _ in range(NUM_STATES)]
    for env, state in zip(envs, states):
        place(env, state)
    starts = [list(env._state) for env in envs]
    running = np.ones(NUM_STATES, bool)
    for d, got in enumerate(result["steps"]):
        gpu_states = np.array(got["states"]).reshape(NUM_STATES, 20)
        gpu_obs = np.array(got["obs"]).reshape(NUM_STATES, 68)
        for i, env in enumerate(envs):
            if not running[i]:
                continue
            goal, shaping, terminated, truncated = env._decide(int(actions[d, i, 0]), int(actions[d, i, 1]))
            assert (bool(got["terminations"][i]), bool(got["truncations"][i])) == (terminated, truncated), f"env {i}"
            assert abs(got["rewards"][2 * i] - (goal + shaping)) < REWARD_TOL
            if terminated or truncated:
                running[i] = False
                continue
            error = np.abs(gpu_states[i] - np.array(env._state))
            time_left = env._time_left()
            obs = np.array([encode_observation(env._state, side, time_left) for side in (0, 1)]).reshape(-1)
            within = (error[POSITIONS].max() <= POSITION_TOL and error[VELOCITIES].max() <= VELOCITY_TOL
                      and error[HEADINGS].max() <= HEADING_TOL and np.abs(gpu_obs[i] - obs).max() <= OBS_TOL)
            assert within or is_threshold_case(starts[i], actions[:, i], d + 1, gpu_states[i], None, rng), (
                f"env {i} after decision {d}: state error {error.max():.3g}")
