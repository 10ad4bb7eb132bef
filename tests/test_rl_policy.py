"""The policy: its pure-Python forward pass against the numpy twin, and one way to act for every caller."""

import json
import shutil
import subprocess
from array import array
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import asyncio

from rl.numpy_backend import NumpyBackend, NumpyMLP, forward
from rl.model import ModelConfig, init_params, num_params, param_layout
from rl.policy import Policy


@pytest.mark.parametrize("layout", ["shared", "separate"])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_forward_matches_numpy(activation, layout):
    model = ModelConfig(obs_size=6, num_actions=5, hidden_sizes=(16, 12), activation=activation, layout=layout)
    rng = np.random.default_rng(0)
    params = np.frombuffer(init_params(model, 1), np.float32) + rng.normal(0, 0.2, num_params(model)).astype(np.float32)
    obs = rng.normal(size=(3, 6)).astype(np.float32)
    logits, values = Policy(array("f", params.tobytes()), model).forward(obs)
    out = forward(params.astype(np.float64), model, obs.astype(np.float64))[1]
    np.testing.assert_allclose(np.reshape(logits, (3, 5)), out[:, :5], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(values, out[:, 5], rtol=1e-6, atol=1e-6)


def test_act_greedy_and_sampled_on_any_batch_shape():
    model = ModelConfig(obs_size=2, num_actions=3, hidden_sizes=(4,))
    params = array("f", bytes(4 * num_params(model)))
    params[-4:] = array("f", [0.0, 3.0, 0.0, 0.0])  # head bias: action 1 favoured, value 0
    policy = Policy(params, model, seed=0)
    assert policy.act(np.zeros((4, 2), np.float32)) == [1, 1, 1, 1]
    assert policy.act(np.zeros(2)) == [1]  # one observation
    assert policy.act([[0.0, 1.0], [2.0, 3.0]]) == [1, 1]
    assert policy.act(array("f", [0.0] * 4)) == [1, 1]
    counts = Counter(policy.act(np.zeros((3000, 2)), greedy=False))
    p1 = np.exp(3) / (np.exp(3) + 2)
    assert counts[1] / 3000 == pytest.approx(p1, abs=0.03) and counts[0] and counts[2]
    with pytest.raises(ValueError, match="obs_size"):
        policy.act([1.0, 2.0, 3.0])


def test_every_forward_engine_answers_the_same_call():
    """Policy with the Python or the numpy MLP and the learner's backend: forward(obs, n), rows past n ignored."""
    model = ModelConfig(obs_size=4, num_actions=3, hidden_sizes=(8, 8))
    params = init_params(model, 3)
    obs = array("f", np.random.default_rng(1).normal(size=5 * 4).astype(np.float32).tobytes())
    python_logits, python_values = Policy(params, model).forward(obs, 4)
    numpy_logits, numpy_values = Policy(params, model, mlp=NumpyMLP).forward(obs, 4)
    backend = NumpyBackend(model)
    asyncio.run(backend.load_params(params))
    backend_logits, backend_values = asyncio.run(backend.forward(obs, 4))
    assert len(python_logits) == 4 * 3 and len(python_values) == 4
    assert numpy_logits == backend_logits and numpy_values == backend_values
    np.testing.assert_allclose(python_logits, numpy_logits, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(python_values, numpy_values, rtol=1e-5, atol=1e-6)
    assert Policy(params, model).act(obs, 4) == Policy(params, model, mlp=NumpyMLP).act(obs, 4)
    with pytest.raises(ValueError, match="fewer than n=6"):
        Policy(params, model).forward(obs, 6)


def test_separate_layout_keeps_actor_and_critic_apart():
    """Logits depend on the actor's parameters only, the value on the critic's only."""
    model = ModelConfig(obs_size=4, num_actions=3, hidden_sizes=(8, 8), layout="separate")
    params = np.frombuffer(init_params(model, 2), np.float32).copy()
    obs = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    logits, values = Policy(array("f", params.tobytes()), model).forward(obs)
    split = next(s.offset for s in param_layout(model) if s.name.startswith("critic"))
    for part, same in ((slice(split, None), 0), (slice(None, split), 1)):
        changed = params.copy()
        changed[part] += 0.5
        other = Policy(array("f", changed.tobytes()), model).forward(obs)
        assert other[same] == (logits, values)[same] and other[1 - same] != (logits, values)[1 - same]




INPUTS = """
import random
from array import array
from rl.model import ModelConfig, init_params

def random_policy_and_rows(rows):
    # the page's model, its params perturbed off their init, and `rows` observations, from random.Random(0):
    # the same in every Python (standard library only, as rl.model.init_params)
    model = ModelConfig(obs_size=34, num_actions=30, hidden_sizes=(64, 64))
    rng = random.Random(0)
    params = array("f", [p + rng.gauss(0.0, 0.2) for p in init_params(model, 1)])
    return model, params, array("f", [rng.uniform(-1.5, 1.5) for _ in range(rows * model.obs_size)])
"""


PYODIDE_FORWARD = INPUTS + """
import json, math
import rl.policy
from rl.policy import Policy
model, params, obs = random_policy_and_rows(2000)
logits, values = Policy(params, model).forward(obs)
print("SUMPROD", rl.policy.dot is getattr(math, "sumprod", None))
for row in range(2000):
    print("ROW", json.dumps(logits[30 * row : 30 * row + 30].tolist() + [values[row]]))
"""


@pytest.mark.node
def test_pyodide_forward_uses_sumprod_and_matches_both():
    """In Pyodide (Python 3.12+) the forward's dot is math.sumprod: its outputs equal numpy's float64 forward
    within 1e-6, and the float32 outputs of the sum(map(mul)) forward (CPython 3.11 here) in all but a few of
    62,000 (the page's model, 2,000 rows)."""
    root = Path(__file__).resolve().parent.parent
    if shutil.which("node") is None or not (root / "node_modules" / "pyodide").exists():
        pytest.skip("node or the vendored pyodide is missing (npm ci)")
    done = subprocess.run(["node", "tests/pyodide_run.mjs"], input=PYODIDE_FORWARD, capture_output=True, text=True,
                          cwd=root, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "SUMPROD True" in done.stdout, "Pyodide's Python has math.sumprod, and the forward should use it"
    there = np.array([json.loads(line[4:]) for line in done.stdout.splitlines() if line.startswith("ROW ")], np.float32)
    inputs = {}
    exec(INPUTS, inputs)
    model, params, obs = inputs["random_policy_and_rows"](2000)
    out = forward(np.array(params, np.float64), model, np.array(obs, np.float64).reshape(2000, 34))[1]
    np.testing.assert_allclose(there, out, rtol=1e-6, atol=1e-6)
    logits, values = Policy(params, model).forward(obs)
    here = np.concatenate([np.reshape(logits, (2000, 30)), np.reshape(values, (2000, 1))], axis=1)
    differ = int(np.sum(here != there))
    assert differ <= 6, f"{differ} of 62,000 float32 outputs differ between sumprod and sum(map(mul))"
