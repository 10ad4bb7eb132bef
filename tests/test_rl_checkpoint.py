"""rl/files/container.py: .dshq round trips, safetensors compatibility, strict validation, Pyodide."""

import hashlib
import json
import shutil
import struct
import subprocess
import sys
from array import array
from pathlib import Path

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load as safetensors_load
from safetensors.numpy import save as safetensors_save

from rl.files.container import FORMAT_VERSION, MAX_HEADER_BYTES, Checkpoint, CheckpointError, check_matches_layout, flat_from_tensors, load, read_dshq, save, tensors_from_flat, write_dshq
from rl.optimizer_state import OptimizerState

REPO_ROOT = Path(__file__).resolve().parents[1]
LAYOUT = [("policy.0.weight", (4, 3), 0), ("policy.0.bias", (4,), 12), ("value.weight", (1, 4), 16), ("empty", (0, 5), 20)]
NUM_PARAMS = 20
METADATA = {
    "obs_spec_version": 1,
    "action_spec_version": 1,
    "train_step": 12345,
    "created": "2025-01-02T03:04:05+00:00",
    "model_config": {"hidden_sizes": [4], "activation": "tanh"},
    "ppo_config": {"learning_rate": 0.00025, "num_envs": 8},
    "win_rate_vs_scripted": 0.625,
}
# What the safetensors file holds for the metadata above: strings only.
RAW_REQUIRED_METADATA = {"format": "dshq", "format_version": "1", "obs_spec_version": "1", "action_spec_version": "1"}


def flat_params():
    return array("f", [0.5 * i - 3.25 for i in range(NUM_PARAMS)])


def model_tensors():
    return tensors_from_flat(flat_params(), LAYOUT)


def optimizer_state():
    return OptimizerState(m=array("f", [0.01 * i for i in range(NUM_PARAMS)]), v=array("f", [1e-6] * NUM_PARAMS), step=77)


def snapshots():
    """Two snapshots of the LAYOUT model, given out of order (the writer sorts versions)."""
    return {12: tensors_from_flat(array("f", [float(i) for i in range(NUM_PARAMS)]), LAYOUT),
            0: tensors_from_flat(array("f", [-0.125 * i for i in range(NUM_PARAMS)]), LAYOUT)}


def raw_file(header, data=b"", header_length=None):
    """Assemble a file by hand: header is a dict (JSON-encoded here), a str or bytes."""
    if isinstance(header, dict):
        header = json.dumps(header)
    if isinstance(header, str):
        header = header.encode("utf-8")
    length = len(header) if header_length is None else header_length
    return struct.pack("<Q", length) + header + data


def one_tensor_header(**entry_overrides):
    entry = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
    entry.update(entry_overrides)
    return {"w": entry, "__metadata__": dict(RAW_REQUIRED_METADATA)}


TWO_FLOATS = struct.pack("<2f", 1.0, 2.0)


# ----------------------------------------------------------------------------- round trips


def test_round_trip_tensors_shapes_and_metadata():
    tensors = model_tensors()
    checkpoint = read_dshq(write_dshq(tensors, METADATA))
    assert isinstance(checkpoint, Checkpoint)
    assert list(checkpoint.tensors) == [name for name, _, _ in LAYOUT]
    for name, (shape, values) in tensors.items():
        assert checkpoint.tensors[name][0] == shape
        assert checkpoint.tensors[name][1] == values
        assert checkpoint.tensors[name][1].typecode == "f"
    assert checkpoint.optimizer is None
    metadata = checkpoint.metadata
    assert {key: metadata[key] for key in METADATA} == METADATA
    assert metadata["format"] == "dshq" and metadata["format_version"] == FORMAT_VERSION
    assert len(metadata["data_sha256"]) == 64


def test_round_trip_optimizer_state_and_list_input_order():
    entries = [(name, shape, values) for name, (shape, values) in reversed(list(model_tensors().items()))]
    data = write_dshq(entries, METADATA, optimizer=optimizer_state())
    checkpoint = read_dshq(data, expected_layout=LAYOUT)
    assert list(checkpoint.tensors) == [name for name, _, _ in entries]
    assert checkpoint.optimizer == optimizer_state()
    assert "optimizer_step" not in checkpoint.metadata
    assert flat_from_tensors(checkpoint.tensors, LAYOUT) == flat_params()


def test_write_is_deterministic_padded_and_rewrites_identically():
    data = write_dshq(model_tensors(), METADATA, optimizer=optimizer_state())
    assert data == write_dshq(model_tensors(), METADATA, optimizer=optimizer_state())
    (header_length,) = struct.unpack("<Q", data[:8])
    assert header_length % 8 == 0
    checkpoint = read_dshq(data)
    assert write_dshq(checkpoint.tensors, checkpoint.metadata, optimizer=checkpoint.optimizer) == data


def test_round_trip_snapshots_with_optimizer_state():
    data = write_dshq(model_tensors(), METADATA, optimizer=optimizer_state(), snapshots=snapshots())
    checkpoint = read_dshq(data, expected_layout=LAYOUT)
    assert list(checkpoint.tensors) == [name for name, _, _ in LAYOUT]  # snapshots and Adam state taken out
    assert list(checkpoint.snapshots) == [0, 12]
    for version, tensors in snapshots().items():
        assert checkpoint.snapshots[version] == {name: (shape, array("f", values)) for name, (shape, values) in tensors.items()}
    assert checkpoint.optimizer == optimizer_state()  # its size check counted the model tensors only
    assert write_dshq(checkpoint.tensors, checkpoint.metadata, optimizer=checkpoint.optimizer,
                      snapshots=checkpoint.snapshots) == data
    header = json.loads(data[8 : 8 + struct.unpack("<Q", data[:8])[0]])
    order = [name for name in header if name != "__metadata__"]
    assert order == ([name for name, _, _ in LAYOUT] + [f"snapshot.0.{name}" for name, _, _ in LAYOUT]
                     + [f"snapshot.12.{name}" for name, _, _ in LAYOUT] + ["optimizer.m", "optimizer.v"])
    assert read_dshq(write_dshq(model_tensors(), METADATA)).snapshots == {}


def test_snapshots_must_match_the_expected_layout():
    pool = snapshots()
    del pool[12]["empty"]
    data = write_dshq(model_tensors(), METADATA, snapshots=pool)
    assert sorted(read_dshq(data).snapshots[12]) == sorted(name for name, _, _ in LAYOUT[:-1])  # no layout: fine
    with pytest.raises(CheckpointError, match="layout: snapshot 12 tensor 'empty' is missing"):
        read_dshq(data, expected_layout=LAYOUT)
    pool = snapshots()
    pool[0]["policy.0.weight"] = ((3, 4), pool[0]["policy.0.weight"][1])
    with pytest.raises(CheckpointError, match=r"layout: snapshot 0 tensor 'policy.0.weight' has shape \(3, 4\)"):
        read_dshq(write_dshq(model_tensors(), METADATA, snapshots=pool), expected_layout=LAYOUT)
    with pytest.raises(CheckpointError, match="layout: snapshot 0 tensor 'policy.0.weight'"):
        check_matches_layout(read_dshq(write_dshq(model_tensors(), METADATA, snapshots=pool)), LAYOUT)


def test_plain_string_metadata_and_memoryview_input():
    metadata = dict(METADATA, note="[draft] not JSON", run_name="blue-vs-red", extra={"a": [1, 2]})
    checkpoint = read_dshq(memoryview(write_dshq(model_tensors(), metadata)))
    assert checkpoint.metadata["note"] == "[draft] not JSON"
    assert checkpoint.metadata["run_name"] == "blue-vs-red"
    assert checkpoint.metadata["extra"] == {"a": [1, 2]}


def test_values_are_little_endian_float32_on_disk():
    data = write_dshq({"w": ((3,), [1.0, -2.5, 1e-3])}, METADATA)
    assert data.endswith(struct.pack("<3f", 1.0, -2.5, 1e-3))


def test_save_and_load_a_file(tmp_path):
    path = tmp_path / "model.dshq"
    save(path, model_tensors(), {key: value for key, value in METADATA.items() if key != "created"}, optimizer=optimizer_state())
    checkpoint = load(path, expected_layout=LAYOUT, obs_spec_version=1, action_spec_version=1)
    assert checkpoint.optimizer.step == 77
    assert checkpoint.metadata["created"].endswith("+00:00")
    with pytest.raises(CheckpointError, match="max_bytes"):
        load(path, max_bytes=path.stat().st_size - 1)


@pytest.mark.parametrize(
    "tensors, metadata, optimizer, message",
    [
        ({"w": ((2,), [1.0, float("nan")])}, METADATA, None, "non-finite"),
        ({"w": ((3,), [1.0, 2.0])}, METADATA, None, "needs 3"),
        ({"w": ((-1,), [])}, METADATA, None, "non-negative ints"),
        ({"optimizer.m": ((1,), [1.0])}, METADATA, None, "not allowed"),
        ({"__metadata__": ((1,), [1.0])}, METADATA, None, "not allowed"),
        ([("w", (1,), [1.0]), ("w", (1,), [2.0])], METADATA, None, "duplicate"),
        ({"w": ((1,), ["x"])}, METADATA, None, "float32"),
        ({"w": ((1,), [1.0])}, {"obs_spec_version": 1}, None, "action_spec_version"),
        ({"w": ((1,), [1.0])}, dict(METADATA, train_step=-1), None, "train_step"),
        ({"w": ((1,), [1.0])}, dict(METADATA, win_rate_vs_scripted=1.5), None, "win_rate_vs_scripted"),
        ({"w": ((1,), [1.0])}, dict(METADATA, optimizer_step=3), None, "optimizer_step"),
        ({"w": ((1,), [1.0])}, dict(METADATA, bad={1, 2}), None, "JSON"),
        ({"w": ((1,), [1.0])}, METADATA, OptimizerState(array("f", [0.0, 0.0]), array("f", [0.0]), 1), "optimizer"),
    ],
)
def test_writer_refuses_what_the_reader_would_refuse(tensors, metadata, optimizer, message):
    with pytest.raises(CheckpointError, match=message):
        write_dshq(tensors, metadata, optimizer=optimizer)


@pytest.mark.parametrize(
    "tensors, pool, message",
    [
        ({"snapshot.1.w": ((1,), [1.0])}, None, "'snapshot.1.w' is not allowed"),
        ({"w": ((1,), [1.0])}, [((1,), [1.0])], "snapshots must be a dict"),
        ({"w": ((1,), [1.0])}, {-1: {"w": ((1,), [1.0])}}, "snapshot version must be an int"),
        ({"w": ((1,), [1.0])}, {"3": {"w": ((1,), [1.0])}}, "snapshot version must be an int"),
        ({"w": ((1,), [1.0])}, {True: {"w": ((1,), [1.0])}}, "snapshot version must be an int"),
        ({"w": ((1,), [1.0])}, {10**18: {"w": ((1,), [1.0])}}, "snapshot version must be an int"),
        ({"w": ((1,), [1.0])}, {3: {}}, "snapshot 3: has no tensors"),
        ({"w": ((1,), [1.0])}, {3: {"optimizer.m": ((1,), [1.0])}}, "snapshot 3: tensor name 'optimizer.m'"),
        ({"w": ((1,), [1.0])}, {3: {"w": ((1,), [float("inf")])}}, "non-finite value: tensor 'snapshot.3.w'"),
        ({"w": ((1,), [1.0])}, {3: {"w": ((2,), [1.0])}}, "snapshot 3: tensor 'w' has 1 values"),
    ],
)
def test_writer_refuses_bad_snapshots(tensors, pool, message):
    with pytest.raises(CheckpointError, match=message):
        write_dshq(tensors, METADATA, snapshots=pool)


# ----------------------------------------------------------------------------- the real safetensors


def test_safetensors_package_opens_our_files(tmp_path):
    data = write_dshq(model_tensors(), METADATA, optimizer=optimizer_state())
    loaded = safetensors_load(data)
    for name, (shape, values) in model_tensors().items():
        assert loaded[name].dtype == np.float32 and loaded[name].shape == shape
        np.testing.assert_array_equal(loaded[name], np.array(values, dtype=np.float32).reshape(shape))
    np.testing.assert_array_equal(loaded["optimizer.m"], np.array(optimizer_state().m))

    with_pool = safetensors_load(write_dshq(model_tensors(), METADATA, optimizer=optimizer_state(), snapshots=snapshots()))
    assert set(with_pool) == set(loaded) | {f"snapshot.{v}.{name}" for v in (0, 12) for name, _, _ in LAYOUT}
    np.testing.assert_array_equal(with_pool["snapshot.12.policy.0.weight"], np.arange(12, dtype=np.float32).reshape(4, 3))

    path = tmp_path / "model.dshq"
    path.write_bytes(data)
    with safe_open(str(path), framework="numpy") as f:
        metadata = f.metadata()
        assert metadata["train_step"] == "12345" and metadata["optimizer_step"] == "77"
        assert json.loads(metadata["model_config"]) == METADATA["model_config"]
        assert metadata["data_sha256"] == hashlib.sha256(data[8 + struct.unpack("<Q", data[:8])[0] :]).hexdigest()
        assert {key: metadata[key] for key in RAW_REQUIRED_METADATA} == RAW_REQUIRED_METADATA
        np.testing.assert_array_equal(f.get_tensor("value.weight"), loaded["value.weight"])


def test_we_read_files_written_by_safetensors():
    arrays = {
        "b.bias": np.array([1.5, -2.0], dtype=np.float32),
        "a.weight": np.arange(6, dtype=np.float32).reshape(2, 3),
        "z.empty": np.zeros((0, 4), dtype=np.float32),
    }
    metadata = dict(RAW_REQUIRED_METADATA, train_step="9", model_config='{"hidden_sizes": [2]}')
    checkpoint = read_dshq(safetensors_save(arrays, metadata=metadata))
    assert set(checkpoint.tensors) == set(arrays)
    for name, expected in arrays.items():
        shape, values = checkpoint.tensors[name]
        assert shape == expected.shape
        assert list(values) == expected.ravel().tolist()
    assert checkpoint.metadata["train_step"] == 9
    assert checkpoint.metadata["model_config"] == {"hidden_sizes": [2]}
    assert "data_sha256" not in checkpoint.metadata  # safetensors writes no checksum: skipped


def test_safetensors_refuses_non_float32_and_so_do_we():
    data = safetensors_save({"w": np.zeros(2, dtype=np.float64)}, metadata=RAW_REQUIRED_METADATA)
    with pytest.raises(CheckpointError, match="dtype"):
        read_dshq(data)


# ----------------------------------------------------------------------------- strict validation


def valid_file():
    return write_dshq(model_tensors(), METADATA, optimizer=optimizer_state())


def flip_last_data_byte(data):
    return data[:-1] + bytes([data[-1] ^ 0x01])


MALFORMED = {
    "empty file": (b"", "file size"),
    "shorter than 8 bytes": (b"\x10\x00\x00", "file size"),
    "header length over limit": (raw_file("{}", header_length=MAX_HEADER_BYTES + 8), "header length"),
    "header length 2**64-1": (raw_file("{}", header_length=2**64 - 1), "header length"),
    "header length past end": (raw_file("{}", header_length=100), "header length"),
    "header not UTF-8": (raw_file(b'{"\xff\xfe": 1}'), "UTF-8"),
    "header not JSON": (raw_file('{"w": '), "not valid JSON"),
    "header empty": (raw_file(""), "not valid JSON"),
    "header deeply nested": (raw_file("[" * 5000 + "]" * 5000), "nested deeper"),
    "header a list": (raw_file("[1, 2]"), "not a JSON object"),
    "header a string": (raw_file('"w"'), "not a JSON object"),
    "duplicate tensor name": (raw_file('{"w": {}, "w": {}, "__metadata__": {}}'), "duplicate key 'w'"),
    "duplicate key in entry": (
        raw_file('{"w": {"dtype": "F32", "dtype": "F32", "shape": [0], "data_offsets": [0, 0]}}'),
        "duplicate key 'dtype'",
    ),
    "no metadata": (raw_file({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, TWO_FLOATS), "__metadata__"),
    "metadata not strings": (raw_file({"__metadata__": {"format": 1}}), "strings to strings"),
    "format missing": (raw_file({"__metadata__": {"format_version": "1"}}), "'format' is missing"),
    "format wrong": (raw_file({"__metadata__": dict(RAW_REQUIRED_METADATA, format="gguf")}), "'format' is 'gguf'"),
    "format_version newer": (raw_file({"__metadata__": dict(RAW_REQUIRED_METADATA, format_version="2")}), "'format_version' 2"),
    "format_version not int": (raw_file({"__metadata__": dict(RAW_REQUIRED_METADATA, format_version="1.0")}), "'format_version'"),
    "obs spec missing": (
        raw_file({"__metadata__": {k: v for k, v in RAW_REQUIRED_METADATA.items() if k != "obs_spec_version"}}),
        "'obs_spec_version' is missing",
    ),
    "action spec missing": (
        raw_file({"__metadata__": {k: v for k, v in RAW_REQUIRED_METADATA.items() if k != "action_spec_version"}}),
        "'action_spec_version' is missing",
    ),
    "train_step negative": (raw_file({"__metadata__": dict(RAW_REQUIRED_METADATA, train_step="-5")}), "'train_step'"),
    "win rate not finite": (raw_file({"__metadata__": dict(RAW_REQUIRED_METADATA, win_rate_vs_scripted="nan")}), "win_rate"),
    "dtype F64": (raw_file(one_tensor_header(dtype="F64", data_offsets=[0, 16]), TWO_FLOATS * 2), "dtype 'F64'"),
    "dtype missing": (raw_file({"w": {"shape": [2], "data_offsets": [0, 8]}, "__metadata__": RAW_REQUIRED_METADATA}, TWO_FLOATS), "exactly dtype"),
    "entry extra key": (raw_file(one_tensor_header(stride=[1]), TWO_FLOATS), "exactly dtype"),
    "entry not an object": (raw_file({"w": [1, 2], "__metadata__": RAW_REQUIRED_METADATA}), "exactly dtype"),
    "shape not a list": (raw_file(one_tensor_header(shape=2), TWO_FLOATS), "shape"),
    "shape negative": (raw_file(one_tensor_header(shape=[-2]), TWO_FLOATS), "shape"),
    "shape float": (raw_file(one_tensor_header(shape=[2.0]), TWO_FLOATS), "shape"),
    "shape bool": (raw_file(one_tensor_header(shape=[True, 2]), TWO_FLOATS), "shape"),
    "shape wrong size": (raw_file(one_tensor_header(shape=[3]), TWO_FLOATS), "data_offsets size 8"),
    "shape huge": (raw_file(one_tensor_header(shape=[10**18] * 200), TWO_FLOATS), "data_offsets size 8"),
    "offsets one int": (raw_file(one_tensor_header(data_offsets=[8]), TWO_FLOATS), "two non-negative ints"),
    "offsets three ints": (raw_file(one_tensor_header(data_offsets=[0, 4, 8]), TWO_FLOATS), "two non-negative ints"),
    "offsets strings": (raw_file(one_tensor_header(data_offsets=["0", "8"]), TWO_FLOATS), "two non-negative ints"),
    "offsets negative": (raw_file(one_tensor_header(data_offsets=[-8, 0]), TWO_FLOATS), "two non-negative ints"),
    "offsets reversed": (raw_file(one_tensor_header(data_offsets=[8, 0]), TWO_FLOATS), "end 0 < begin 8"),
    "offsets beyond file": (raw_file(one_tensor_header(shape=[4], data_offsets=[0, 16]), TWO_FLOATS), "beyond the end"),
    "offsets gap": (raw_file(one_tensor_header(shape=[1], data_offsets=[4, 8]), TWO_FLOATS), "gap of 4 bytes"),
    "offsets overlap": (
        raw_file(
            {
                "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]},
                "__metadata__": RAW_REQUIRED_METADATA,
            },
            TWO_FLOATS,
        ),
        "overlap",
    ),
    "trailing bytes": (raw_file(one_tensor_header(), TWO_FLOATS + b"\x00" * 4), "trailing bytes"),
    "no tensors but data": (raw_file({"__metadata__": RAW_REQUIRED_METADATA}, b"\x00" * 4), "trailing bytes"),
    "NaN value": (raw_file(one_tensor_header(), struct.pack("<2f", 1.0, float("nan"))), "non-finite value: tensor 'w' has nan at flat index 1"),
    "inf value": (raw_file(one_tensor_header(), struct.pack("<2f", float("inf"), 1.0)), "non-finite value: tensor 'w' has inf at flat index 0"),
    "-inf value": (raw_file(one_tensor_header(), struct.pack("<2f", 0.0, float("-inf"))), "non-finite value"),
    "checksum mismatch": (flip_last_data_byte(valid_file()), "checksum"),
    "optimizer incomplete": (
        raw_file({"__metadata__": dict(RAW_REQUIRED_METADATA, optimizer_step="3")}),
        "optimizer state: needs all",
    ),
    "optimizer wrong size": (
        raw_file(
            {
                "w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                "optimizer.m": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]},
                "optimizer.v": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]},
                "__metadata__": dict(RAW_REQUIRED_METADATA, optimizer_step="3"),
            },
            TWO_FLOATS,
        ),
        "optimizer.m/v have 0/1 values, the model has 1",
    ),
    **{
        f"snapshot name {name!r}": (
            raw_file({name: {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}, "__metadata__": RAW_REQUIRED_METADATA}),
            f"snapshot: tensor name {name!r} is not 'snapshot.<version>.<name>'",
        )
        for name in ("snapshot.", "snapshot.3", "snapshot.3.", "snapshot.x.w", "snapshot.03.w", "snapshot.-1.w",
                     "snapshot.+1.w", "snapshot.1_0.w", "snapshot.\u0661.w", "snapshot.1.optimizer.m",
                     "snapshot.1.snapshot.2.w", "snapshot.1.__metadata__", "snapshot." + "9" * 19 + ".w")
    },
    "optimizer size counts model tensors only": (
        raw_file(
            {
                "w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                "snapshot.0.w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]},
                "optimizer.m": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]},
                "optimizer.v": {"dtype": "F32", "shape": [2], "data_offsets": [16, 24]},
                "__metadata__": dict(RAW_REQUIRED_METADATA, optimizer_step="3"),
            },
            bytes(24),
        ),
        "optimizer.m/v have 2/2 values, the model has 1",
    ),
    "optimizer unknown tensor": (
        raw_file({"optimizer.x": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}, "__metadata__": RAW_REQUIRED_METADATA}),
        "unknown tensor 'optimizer.x'",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_file_is_refused_naming_the_check(case):
    data, message = MALFORMED[case]
    with pytest.raises(CheckpointError, match=message.replace("[", r"\[").replace("(", r"\(")):
        read_dshq(data)


def test_error_type_is_a_value_error_and_input_must_be_bytes():
    assert issubclass(CheckpointError, ValueError)
    with pytest.raises(CheckpointError, match="bytes-like"):
        read_dshq("not bytes")


def test_size_limit_is_checked_before_parsing():
    data = valid_file()
    assert read_dshq(data, max_bytes=len(data)).tensors
    with pytest.raises(CheckpointError, match="max_bytes"):
        read_dshq(data, max_bytes=len(data) - 1)
    with pytest.raises(CheckpointError, match="max_bytes"):
        read_dshq(b"\xff" * 100, max_bytes=99)  # garbage never reaches the parser


@pytest.mark.parametrize(
    "layout, message",
    [
        (LAYOUT[:-1], "unexpected tensor 'empty'"),
        (LAYOUT + [("policy.1.weight", (2,), 20)], "tensor 'policy.1.weight' is missing"),
        ([("policy.0.weight", (3, 4), 0)] + LAYOUT[1:], r"tensor 'policy.0.weight' has shape \(4, 3\), expected \(3, 4\)"),
    ],
)
def test_expected_layout_mismatch_names_the_tensor(layout, message):
    with pytest.raises(CheckpointError, match=message):
        read_dshq(valid_file(), expected_layout=layout)


def test_spec_versions_must_match_when_given():
    data = valid_file()
    read_dshq(data, obs_spec_version=1, action_spec_version=1)
    with pytest.raises(CheckpointError, match="'obs_spec_version' is 1, incompatible with the expected 2"):
        read_dshq(data, obs_spec_version=2)
    with pytest.raises(CheckpointError, match="'action_spec_version' is 1, incompatible with the expected 3"):
        read_dshq(data, action_spec_version=3)


# ----------------------------------------------------------------------------- flat parameter vectors


def test_flat_params_tensors_round_trip():
    tensors = tensors_from_flat(flat_params(), LAYOUT)
    assert tensors["policy.0.bias"] == ((4,), array("f", [0.5 * i - 3.25 for i in range(12, 16)]))
    assert tensors["empty"] == ((0, 5), array("f"))
    assert flat_from_tensors(tensors, LAYOUT) == flat_params()
    assert tensors_from_flat(list(flat_params()), LAYOUT) == tensors  # any float sequence works


@pytest.mark.parametrize(
    "layout, flat_size, message",
    [
        ([("a", (2,), 0), ("b", (2,), 3)], 5, "starts at 3, expected 2"),
        ([("a", (2,), 0), ("b", (2,), 1)], 3, "starts at 1, expected 2"),
        ([("a", (2,), 0)], 3, "covers 2 values, the flat vector has 3"),
    ],
)
def test_layout_must_tile_the_flat_vector(layout, flat_size, message):
    with pytest.raises(CheckpointError, match=message):
        tensors_from_flat(array("f", bytes(4 * flat_size)), layout)


def test_flat_from_tensors_checks_names_shapes_and_lengths():
    tensors = model_tensors()
    del tensors["empty"]
    with pytest.raises(CheckpointError, match="'empty' is missing"):
        flat_from_tensors(tensors, LAYOUT)
    tensors = model_tensors()
    tensors["policy.0.bias"] = ((4,), array("f", [1.0]))
    with pytest.raises(CheckpointError, match="'policy.0.bias' has 1 values"):
        flat_from_tensors(tensors, LAYOUT)


# ----------------------------------------------------------------------------- Pyodide


# Runs unchanged in CPython and under Pyodide; prints the file's bytes and some read-back facts.
CROSS_HOST_SCRIPT = r'''
import struct
from array import array
from rl.files.container import CheckpointError, load, read_dshq, save, tensors_from_flat, write_dshq
from rl.optimizer_state import OptimizerState

layout = [("w", (3, 2), 0), ("b", (3,), 6)]
flat = array("f", [i / 7.0 - 0.5 for i in range(9)])
metadata = {"obs_spec_version": 1, "action_spec_version": 2, "train_step": 42, "created": "2025-01-01T00:00:00+00:00",
            "model_config": {"hidden_sizes": [3], "activation": "relu"}, "win_rate_vs_scripted": 0.5}
optimizer = OptimizerState(m=array("f", [1e-3] * 9), v=array("f", [2e-6] * 9), step=5)
data = write_dshq(tensors_from_flat(flat, layout), metadata, optimizer=optimizer)
print("BYTES", data.hex())
save("/tmp/cross_host.dshq", tensors_from_flat(flat, layout), metadata, optimizer=optimizer)
checkpoint = load("/tmp/cross_host.dshq", expected_layout=layout, obs_spec_version=1, action_spec_version=2)
assert checkpoint.tensors == read_dshq(data).tensors and checkpoint.optimizer == optimizer
print("READ", sorted(checkpoint.metadata.items()) == sorted(read_dshq(data).metadata.items()))
try:  # deep nesting must be refused, not crash the WebAssembly stack
    read_dshq(struct.pack("<Q", 200000) + b"[" * 200000)
except CheckpointError as error:
    print("DEEP", str(error).split(":")[0])
deep = {"__metadata__": {"format": "dshq", "format_version": "1", "obs_spec_version": "1", "action_spec_version": "1",
                         "deep": "[" * 100000 + "]" * 100000}}
header = __import__("json").dumps(deep).encode()
print("DEEP_METADATA", type(read_dshq(struct.pack("<Q", len(header)) + header).metadata["deep"]).__name__)
'''


def run_cross_host_script_in_cpython(capsys):
    exec(compile(CROSS_HOST_SCRIPT, "cross_host", "exec"), {})
    return capsys.readouterr().out


@pytest.mark.node
@pytest.mark.skipif(shutil.which("node") is None or not (REPO_ROOT / "node_modules" / "pyodide").is_dir(), reason="needs node + vendored pyodide")
def test_pyodide_writes_and_reads_the_same_bytes_as_cpython(capsys):
    expected = run_cross_host_script_in_cpython(capsys)
    assert "READ True" in expected and "DEEP header is not valid JSON" in expected and "DEEP_METADATA str" in expected
    result = subprocess.run(
        ["node", str(REPO_ROOT / "tests" / "pyodide_run.mjs")],
        input=CROSS_HOST_SCRIPT,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected


def test_module_imports_no_numpy():
    source = (REPO_ROOT / "rl" / "files" / "container.py").read_text()
    imports = [line.split()[1] for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert {name.split(".")[0] for name in imports} <= set(sys.stdlib_module_names) | {"rl"}, imports
    assert [name for name in imports if name.startswith("rl")] == ["rl.optimizer_state"], imports
