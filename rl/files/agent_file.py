"""An agent as a .dshq file and back: the one place both hosts turn weights into bytes.

Standard library only: the page (Pyodide, no numpy) exports, imports and
autosaves agents with it; `python -m rl.train` writes and `python -m
rl.evaluate` reads the same files. The container is rl/files/container.py's; this
module fixes what an agent file holds:

    tensors    the model, named and shaped by rl.model.param_layout(model_config)
    snapshots  optional, {version: flat params} (the self-play pool of an autosave),
               each laid out like the model
    optimizer  optional, Adam's (m, v, t) in flat parameter order, to resume training
    metadata   model_config       {"obs_size", "num_actions", "hidden_sizes", "activation", "layout"}
                                  (no "layout": a file from before layouts, read as "shared")
               obs_spec_version,  rl/soccer/spec.py's; a file with other versions is refused
               action_spec_version
               created            UTC ISO 8601 time, filled in when absent
               train_step, policy_version (ints >= 0), win_rate_vs_scripted (in [0, 1]),
               ppo_config, ... anything else the caller passes: kept as given

read_agent is strict, and every failure is a CheckpointError naming the check:
the container's checks (size cap, header, checksum, finite values, spec
versions, train_step / policy_version / win_rate_vs_scripted types), then
`model_config` present, a JSON object and a valid ModelConfig, its obs_size and
num_actions those of soccer (rl/soccer/spec.py), and the tensors of the model and of
every snapshot exactly param_layout's. write_agent refuses what read_agent
would refuse, so whatever it writes reads back.
"""

from array import array
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from rl.files.container import (
    CheckpointError, check_matches_layout, flat_from_tensors, read_dshq, tensors_from_flat, write_atomically, write_dshq,
)
from rl.optimizer_state import OptimizerState
from rl.model import ModelConfig, param_layout
from rl.soccer.spec import ACTION_SPEC_VERSION, NUM_ACTIONS, OBS_SIZE, OBS_SPEC_VERSION

MAX_AGENT_BYTES = 64 * 1024 * 1024


@dataclass
class AgentFile:
    """What read_agent returns."""

    params: array  # flat float32, rl/model.py layout
    model_config: ModelConfig
    metadata: dict  # decoded (rl.files.container.read_dshq), model_config and spec versions included
    optimizer: OptimizerState | None
    snapshots: dict[int, array]  # version -> flat params, versions ascending


def write_agent(params, model_config: ModelConfig, metadata: dict, *, optimizer: OptimizerState | None = None,
                snapshots: dict | None = None) -> bytes:
    """.dshq bytes of an agent: params (and snapshots' params) flat in model_config's layout."""
    _check_soccer_sized(model_config)
    layout = list(param_layout(model_config))
    metadata = {"created": datetime.now(timezone.utc).isoformat(timespec="seconds"), **metadata,
                "model_config": asdict(model_config), "obs_spec_version": OBS_SPEC_VERSION,
                "action_spec_version": ACTION_SPEC_VERSION}
    snapshots = {} if snapshots is None else snapshots
    if not isinstance(snapshots, dict):
        raise CheckpointError(f"snapshots must be a dict {{version: flat params}}, got {type(snapshots).__name__}")
    pool = {}
    for version, flat in snapshots.items():
        try:
            pool[version] = tensors_from_flat(flat, layout)
        except CheckpointError as error:
            raise CheckpointError(f"snapshot {version!r}: {error}") from None
    return write_dshq(tensors_from_flat(params, layout), metadata, optimizer=optimizer, snapshots=pool)


def save_agent(path: str, params, model_config: ModelConfig, metadata: dict, *,
               optimizer: OptimizerState | None = None) -> None:
    """Write write_agent's bytes to the file `path` atomically (CPython: rl.train's checkpoints)."""
    write_atomically(path, write_agent(params, model_config, metadata, optimizer=optimizer))


def read_agent(data, *, max_bytes: int = MAX_AGENT_BYTES) -> AgentFile:
    """Parse and strictly validate an agent's .dshq bytes (see the module docstring)."""
    checkpoint = read_dshq(data, max_bytes=max_bytes, obs_spec_version=OBS_SPEC_VERSION,
                           action_spec_version=ACTION_SPEC_VERSION)
    if "model_config" not in checkpoint.metadata:
        raise CheckpointError("metadata 'model_config' is missing")
    config = checkpoint.metadata["model_config"]
    if not isinstance(config, dict):
        raise CheckpointError(f"metadata 'model_config' is not a JSON object (got {type(config).__name__})")
    try:
        model_config = ModelConfig(**config)
    except (TypeError, ValueError) as error:
        raise CheckpointError(f"metadata 'model_config' is invalid: {str(error)[:200]}") from None
    _check_soccer_sized(model_config)
    layout = list(param_layout(model_config))
    check_matches_layout(checkpoint, layout)
    return AgentFile(params=flat_from_tensors(checkpoint.tensors, layout), model_config=model_config,
                     metadata=checkpoint.metadata, optimizer=checkpoint.optimizer,
                     snapshots={version: flat_from_tensors(tensors, layout)
                                for version, tensors in checkpoint.snapshots.items()})


def _check_soccer_sized(model_config: ModelConfig) -> None:
    if (model_config.obs_size, model_config.num_actions) != (OBS_SIZE, NUM_ACTIONS):
        raise CheckpointError(f"metadata 'model_config' has obs_size={model_config.obs_size}, num_actions="
                              f"{model_config.num_actions}; soccer needs {OBS_SIZE} and {NUM_ACTIONS}")
