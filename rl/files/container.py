""".dshq checkpoints: safetensors files, read and written with the standard library only.

A `.dshq` file IS a safetensors file (https://github.com/huggingface/safetensors), so the
`safetensors` package opens it and this module opens files the package writes. The module
imports only the standard library because it runs in the browser under Pyodide, where numpy
is not available. Tensors are `array.array("f")` (float32) plus a shape tuple.

File layout (all integers little-endian):

    byte 0         8                      8 + N                                  end of file
         +---------+----------------------+------------------------------------------+
         |    N    |  header: N bytes of  |  data section: raw float32, little-endian |
         |  (u64)  |  UTF-8 JSON, padded  |  tensor 0 | tensor 1 | ... | tensor k-1   |
         |         |  with spaces to a    |  ^ data_offsets are relative to here      |
         |         |  multiple of 8 bytes |                                           |
         +---------+----------------------+------------------------------------------+

Header JSON (one entry per tensor, plus string-to-string metadata). The writer lays tensors
out in the order given, contiguously; the reader requires the offsets (sorted) to tile the
data section exactly, with no gaps, overlaps or trailing bytes, and returns tensors in
offset order. Like safetensors, the reader does not insist on the 8-byte padding.

    {"trunk.0.weight": {"dtype": "F32", "shape": [128, 46], "data_offsets": [0, 23552]},
     ...,
     "__metadata__": {"format": "dshq", "format_version": "1", "obs_spec_version": "1",
                      "action_spec_version": "1", "train_step": "12345",
                      "model_config": "{\\"hidden_sizes\\": [128, 128]}", ...}}

safetensors allows only strings as metadata values, so structured values are JSON-encoded
strings. Keys this module knows about (read back as the Python type shown):

    format                "dshq"                 written by write_dshq, required on read
    format_version        int (FORMAT_VERSION)   written by write_dshq, required on read
    data_sha256           hex str                SHA-256 of the data section (not the header),
                                                 written by write_dshq, verified on read if present
    obs_spec_version      int                    required (write and read)
    action_spec_version   int                    required (write and read)
    train_step            int                    optional
    policy_version        int                    optional
    optimizer_step        int                    written with the optimizer state (see below)
    win_rate_vs_scripted  float in [0, 1]        optional
    created               str (ISO 8601 time)    optional; save() fills it in when absent
    model_config, ppo_config, anything else: a str is stored as is; any other value is stored
    as JSON. On read, a value that is a JSON object or array (nested at most 8 deep) comes
    back decoded; other values come back as the stored string.

Optimizer state (optional, so an autosave can resume training exactly): Adam's first and
second moments are stored as the tensors "optimizer.m" and "optimizer.v", each a flat
vector of shape [P] in the same order as the learner's flat parameter vector (P = number of
model parameters), and Adam's step count as the metadata key "optimizer_step". Tensor names
starting with "optimizer." are reserved for this; the size check counts the model tensors only.

Snapshot pool (optional, so an autosave keeps the self-play opponents): snapshot <version> of
the model is stored as one tensor "snapshot.<version>.<name>" per model tensor <name>, where
<version> is a decimal int >= 0 without leading zeros ("0", "7", "120"). Tensor names
starting with "snapshot." are reserved for this. The writer lays tensors out in this order:
the model tensors as given, then every snapshot's tensors (versions ascending, each in its
given order), then optimizer.m and optimizer.v. On read, snapshot tensors are taken out of
Checkpoint.tensors into Checkpoint.snapshots = {version: {name: (shape, array("f"))}},
versions ascending; a malformed "snapshot." name is refused.

API:

    write_dshq(tensors, metadata, *, optimizer=None, snapshots=None) -> bytes
    read_dshq(data, *, max_bytes=MAX_FILE_BYTES, expected_layout=None,
              obs_spec_version=None, action_spec_version=None) -> Checkpoint
    save(path, tensors, metadata, *, optimizer=None, snapshots=None) -> None   (atomic)
    write_atomically(path, data) -> None
    load(path, *, max_bytes=MAX_FILE_BYTES, expected_layout=None,
         obs_spec_version=None, action_spec_version=None) -> Checkpoint
    tensors_from_flat(flat, layout) -> dict[name, (shape, array("f"))]
    flat_from_tensors(tensors, layout) -> array("f")
    check_matches_layout(checkpoint, layout) -> None

`tensors` is a dict name -> (shape, values) or an ordered list of (name, shape, values);
`values` is an array("f") or anything array("f", ...) accepts; `snapshots` is a dict
version -> tensors (same forms). A layout is a list of (name, shape, offset) tuples
describing where each tensor lives in the flat float32 parameter vector (rl/model.py
provides it); with expected_layout, the model tensors and every snapshot must match it.
Every malformed input raises CheckpointError, a ValueError whose message names the check
that failed; nothing else escapes the reader.
"""

import hashlib
import json
import math
import re
import struct
import os
import sys
from array import array
from dataclasses import dataclass, field
from datetime import datetime, timezone

from rl.optimizer_state import OptimizerState

FORMAT = "dshq"
FORMAT_VERSION = 1
MAX_FILE_BYTES = 64 * 1024 * 1024  # default refusal limit for a whole file
MAX_HEADER_BYTES = 1024 * 1024  # a header longer than this is refused before it is read
MAX_HEADER_DEPTH = 3  # {tensor name: {"shape": [...]}} nests three levels, never more
MAX_INT_DIGITS = 18  # integer metadata (train_step, ...) has at most this many digits
MAX_METADATA_DEPTH = 8  # deeper JSON in a metadata value is returned as the stored string
OPTIMIZER_M = "optimizer.m"
OPTIMIZER_V = "optimizer.v"
OPTIMIZER_PREFIX = "optimizer."
SNAPSHOT_PREFIX = "snapshot."
SNAPSHOT_NAME = re.compile(rf"snapshot\.(0|[1-9][0-9]{{0,{MAX_INT_DIGITS - 1}}})\.(.+)", re.DOTALL)  # version, name
INT_METADATA_KEYS = ("format_version", "obs_spec_version", "action_spec_version", "train_step", "policy_version",
                     "optimizer_step")
REQUIRED_METADATA_KEYS = ("format", "format_version", "obs_spec_version", "action_spec_version")
WRITER_METADATA_KEYS = ("format", "format_version", "data_sha256")  # always set by write_dshq
FLOAT32_BYTES = 4


class CheckpointError(ValueError):
    """A .dshq file (or the data given to the writer) failed a check; the message says which."""


@dataclass
class Checkpoint:
    """What read_dshq returns: model tensors, metadata and (if stored) the Adam state and snapshots."""

    tensors: dict  # name -> (shape tuple, array("f")), in file (offset) order
    metadata: dict  # decoded metadata (see the module docstring)
    optimizer: OptimizerState | None = None
    snapshots: dict = field(default_factory=dict)  # version -> {name: (shape, array("f"))}, versions ascending


# ----------------------------------------------------------------------------- writing


def write_dshq(tensors: dict | list, metadata: dict, *, optimizer: OptimizerState | None = None,
               snapshots: dict | None = None) -> bytes:
    """Serialise tensors + metadata (+ optional snapshots and Adam state) to .dshq bytes (deterministic).

    File order: the model tensors as given, the snapshots' (versions ascending), optimizer.m, optimizer.v."""
    entries = _tensor_entries(tensors)
    num_params = sum(len(values) for _, _, values in entries)
    entries += _snapshot_entries({} if snapshots is None else snapshots)
    metadata = dict(metadata)
    if not all(isinstance(key, str) for key in metadata):
        raise CheckpointError("metadata keys must be strings")
    for key in WRITER_METADATA_KEYS:
        metadata.pop(key, None)
    if "optimizer_step" in metadata:
        raise CheckpointError("metadata 'optimizer_step' is reserved: pass optimizer=OptimizerState(...)")
    if optimizer is not None:
        for name, values in ((OPTIMIZER_M, optimizer.m), (OPTIMIZER_V, optimizer.v)):
            values = _as_float32_array(name, values)
            if len(values) != num_params:
                raise CheckpointError(f"optimizer state {_short(name)} has {len(values)} values, the model has {num_params}")
            entries.append((name, (num_params,), values))
        metadata["optimizer_step"] = optimizer.step

    header = {}
    chunks = []
    offset = 0
    for name, shape, values in entries:
        index = _first_non_finite(values)
        if index is not None:
            raise CheckpointError(f"non-finite value: tensor {_short(name)} has {values[index]} at flat index {index}")
        if sys.byteorder == "big":
            values = array("f", values)
            values.byteswap()
        chunks.append(values.tobytes())
        size = len(values) * FLOAT32_BYTES
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    data_section = b"".join(chunks)

    metadata["format"] = FORMAT
    metadata["format_version"] = FORMAT_VERSION
    metadata["data_sha256"] = hashlib.sha256(data_section).hexdigest()
    for key in ("obs_spec_version", "action_spec_version"):
        if key not in metadata:
            raise CheckpointError(f"metadata {key!r} is required")
    header["__metadata__"] = {key: _encode_metadata_value(key, value) for key, value in sorted(metadata.items())}

    header_bytes = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)  # safetensors pads the header to 8 bytes
    if len(header_bytes) > MAX_HEADER_BYTES:
        raise CheckpointError(f"header is {len(header_bytes)} bytes, over the {MAX_HEADER_BYTES}-byte limit")
    return struct.pack("<Q", len(header_bytes)) + header_bytes + data_section


def save(path, tensors: dict | list, metadata: dict, *, optimizer: OptimizerState | None = None,
         snapshots: dict | None = None) -> None:
    """Write a .dshq file atomically (write_atomically); fills metadata 'created' with the current UTC
    time when absent."""
    metadata = dict(metadata)
    metadata.setdefault("created", datetime.now(timezone.utc).isoformat(timespec="seconds"))
    write_atomically(path, write_dshq(tensors, metadata, optimizer=optimizer, snapshots=snapshots))


def temporary_path(path, pid: int) -> str:
    """Where process `pid` writes `path` before renaming it: `.<name>.<pid>.tmp` beside it."""
    folder, name = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f".{name}.{pid}.tmp")


def write_atomically(path, data: bytes) -> None:
    """Write `data` to `path` so a crash leaves the old file or the new one, never a mix: a temporary
    file in the same folder, fsync, then os.replace."""
    temporary = temporary_path(path, os.getpid())
    try:
        with open(temporary, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def sweep_stale_temporaries(path) -> list[str]:
    """Remove the temporaries of `path` that a killed writer left (CPython): `.<name>.<pid>.tmp` files
    whose process no longer runs. Returns the paths removed."""
    folder, name = os.path.split(os.path.abspath(path))
    pattern = re.compile(rf"\.{re.escape(name)}\.(\d+)\.tmp")
    removed = []
    for entry in os.listdir(folder):
        match = pattern.fullmatch(entry)
        if match is None or int(match.group(1)) == os.getpid() or _process_runs(int(match.group(1))):
            continue
        os.remove(os.path.join(folder, entry))
        removed.append(os.path.join(folder, entry))
    return removed


def _process_runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True


def _tensor_entries(tensors):
    """dict or list of tensors -> list of (name, shape tuple, array("f")), validated."""
    items = [(name, *value) for name, value in tensors.items()] if isinstance(tensors, dict) else list(tensors)
    entries = []
    seen = set()
    for name, shape, values in items:
        if not isinstance(name, str) or _is_reserved(name):
            raise CheckpointError(f"tensor name {name!r} is not allowed (reserved or not a str)")
        if name in seen:
            raise CheckpointError(f"duplicate tensor name {_short(name)}")
        seen.add(name)
        shape = tuple(shape)
        if not all(_is_int(dim) and dim >= 0 for dim in shape):
            raise CheckpointError(f"tensor {_short(name)} shape {shape} is not a tuple of non-negative ints")
        values = _as_float32_array(name, values)
        if len(values) != math.prod(shape):
            raise CheckpointError(f"tensor {_short(name)} has {len(values)} values, shape {shape} needs {math.prod(shape)}")
        entries.append((name, shape, values))
    return entries


def _snapshot_entries(snapshots):
    """{version: tensors} -> entries named snapshot.<version>.<name>, versions ascending."""
    if not isinstance(snapshots, dict):
        raise CheckpointError(f"snapshots must be a dict {{version: tensors}}, got {type(snapshots).__name__}")
    for version in snapshots:
        if not (_is_int(version) and 0 <= version < 10**MAX_INT_DIGITS):
            raise CheckpointError(
                f"snapshot version must be an int in [0, 10**{MAX_INT_DIGITS}), got {_short(version)}")
    entries = []
    for version in sorted(snapshots):
        try:
            snapshot = _tensor_entries(snapshots[version])
        except CheckpointError as error:
            raise CheckpointError(f"snapshot {version}: {error}") from None
        if not snapshot:
            raise CheckpointError(f"snapshot {version}: has no tensors")
        entries += [(f"{SNAPSHOT_PREFIX}{version}.{name}", shape, values) for name, shape, values in snapshot]
    return entries


def _as_float32_array(name, values):
    if isinstance(values, array) and values.typecode == "f":
        return values
    try:
        return array("f", values)
    except (TypeError, ValueError, OverflowError) as error:
        raise CheckpointError(f"tensor {_short(name)} values are not float32-convertible: {error}") from None


def _encode_metadata_value(key, value):
    if key in INT_METADATA_KEYS:
        if not (_is_int(value) and 0 <= value < 10**MAX_INT_DIGITS):
            raise CheckpointError(f"metadata {key!r} must be an int in [0, 10**{MAX_INT_DIGITS}), got {_short(value)}")
        return str(value)
    if key == "win_rate_vs_scripted":
        if not (isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= value <= 1.0):
            raise CheckpointError(f"metadata {key!r} must be a number in [0, 1], got {value!r}")
        return repr(float(value))
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, sort_keys=True, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as error:
        raise CheckpointError(f"metadata {key!r} is not JSON-serialisable: {error}") from None


# ----------------------------------------------------------------------------- reading


def read_dshq(
    data: bytes | bytearray | memoryview,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    expected_layout: list | None = None,
    obs_spec_version: int | None = None,
    action_spec_version: int | None = None,
) -> Checkpoint:
    """Parse and strictly validate .dshq bytes. Raises CheckpointError naming the failed check.

    max_bytes: inputs longer than this are refused before anything is parsed.
    expected_layout: list of (name, shape, offset); the model tensors and every snapshot must match it exactly.
    obs_spec_version / action_spec_version: when given, the file's versions must be equal.
    """
    try:
        view = memoryview(data).cast("B")
    except TypeError as error:
        raise CheckpointError(f"input is not a contiguous bytes-like object: {error}") from None
    if len(view) > max_bytes:
        raise CheckpointError(f"file size: {len(view)} bytes is over the max_bytes limit of {max_bytes}")
    if len(view) < 8:
        raise CheckpointError(f"file size: {len(view)} bytes is too short for the 8-byte header length")
    (header_size,) = struct.unpack_from("<Q", view, 0)
    if header_size > MAX_HEADER_BYTES:
        raise CheckpointError(f"header length: {header_size} bytes is over the {MAX_HEADER_BYTES}-byte limit")
    if 8 + header_size > len(view):
        raise CheckpointError(f"header length: {header_size} bytes runs past the end of the {len(view)}-byte file")

    header = _parse_header(bytes(view[8 : 8 + header_size]))
    raw_metadata = header.pop("__metadata__", None)
    metadata = _decode_metadata(raw_metadata)
    _check_versions(metadata, obs_spec_version, action_spec_version)

    data_section = view[8 + header_size :]
    spans = _check_tensor_entries(header, len(data_section))
    if "data_sha256" in metadata and hashlib.sha256(data_section).hexdigest() != metadata["data_sha256"]:
        raise CheckpointError("checksum: data section does not match metadata 'data_sha256' (file corrupted)")

    tensors = {}
    for name, shape, begin, end in spans:
        values = array("f")
        values.frombytes(data_section[begin:end])
        if sys.byteorder == "big":
            values.byteswap()
        index = _first_non_finite(values)
        if index is not None:
            raise CheckpointError(f"non-finite value: tensor {_short(name)} has {values[index]} at flat index {index}")
        tensors[name] = (shape, values)

    snapshots = _take_snapshots(tensors)
    optimizer = _take_optimizer_state(tensors, metadata)
    checkpoint = Checkpoint(tensors=tensors, metadata=metadata, optimizer=optimizer, snapshots=snapshots)
    if expected_layout is not None:
        check_matches_layout(checkpoint, expected_layout)
    return checkpoint


def load(
    path,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    expected_layout: list | None = None,
    obs_spec_version: int | None = None,
    action_spec_version: int | None = None,
) -> Checkpoint:
    """Read and validate a .dshq file (see read_dshq); never reads more than max_bytes + 1 bytes."""
    with open(path, "rb") as f:
        data = f.read(max_bytes + 1)
    return read_dshq(
        data,
        max_bytes=max_bytes,
        expected_layout=expected_layout,
        obs_spec_version=obs_spec_version,
        action_spec_version=action_spec_version,
    )


# A JSON string, or an unterminated one running to the end: matched in one linear pass.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_INNERMOST_CONTAINER = re.compile(r"\[[^\[\]{}]*\]|\{[^\[\]{}]*\}")


def _parse_header(header_bytes):
    try:
        text = header_bytes.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CheckpointError(f"header is not valid UTF-8: {error}") from None
    if _json_nests_deeper_than(text, MAX_HEADER_DEPTH):
        raise CheckpointError(f"header is not valid JSON: nested deeper than {MAX_HEADER_DEPTH} levels or unbalanced")
    try:
        header = json.loads(text, object_pairs_hook=_object_without_duplicate_keys)
    except CheckpointError:
        raise
    except (ValueError, RecursionError) as error:
        raise CheckpointError(f"header is not valid JSON: {error}") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"header is not a JSON object (got {type(header).__name__})")
    return header


def _object_without_duplicate_keys(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise CheckpointError(f"header has a duplicate key {_short(key)}")
        result[key] = value
    return result


def _decode_metadata(raw_metadata):
    if raw_metadata is None:
        raise CheckpointError("metadata: header has no '__metadata__' (format and spec versions are required)")
    if not isinstance(raw_metadata, dict) or not all(isinstance(v, str) for v in raw_metadata.values()):
        raise CheckpointError("metadata: '__metadata__' must map strings to strings")
    metadata = {}
    for key, text in raw_metadata.items():
        if key in INT_METADATA_KEYS:
            if not (text.isascii() and text.isdigit() and len(text) <= MAX_INT_DIGITS):
                raise CheckpointError(f"metadata {key!r} must be a non-negative integer string, got {_short(text)}")
            metadata[key] = int(text)
        elif key == "win_rate_vs_scripted":
            try:
                metadata[key] = float(text)
            except ValueError:
                metadata[key] = math.nan
            if not 0.0 <= metadata[key] <= 1.0:
                raise CheckpointError(f"metadata {key!r} must be a number in [0, 1], got {_short(text)}")
        elif text.startswith(("{", "[")) and not _json_nests_deeper_than(text, MAX_METADATA_DEPTH):
            try:
                metadata[key] = json.loads(text)
            except (ValueError, RecursionError):
                metadata[key] = text  # looks like JSON but is not: keep the string as stored
        else:
            metadata[key] = text
    return metadata


def _check_versions(metadata, obs_spec_version, action_spec_version):
    for key in REQUIRED_METADATA_KEYS:
        if key not in metadata:
            raise CheckpointError(f"metadata {key!r} is missing")
    if metadata["format"] != FORMAT:
        raise CheckpointError(f"metadata 'format' is {_short(metadata['format'])}, expected {FORMAT!r}")
    if metadata["format_version"] != FORMAT_VERSION:
        version = metadata["format_version"]
        raise CheckpointError(f"metadata 'format_version' {version} is not supported (this reader: {FORMAT_VERSION})")
    for key, expected, spec in (("obs_spec_version", obs_spec_version, "observation"),
                                ("action_spec_version", action_spec_version, "action")):
        if expected is not None and metadata[key] != expected:
            raise CheckpointError(f"metadata {key!r} is {metadata[key]}, incompatible with the expected {expected}"
                                  f" (the network was trained on another {spec} layout, rl/soccer/spec.py)")


def _check_tensor_entries(header, data_size):
    """Validate every tensor entry; return [(name, shape, begin, end)] sorted by offset."""
    spans = []
    for name, entry in header.items():
        where = f"tensor {_short(name)}"
        if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
            raise CheckpointError(f"{where}: entry must be an object with exactly dtype, shape, data_offsets")
        if entry["dtype"] != "F32":
            raise CheckpointError(f"{where}: dtype {_short(entry['dtype'])} is not supported (only F32)")
        shape = entry["shape"]
        if not isinstance(shape, list) or not all(_is_int(dim) and dim >= 0 for dim in shape):
            raise CheckpointError(f"{where}: shape must be a list of non-negative ints")
        offsets = entry["data_offsets"]
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(_is_int(x) and x >= 0 for x in offsets)):
            raise CheckpointError(f"{where}: data_offsets must be two non-negative ints")
        begin, end = offsets
        if end < begin:
            raise CheckpointError(f"{where}: data_offsets end {_short(end)} < begin {_short(begin)}")
        if end > data_size:
            raise CheckpointError(
                f"{where}: data_offsets end {_short(end)} is beyond the end of the file ({data_size}-byte data section)"
            )
        if end - begin != _capped_prod(shape, data_size) * FLOAT32_BYTES:
            raise CheckpointError(f"{where}: data_offsets size {end - begin} != prod(shape {_short(shape)}) * 4")
        spans.append((name, tuple(shape), begin, end))

    spans.sort(key=lambda span: (span[2], span[3]))
    position = 0
    for name, _, begin, end in spans:
        where = f"tensor {_short(name)}"
        if begin < position:
            raise CheckpointError(f"{where}: data_offsets [{begin}, {end}] overlap the previous tensor, which ends at {position}")
        if begin > position:
            raise CheckpointError(f"{where}: data_offsets leave a gap of {begin - position} bytes before it")
        position = end
    if position != data_size:
        raise CheckpointError(f"trailing bytes: tensors cover {position} of the {data_size}-byte data section")
    return spans


def _take_snapshots(tensors):
    """Move the tensors named snapshot.<version>.<name> out of tensors: {version: {name: tensor}}, ascending."""
    snapshots = {}
    for full_name in [name for name in tensors if name.startswith(SNAPSHOT_PREFIX)]:
        match = SNAPSHOT_NAME.fullmatch(full_name)
        if match is None or _is_reserved(match[2]):
            raise CheckpointError(f"snapshot: tensor name {_short(full_name)} is not 'snapshot.<version>.<name>' "
                                  "(version: a decimal int without leading zeros; name: not reserved)")
        snapshots.setdefault(int(match[1]), {})[match[2]] = tensors.pop(full_name)
    return dict(sorted(snapshots.items()))


def _take_optimizer_state(tensors, metadata):
    """Move optimizer.m / optimizer.v / optimizer_step out of tensors and metadata, if present.
    Call after _take_snapshots: the size check counts what is left, the model tensors."""
    parts = [OPTIMIZER_M in tensors, OPTIMIZER_V in tensors, "optimizer_step" in metadata]
    unknown = [name for name in tensors if name.startswith(OPTIMIZER_PREFIX) and name not in (OPTIMIZER_M, OPTIMIZER_V)]
    if unknown:
        raise CheckpointError(f"optimizer state: unknown tensor {_short(unknown[0])}")
    if not any(parts):
        return None
    if not all(parts):
        raise CheckpointError("optimizer state: needs all of 'optimizer.m', 'optimizer.v' and metadata 'optimizer_step'")
    (_, m), (_, v) = tensors.pop(OPTIMIZER_M), tensors.pop(OPTIMIZER_V)
    num_params = sum(len(values) for _, values in tensors.values())
    if len(m) != num_params or len(v) != num_params:
        raise CheckpointError(f"optimizer state: optimizer.m/v have {len(m)}/{len(v)} values, the model has {num_params}")
    return OptimizerState(m=m, v=v, step=metadata.pop("optimizer_step"))


# ----------------------------------------------------------------------------- flat parameter vectors


def tensors_from_flat(flat, layout: list) -> dict:
    """Slice a flat float32 parameter vector into named tensors following a layout."""
    _check_layout(layout, len(flat))
    flat = _as_float32_array("flat parameters", flat)
    return {name: (tuple(shape), flat[offset : offset + math.prod(shape)]) for name, shape, offset in layout}


def flat_from_tensors(tensors: dict, layout: list) -> array:
    """Inverse of tensors_from_flat: place named tensors into one flat float32 vector."""
    total = sum(math.prod(shape) for _, shape, _ in layout)
    _check_layout(layout, total)
    _check_tensors_match_layout(tensors, layout)
    flat = array("f", bytes(total * FLOAT32_BYTES))
    for name, shape, offset in layout:
        values = _as_float32_array(name, tensors[name][1])
        if len(values) != math.prod(shape):
            raise CheckpointError(
                f"layout: tensor {_short(name)} has {len(values)} values, shape {tuple(shape)} needs {math.prod(shape)}"
            )
        flat[offset : offset + len(values)] = values
    return flat


def _check_layout(layout, flat_size):
    """A layout must tile the flat vector exactly: no gaps, no overlaps, nothing left over."""
    position = 0
    for name, shape, offset in sorted(layout, key=lambda item: item[2]):
        if offset != position:
            raise CheckpointError(f"layout: tensor {_short(name)} starts at {offset}, expected {position} (gap or overlap)")
        position += math.prod(shape)
    if position != flat_size:
        raise CheckpointError(f"layout: covers {position} values, the flat vector has {flat_size}")


def check_matches_layout(checkpoint: Checkpoint, layout: list) -> None:
    """Raise CheckpointError unless the model tensors and every snapshot's tensors match the layout exactly."""
    _check_tensors_match_layout(checkpoint.tensors, layout)
    for version, tensors in checkpoint.snapshots.items():
        _check_tensors_match_layout(tensors, layout, f"layout: snapshot {version} ")


def _check_tensors_match_layout(tensors, layout, where="layout: "):
    expected_shapes = {name: tuple(shape) for name, shape, _ in layout}
    for name, shape in expected_shapes.items():
        if name not in tensors:
            raise CheckpointError(f"{where}tensor {_short(name)} is missing")
        if tuple(tensors[name][0]) != shape:
            raise CheckpointError(f"{where}tensor {_short(name)} has shape {tuple(tensors[name][0])}, expected {shape}")
    for name in tensors:
        if name not in expected_shapes:
            raise CheckpointError(f"{where}unexpected tensor {_short(name)}")


def _first_non_finite(values):
    """Index of the first NaN/inf in a float32 array, or None. Fast path: a sum of finite
    float32 values cannot overflow a double, and one NaN/inf makes the sum non-finite."""
    if math.isfinite(sum(values)):
        return None
    return next(i for i, x in enumerate(values) if not math.isfinite(x))


def _json_nests_deeper_than(text, max_depth):
    """True if JSON text nests containers deeper than max_depth (or has unbalanced openers).

    Pyodide's json.loads overflows the WebAssembly stack on deeply nested input (a fatal
    crash, not a RecursionError), so untrusted JSON is measured with regexes first: drop
    the strings, then peel off innermost [...] / {...} once per allowed level."""
    skeleton = _JSON_STRING.sub("", text)
    for _ in range(max_depth):
        peeled = _INNERMOST_CONTAINER.sub("", skeleton)
        if peeled == skeleton:  # nothing left to peel: either flat, or unbalanced
            break
        skeleton = peeled
    return "[" in skeleton or "{" in skeleton


def _capped_prod(shape, cap):
    """prod(shape), but stops multiplying once past cap, so absurd dims cost no time."""
    if 0 in shape:
        return 0
    size = 1
    for dim in shape:
        size *= dim
        if size > cap:
            break
    return size


def _short(value, limit=60):
    """repr() of an untrusted value, truncated so error messages stay readable."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_reserved(name):
    return name == "__metadata__" or name.startswith((OPTIMIZER_PREFIX, SNAPSHOT_PREFIX))


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)
