"""Property tests: whatever bytes arrive, read_dshq returns a Checkpoint or raises CheckpointError."""

import json
import math
import struct
import tracemalloc
from array import array

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rl.files.container import MAX_HEADER_BYTES, Checkpoint, CheckpointError, load, read_dshq, write_dshq
from rl.optimizer_state import OptimizerState

# database=None: no .hypothesis/ folder in the repo; example counts keep the file under ~10 s.
FUZZ = settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
METADATA = {"obs_spec_version": 1, "action_spec_version": 1, "train_step": 7, "model_config": {"hidden_sizes": [3]}}
RAW_METADATA = {"format": "dshq", "format_version": "1", "obs_spec_version": "1", "action_spec_version": "1"}
TENSORS = {
    "w": ((3, 2), array("f", [0.25 * i for i in range(6)])),
    "b": ((3,), array("f", [-1.0, 0.0, 1.0])),
}
OPTIMIZER = OptimizerState(m=array("f", [0.1] * 9), v=array("f", [0.2] * 9), step=3)
SNAPSHOTS = {2: {"w": ((3, 2), array("f", [0.5] * 6)), "b": ((3,), array("f", [2.0, 3.0, 4.0]))}}
VALID = write_dshq(TENSORS, METADATA, optimizer=OPTIMIZER, snapshots=SNAPSHOTS)
HEADER_END = 8 + struct.unpack("<Q", VALID[:8])[0]


def read_or_refuse(data, **options):
    """The property under test: a Checkpoint comes back, or CheckpointError; nothing else."""
    try:
        return read_dshq(data, **options)
    except CheckpointError as error:
        return error


def assemble(header, data=b""):
    header_bytes = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(header_bytes)) + header_bytes + data


def test_every_truncation_is_refused():
    assert isinstance(read_dshq(VALID), Checkpoint)
    for length in range(len(VALID)):
        with pytest.raises(CheckpointError):
            read_dshq(VALID[:length])


@FUZZ
@given(flips=st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(1, 255)), min_size=1, max_size=8))
def test_random_byte_flips(flips):
    data = bytearray(VALID)
    for position, mask in flips:
        data[position] ^= mask
    result = read_or_refuse(bytes(data))
    assert isinstance(result, (Checkpoint, CheckpointError))
    if bytes(data[HEADER_END:]) != VALID[HEADER_END:] and data[:HEADER_END] == VALID[:HEADER_END]:
        assert isinstance(result, CheckpointError)  # the data checksum catches every change to the data


@FUZZ
@given(header_length=st.integers(len(VALID) - 8 + 1, 2**64 - 1))
def test_oversized_header_length_field(header_length):
    result = read_or_refuse(struct.pack("<Q", header_length) + VALID[8:])
    assert isinstance(result, CheckpointError) and str(result).startswith("header length")


@FUZZ
@given(header=st.binary(max_size=300))
def test_arbitrary_header_bytes(header):
    assert isinstance(read_or_refuse(assemble(header, b"\x00" * 8)), CheckpointError)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)


@FUZZ
@given(key=st.sampled_from(["dtype", "shape", "data_offsets", "extra"]), value=JSON_VALUES)
def test_entry_fields_replaced_by_arbitrary_json(key, value):
    header = {"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "__metadata__": RAW_METADATA}
    header["w"][key] = value
    result = read_or_refuse(assemble(header, struct.pack("<2f", 1.0, 2.0)))
    still_valid = {
        "dtype": value == "F32",
        "shape": isinstance(value, list) and all(type(dim) is int and dim >= 0 for dim in value) and math.prod(value) == 2,
        "data_offsets": isinstance(value, list) and all(type(x) is int for x in value) and value == [0, 8],
        "extra": False,
    }[key]
    assert isinstance(result, Checkpoint if still_valid else CheckpointError)


@FUZZ
@given(header=JSON_VALUES, metadata=st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=4))
def test_arbitrary_json_headers_and_metadata(header, metadata):
    assert isinstance(read_or_refuse(assemble(header)), CheckpointError)  # no __metadata__ or not an object
    result = read_or_refuse(assemble({"__metadata__": {**RAW_METADATA, **metadata}}))
    assert isinstance(result, (Checkpoint, CheckpointError))


@FUZZ
@given(text=st.text(alphabet='{}[]",:\\ 0123456789.e-aNtrufl', max_size=400))
def test_malformed_json_text(text):
    assert isinstance(read_or_refuse(assemble(text.encode())), CheckpointError)


@FUZZ
@given(shape=st.lists(st.integers(-(2**70), 2**70) | st.integers(-3, 12), max_size=6))
def test_wrong_shapes(shape):
    header = {"w": {"dtype": "F32", "shape": shape, "data_offsets": [0, 48]}, "__metadata__": RAW_METADATA}
    result = read_or_refuse(assemble(header, bytes(48)))
    if all(dim >= 0 for dim in shape) and math.prod(shape) == 12:
        assert isinstance(result, Checkpoint) and result.tensors["w"][0] == tuple(shape)
    else:
        assert isinstance(result, CheckpointError)


NON_FINITE_FLOAT32_BITS = st.builds(
    lambda sign, mantissa: (sign << 31) | (0xFF << 23) | mantissa, st.integers(0, 1), st.integers(0, 2**23 - 1)
)


@FUZZ
@given(
    bits=NON_FINITE_FLOAT32_BITS,
    tensor=st.sampled_from(["w", "b", "snapshot.2.w", "snapshot.2.b", "optimizer.m", "optimizer.v"]),
    index=st.integers(0, 8),
    with_checksum=st.booleans(),
)
def test_nan_and_inf_anywhere_are_refused(bits, tensor, index, with_checksum):
    tensors = {name: (shape, array("f", values)) for name, (shape, values) in TENSORS.items()}
    optimizer = OptimizerState(m=array("f", OPTIMIZER.m), v=array("f", OPTIMIZER.v), step=OPTIMIZER.step)
    pool = {2: {name: (shape, array("f", values)) for name, (shape, values) in SNAPSHOTS[2].items()}}
    if tensor.startswith("optimizer"):
        target = getattr(optimizer, tensor[-1])
    else:
        target = pool[2][tensor[len("snapshot.2."):]][1] if tensor.startswith("snapshot") else tensors[tensor][1]
    target_index = index % len(target)
    target[target_index] = 0.0
    data = bytearray(write_dshq(tensors, METADATA, optimizer=optimizer, snapshots=pool))
    header = json.loads(data[8:HEADER_END])
    if not with_checksum:  # without a checksum the finiteness check itself must catch it
        del header["__metadata__"]["data_sha256"]
    position = header[tensor]["data_offsets"][0] + 4 * target_index
    data_section = bytearray(data[HEADER_END:])
    data_section[position : position + 4] = struct.pack("<I", bits)
    result = read_or_refuse(assemble(header, bytes(data_section)))
    assert isinstance(result, CheckpointError)
    assert ("checksum" if with_checksum else "non-finite value") in str(result)


@FUZZ
@given(suffix=st.text(alphabet="0123456789.-+_ab\u0661", max_size=12))
def test_arbitrary_snapshot_names(suffix):
    name = "snapshot." + suffix
    header = {name: {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "__metadata__": RAW_METADATA}
    result = read_or_refuse(assemble(header, struct.pack("<f", 1.0)))
    version, _, inner = suffix.partition(".")
    if version.isascii() and version.isdigit() and (version == "0" or version[0] != "0") and inner:
        assert isinstance(result, Checkpoint) and result.snapshots == {int(version): {inner: ((1,), array("f", [1.0]))}}
    else:
        assert isinstance(result, CheckpointError) and str(result).startswith("snapshot: tensor name")


@settings(max_examples=20, deadline=None, database=None)
@given(extra=st.integers(1, 4096))
def test_huge_headers_are_refused_up_front(extra):
    header = b"{" + b" " * (MAX_HEADER_BYTES + extra - 2) + b"}"
    result = read_or_refuse(assemble(header))
    assert isinstance(result, CheckpointError) and str(result).startswith("header length")


@settings(max_examples=10, deadline=None, database=None)
@given(depth=st.integers(4, 400_000))
def test_deeply_nested_headers_are_refused(depth):
    result = read_or_refuse(assemble(b"[" * depth + b"]" * depth))
    assert isinstance(result, CheckpointError) and "nested deeper" in str(result)


def test_large_but_legal_header_is_read():
    metadata = dict(METADATA, notes="x" * (MAX_HEADER_BYTES - 4096))
    tensors = {f"layer{i}": ((1,), array("f", [float(i)])) for i in range(50)}
    checkpoint = read_dshq(write_dshq(tensors, metadata))
    assert len(checkpoint.tensors) == 50 and len(checkpoint.metadata["notes"]) == MAX_HEADER_BYTES - 4096


@FUZZ
@given(garbage=st.binary(min_size=1, max_size=2000), data=st.data())
def test_inputs_over_max_bytes_are_refused_before_parsing(garbage, data):
    max_bytes = data.draw(st.integers(0, len(garbage) - 1))
    result = read_or_refuse(garbage, max_bytes=max_bytes)
    assert isinstance(result, CheckpointError) and str(result).startswith("file size")
    assert "max_bytes" in str(result)


def peak_allocation(function):
    tracemalloc.start()
    try:
        function()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def test_untrusted_lengths_never_drive_allocation(tmp_path):
    small_file_huge_claims = [
        struct.pack("<Q", 2**63) + b"{}",
        assemble({"w": {"dtype": "F32", "shape": [2**40], "data_offsets": [0, 2**42]}, "__metadata__": RAW_METADATA}),
        assemble({"w": {"dtype": "F32", "shape": [2**20] * 50, "data_offsets": [0, 8]}, "__metadata__": RAW_METADATA}),
    ]
    for data in small_file_huge_claims:
        assert peak_allocation(lambda: read_or_refuse(data)) < 64 * 1024

    big = tmp_path / "big.dshq"
    big.write_bytes(VALID + b"\x00" * 8_000_000)

    def load_with_small_limit():
        with pytest.raises(CheckpointError, match="max_bytes"):
            load(big, max_bytes=4096)

    assert peak_allocation(load_with_small_limit) < 64 * 1024
