"""rl/files/agent_file.py: agents as .dshq bytes and back, strict reading, and resuming training from a file."""

import asyncio
import json
import shutil
import struct
import subprocess
import sys
from array import array
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rl.files.agent_file import MAX_AGENT_BYTES, AgentFile, read_agent, save_agent, write_agent
from rl.files.container import CheckpointError, tensors_from_flat, write_dshq
from rl.optimizer_state import OptimizerState
from rl.config import PPOConfig
from rl.soccer.evaluation import load_model
from rl.model import ModelConfig, init_params, num_params, param_layout
from rl.backend import create_backend
from rl.ppo import PPOLearner
from rl.rollout import Rollout
from rl.soccer.spec import ACTION_SPEC_VERSION, NUM_ACTIONS, OBS_SIZE, OBS_SPEC_VERSION

ROOT = Path(__file__).resolve().parents[1]
MODEL = ModelConfig(OBS_SIZE, NUM_ACTIONS, hidden_sizes=(16,))
P = num_params(MODEL)
METADATA = {"train_step": 4096, "policy_version": 9, "win_rate_vs_scripted": 0.75, "name": "striker",
            "ppo_config": asdict(PPOConfig())}
FUZZ = settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def optimizer() -> OptimizerState:
    return OptimizerState(array("f", [0.001 * (i % 7) for i in range(P)]), array("f", [1e-6 * (i % 5) for i in range(P)]),
                          step=33)


def snapshots() -> dict:
    return {7: init_params(MODEL, 7), 2: init_params(MODEL, 2)}


def agent_bytes(**overrides) -> bytes:
    return write_agent(init_params(MODEL, 0), MODEL, {**METADATA, **overrides}, optimizer=optimizer(),
                       snapshots=snapshots())


def header_and_data(data: bytes) -> tuple[dict, bytes]:
    end = 8 + struct.unpack("<Q", data[:8])[0]
    return json.loads(data[8:end]), data[end:]


def assemble(header: dict, data_section: bytes) -> bytes:
    header_bytes = json.dumps(header).encode()
    return struct.pack("<Q", len(header_bytes)) + header_bytes + data_section


def with_raw_metadata(data: bytes, **raw) -> bytes:
    """The file with __metadata__ entries replaced by raw strings (None: removed); the data is unchanged."""
    header, data_section = header_and_data(data)
    for key, value in raw.items():
        if value is None:
            header["__metadata__"].pop(key, None)
        else:
            header["__metadata__"][key] = value
    return assemble(header, data_section)


# ----------------------------------------------------------------------------- round trips


def test_round_trip_params_metadata_optimizer_and_snapshots():
    agent = read_agent(agent_bytes())
    assert isinstance(agent, AgentFile)
    assert agent.params == init_params(MODEL, 0) and agent.params.typecode == "f"
    assert agent.model_config == MODEL
    assert agent.optimizer == optimizer()
    assert list(agent.snapshots) == [2, 7] and agent.snapshots == {2: init_params(MODEL, 2), 7: init_params(MODEL, 7)}
    metadata = agent.metadata
    assert {key: metadata[key] for key in METADATA} == METADATA
    assert metadata["model_config"] == {"obs_size": OBS_SIZE, "num_actions": NUM_ACTIONS, "hidden_sizes": [16],
                                        "activation": "tanh", "layout": "shared"}
    assert (metadata["obs_spec_version"], metadata["action_spec_version"]) == (OBS_SPEC_VERSION, ACTION_SPEC_VERSION)
    assert metadata["created"].endswith("+00:00") and len(metadata["created"]) == 25


def test_a_file_from_before_layouts_reads_as_the_shared_layout():
    config = {key: value for key, value in asdict(MODEL).items() if key != "layout"}
    agent = read_agent(with_raw_metadata(agent_bytes(), model_config=json.dumps(config)))
    assert agent.model_config == MODEL and agent.model_config.layout == "shared"
    assert agent.params == init_params(MODEL, 0)


def test_separate_layout_round_trips_and_a_layout_mismatch_is_refused():
    separate = replace(MODEL, layout="separate")
    data = write_agent(init_params(separate, 0), separate, METADATA)
    agent = read_agent(data)
    assert agent.model_config == separate and agent.params == init_params(separate, 0)
    with pytest.raises(CheckpointError, match="trunk.0.weight|actor.0.weight"):  # the tensors are the actor's
        read_agent(with_raw_metadata(data, model_config=json.dumps(asdict(MODEL))))


def test_plain_agent_and_given_created_time_are_kept():
    data = write_agent(init_params(MODEL, 0), MODEL, {"created": "2025-01-02T03:04:05+00:00"})
    agent = read_agent(data)
    assert agent.optimizer is None and agent.snapshots == {}
    assert agent.metadata["created"] == "2025-01-02T03:04:05+00:00"
    assert "policy_version" not in agent.metadata


def test_a_file_written_by_rl_train_reads_back(tmp_path):
    path = tmp_path / "model.dshq"
    save_agent(str(path), init_params(MODEL, 0), MODEL, {"train_step": 512, "backend": "numpy"}, optimizer=optimizer())
    agent = read_agent(path.read_bytes())
    assert (agent.params, agent.model_config, agent.optimizer) == (init_params(MODEL, 0), MODEL, optimizer())
    assert agent.metadata["train_step"] == 512 and agent.metadata["backend"] == "numpy"
    params, model_config, metadata = load_model(str(path))
    assert (params, model_config, metadata) == (agent.params, agent.model_config, agent.metadata)


# ----------------------------------------------------------------------------- refusals


def without_model_config_bytes(model_config) -> bytes:
    """A valid container of MODEL's tensors whose metadata 'model_config' is `model_config` (None: absent)."""
    metadata = {"obs_spec_version": OBS_SPEC_VERSION, "action_spec_version": ACTION_SPEC_VERSION}
    if model_config is not None:
        metadata["model_config"] = model_config
    return write_dshq(tensors_from_flat(init_params(MODEL, 0), list(param_layout(MODEL))), metadata)


def non_finite_bytes() -> bytes:
    header, data_section = header_and_data(write_agent(init_params(MODEL, 0), MODEL, {}))
    del header["__metadata__"]["data_sha256"]  # so the finiteness check itself must catch it
    begin = header["head.bias"]["data_offsets"][0]
    return assemble(header, data_section[:begin] + struct.pack("<f", float("inf")) + data_section[begin + 4 :])


def other_model_bytes(model_config: ModelConfig, claimed: ModelConfig) -> bytes:
    """Tensors of `model_config`, metadata claiming `claimed`."""
    metadata = {"obs_spec_version": OBS_SPEC_VERSION, "action_spec_version": ACTION_SPEC_VERSION,
                "model_config": asdict(claimed)}
    return write_dshq(tensors_from_flat(init_params(model_config, 0), list(param_layout(model_config))), metadata)


def snapshot_missing_a_tensor() -> bytes:
    pool = {3: tensors_from_flat(init_params(MODEL, 3), list(param_layout(MODEL)))}
    del pool[3]["head.bias"]
    return write_dshq(tensors_from_flat(init_params(MODEL, 0), list(param_layout(MODEL))),
                      {"obs_spec_version": OBS_SPEC_VERSION, "action_spec_version": ACTION_SPEC_VERSION,
                       "model_config": asdict(MODEL)}, snapshots=pool)


REFUSED = {
    "model_config missing": (lambda: without_model_config_bytes(None), "metadata 'model_config' is missing"),
    "model_config not an object": (lambda: without_model_config_bytes("tanh-16"),
                                   r"metadata 'model_config' is not a JSON object \(got str\)"),
    "model_config a list": (lambda: without_model_config_bytes([OBS_SIZE, NUM_ACTIONS]),
                            r"metadata 'model_config' is not a JSON object \(got list\)"),
    "model_config unknown key": (lambda: without_model_config_bytes({**asdict(MODEL), "dropout": 0.1}),
                                 "metadata 'model_config' is invalid: .*'dropout'"),
    "model_config bad activation": (lambda: without_model_config_bytes({**asdict(MODEL), "activation": "gelu"}),
                                    "metadata 'model_config' is invalid: ModelConfig.activation"),
    "model_config bad hidden sizes": (lambda: without_model_config_bytes({**asdict(MODEL), "hidden_sizes": [16.5]}),
                                      "metadata 'model_config' is invalid: ModelConfig.hidden_sizes"),
    "model_config missing obs_size": (
        lambda: without_model_config_bytes({k: v for k, v in asdict(MODEL).items() if k != "obs_size"}),
        "metadata 'model_config' is invalid: .*obs_size"),
    "wrong obs size": (lambda: other_model_bytes(ModelConfig(26, NUM_ACTIONS, (16,)), ModelConfig(26, NUM_ACTIONS, (16,))),
                       f"obs_size=26, num_actions={NUM_ACTIONS}; soccer needs {OBS_SIZE} and {NUM_ACTIONS}"),
    "wrong action count": (lambda: other_model_bytes(ModelConfig(OBS_SIZE, 9, (16,)), ModelConfig(OBS_SIZE, 9, (16,))),
                           "num_actions=9; soccer needs"),
    "wrong obs spec version": (lambda: with_raw_metadata(agent_bytes(), obs_spec_version="1"),
                               "metadata 'obs_spec_version' is 1, incompatible with the expected 2 \\(the network was"
                               " trained on another observation layout"),
    "wrong action spec version": (lambda: with_raw_metadata(agent_bytes(), action_spec_version="7"),
                                  "metadata 'action_spec_version' is 7, incompatible with the expected 1"),
    "shape mismatch": (lambda: other_model_bytes(ModelConfig(OBS_SIZE, NUM_ACTIONS, (8,)), MODEL),
                       rf"layout: tensor 'trunk.0.weight' has shape \(8, {OBS_SIZE}\), expected \(16, {OBS_SIZE}\)"),
    "snapshot shape mismatch": (snapshot_missing_a_tensor, "layout: snapshot 3 tensor 'head.bias' is missing"),
    "non-finite": (non_finite_bytes, "non-finite value: tensor 'head.bias' has inf at flat index 0"),
    "bad policy_version": (lambda: with_raw_metadata(agent_bytes(), policy_version="-3"),
                           "metadata 'policy_version' must be a non-negative integer string, got '-3'"),
    "policy_version not an int": (lambda: with_raw_metadata(agent_bytes(), policy_version="v9"),
                                  "metadata 'policy_version' must be a non-negative integer"),
    "bad train_step": (lambda: with_raw_metadata(agent_bytes(), train_step="1e3"), "metadata 'train_step' must be"),
    "win rate over 1": (lambda: with_raw_metadata(agent_bytes(), win_rate_vs_scripted="1.5"),
                        r"metadata 'win_rate_vs_scripted' must be a number in \[0, 1\]"),
    "checksum": (lambda: agent_bytes()[:-1] + b"\x01", "checksum"),
    "truncated": (lambda: agent_bytes()[:-4], "trailing bytes|gap|beyond the end"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_each_refusal_names_the_check(case):
    make, message = REFUSED[case]
    with pytest.raises(CheckpointError, match=message):
        read_agent(make())


def test_too_big_is_refused_before_parsing():
    data = agent_bytes()
    assert read_agent(data, max_bytes=len(data)).params
    with pytest.raises(CheckpointError, match=f"file size: {len(data)} bytes is over the max_bytes limit of {len(data) - 1}"):
        read_agent(data, max_bytes=len(data) - 1)
    assert MAX_AGENT_BYTES == 64 * 1024 * 1024


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: write_agent(init_params(MODEL, 0), ModelConfig(26, NUM_ACTIONS), {}), f"soccer needs {OBS_SIZE}"),
        (lambda: write_agent(array("f", [0.0] * 10), MODEL, {}), f"layout: covers {P} values, the flat vector has 10"),
        (lambda: write_agent(init_params(MODEL, 0), MODEL, {}, snapshots={3: array("f", [0.0] * 10)}),
         "snapshot 3: layout: covers"),
        (lambda: write_agent(init_params(MODEL, 0), MODEL, {}, snapshots=[init_params(MODEL, 0)]), "snapshots must be a dict"),
        (lambda: write_agent(init_params(MODEL, 0), MODEL, {}, snapshots={-1: init_params(MODEL, 0)}),
         "snapshot version must be an int"),
        (lambda: write_agent(init_params(MODEL, 0), MODEL, {"policy_version": -1}), "metadata 'policy_version' must be"),
        (lambda: write_agent(init_params(MODEL, 0), MODEL, {"win_rate_vs_scripted": 2.0}), "win_rate_vs_scripted"),
        (lambda: write_agent(init_params(MODEL, 0), MODEL, {},
                             optimizer=OptimizerState(array("f"), array("f"), 0)), "optimizer state"),
    ],
)
def test_writer_refuses_what_the_reader_would_refuse(call, message):
    with pytest.raises(CheckpointError, match=message):
        call()


VALID = agent_bytes()
HEADER, DATA_SECTION = header_and_data(VALID)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)


def read_or_refuse(data):
    """The property under test: an AgentFile comes back, or CheckpointError; nothing else."""
    try:
        return read_agent(data)
    except CheckpointError as error:
        return error


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(1, 255)), min_size=1, max_size=8))
def test_fuzz_byte_flips_give_an_agent_or_checkpoint_error(flips):
    data = bytearray(VALID)
    for position, mask in flips:
        data[position] ^= mask
    assert isinstance(read_or_refuse(bytes(data)), (AgentFile, CheckpointError))


@FUZZ
@given(key=st.sampled_from(["obs_size", "num_actions", "hidden_sizes", "activation", "layout", "extra"]),
       value=JSON_VALUES,
       drop=st.booleans())
def test_fuzz_model_config_values(key, value, drop):
    config = asdict(MODEL)
    if drop:
        config.pop(key, None)
    else:
        config[key] = value
    header = json.loads(json.dumps(HEADER))
    header["__metadata__"]["model_config"] = json.dumps(config)
    result = read_or_refuse(assemble(header, DATA_SECTION))
    assert isinstance(result, (AgentFile, CheckpointError))
    if isinstance(result, AgentFile):
        assert result.model_config == MODEL


@FUZZ
@given(key=st.sampled_from(["model_config", "policy_version", "train_step", "win_rate_vs_scripted",
                            "obs_spec_version", "optimizer_step", "format_version"]),
       value=JSON_VALUES | st.text(max_size=20))
def test_fuzz_metadata_values(key, value):
    header = json.loads(json.dumps(HEADER))
    header["__metadata__"][key] = value if isinstance(value, str) else json.dumps(value)
    assert isinstance(read_or_refuse(assemble(header, DATA_SECTION)), (AgentFile, CheckpointError))


@FUZZ
@given(name=st.sampled_from(sorted(name for name in HEADER if name != "__metadata__")),
       shape=st.lists(st.integers(0, 40), max_size=3), new_name=st.text(max_size=12) | st.none())
def test_fuzz_tensor_names_and_shapes(name, shape, new_name):
    header = json.loads(json.dumps(HEADER))
    entry = header.pop(name)
    entry["shape"] = shape
    header[name if new_name is None else new_name] = entry
    assert isinstance(read_or_refuse(assemble(header, DATA_SECTION)), (AgentFile, CheckpointError))


# ----------------------------------------------------------------------------- resuming


PPO = PPOConfig(num_envs=4, num_steps=16, num_minibatches=4, update_epochs=2, learning_rate=3e-3)


def rollout(update: int) -> Rollout:
    rng = np.random.default_rng(update)
    n = PPO.num_steps * PPO.num_envs

    def f32(x):
        return array("f", np.asarray(x, np.float32).tobytes())

    values = rng.normal(size=n)
    return Rollout(PPO.num_steps, PPO.num_envs, f32(rng.normal(size=n * OBS_SIZE)),
                   array("i", rng.integers(0, NUM_ACTIONS, n).tolist()), f32(rng.normal(-3.4, 0.1, n)), f32(values),
                   f32(rng.normal(size=n)), f32(np.concatenate([values[PPO.num_envs :], rng.normal(size=PPO.num_envs)])),
                   f32(rng.random(n) < 0.1), f32(np.ones(n)))


async def train_update(backend, update: int) -> None:
    """Update `update` (0, 1, ...): its own rollout and minibatch order, so a resumed run can replay it."""
    await PPOLearner(backend, replace(PPO, seed=update)).update(rollout(update), PPO.learning_rate * (1 - update / 10))


def test_resume_from_a_file_equals_continuing():
    async def main():
        straight = await create_backend("numpy", MODEL)
        await straight.load_params(init_params(MODEL, 0))
        for update in range(2):
            await train_update(straight, update)
        saved = write_agent(await straight.get_params(), MODEL, {"train_step": 2 * PPO.batch_size},
                            optimizer=await straight.get_optimizer_state())
        await train_update(straight, 2)

        agent = read_agent(saved)
        resumed = await create_backend("numpy", MODEL)
        await resumed.load_params(agent.params)
        await resumed.set_optimizer_state(agent.optimizer)
        assert agent.optimizer.step == 2 * PPO.num_minibatches * PPO.update_epochs
        await train_update(resumed, 2)
        assert await resumed.get_params() == await straight.get_params()  # exactly
        assert await resumed.get_optimizer_state() == await straight.get_optimizer_state()

        restarted = await create_backend("numpy", MODEL)  # without the Adam state the update differs
        await restarted.load_params(agent.params)
        await train_update(restarted, 2)
        assert await restarted.get_params() != await straight.get_params()
    asyncio.run(main())


# ----------------------------------------------------------------------------- the browser's constraints


# Runs unchanged in CPython (numpy blocked, as in the browser) and under Pyodide; prints the bytes and a fact.
CROSS_HOST_SCRIPT = """
import sys
sys.modules["numpy"] = None  # Pyodide has no numpy: any import of it now fails
from rl.files.agent_file import read_agent, write_agent
from rl.optimizer_state import OptimizerState
from rl.model import ModelConfig, init_params, num_params
from array import array
model = ModelConfig(34, 30, (8,))
optimizer = OptimizerState(array("f", [1e-3] * num_params(model)), array("f", [2e-6] * num_params(model)), 5)
data = write_agent(init_params(model, 1), model, {"policy_version": 3, "created": "2025-01-01T00:00:00+00:00"},
                   optimizer=optimizer, snapshots={1: init_params(model, 2)})
agent = read_agent(data)
assert agent.params == init_params(model, 1) and agent.snapshots == {1: init_params(model, 2)}
assert agent.optimizer == optimizer
print("BYTES", data.hex())
print("OK", agent.metadata["policy_version"])
"""


def test_reads_and_writes_with_numpy_blocked():
    result = subprocess.run([sys.executable, "-c", CROSS_HOST_SCRIPT], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("OK 3\n")


@pytest.mark.node
@pytest.mark.skipif(shutil.which("node") is None or not (ROOT / "node_modules" / "pyodide").is_dir(),
                    reason="needs node + vendored pyodide")
def test_pyodide_writes_and_reads_the_same_bytes_as_cpython():
    expected = subprocess.run([sys.executable, "-c", CROSS_HOST_SCRIPT], cwd=ROOT, capture_output=True, text=True,
                              timeout=60).stdout
    result = subprocess.run(["node", str(ROOT / "tests" / "pyodide_run.mjs")], input=CROSS_HOST_SCRIPT,
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected and expected.endswith("OK 3\n")
