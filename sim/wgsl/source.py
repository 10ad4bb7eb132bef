"""The soccer kernel's WGSL, with every number taken from the Python sim at build time.

`shaders/soccer_sim.wgsl` names its constants (HALF_LENGTH, DT, ACTION_TARGETS,
OBS_BALL_F, MATCH_TICKS, ...) but defines none of them. `soccer_source(config)`
prepends one `const` per number, read from the modules that define it:

    sim/constants.py    every physical constant (and the derived ones)
    sim/physics.py      collision helpers: HX, HY, R2, broad-phase limits, END_COLLIDERS
    sim/actions.py      NUM_ACTIONS, NUM_TURNS, MOVE_TARGETS, TURN_TARGETS (the action table's factors)
    sim/observation.py  OBSERVATION_SIZE, the named row indices, the scales
    sim/rewards.py      INV_PITCH_LENGTH
    sim/baselines.py    the scripted player's distances and tolerances
    SoccerConfig        each field upper-cased (MATCH_SECONDS, ACTION_REPEAT, ...),
                        MATCH_TICKS and INV_MATCH_TICKS = 1 / MATCH_TICKS
    sim/wgsl/layout.py  the kernel's buffer layout (ENV_FLOATS, COUNTER_TICK, OUTPUT_OBS, ...)

so a constant is typed once, in Python, and changing it changes both engines.
Module constants are every upper-case int, float, list of numbers or table (tuple
of tuples) of those modules, and NUM_<NAME>, the length of each upper-case tuple
of names or table;
a name defined twice must have the same value everywhere.

Floats are written as the exact decimal value of their float32 rounding (an
abstract-float literal that converts to f32 without a second rounding); ints
stay abstract ints (usable as f32, i32 or u32); lists become `array<f32, n>` and
tables `array<array<f32, n>, m>`.
"""

import struct
from dataclasses import fields
from math import isfinite

import gpu

from .. import actions, baselines, constants, observation, physics, rewards
from ..config import SoccerConfig
from .layout import layout_constants

SHADER_NAME = "soccer_sim"
CONSTANT_MODULES = (constants, physics, actions, observation, rewards, baselines)


def float32_literal(value: float) -> str:
    """The float32 nearest `value`, written exactly as a WGSL abstract-float literal."""
    if not isfinite(value):
        raise ValueError(f"constant {value!r} is not finite")
    rounded = struct.unpack("<f", struct.pack("<f", value))[0]
    text = repr(rounded)
    return text if ("." in text or "e" in text) else text + ".0"


def wgsl_value(value) -> str:
    """A Python constant as a WGSL const-expression."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return float32_literal(value)
    if _is_numbers(value):
        return f"array<f32, {len(value)}>(" + ", ".join(float32_literal(float(item)) for item in value) + ")"
    rows = [tuple(row) for row in value]
    width = len(rows[0])
    if any(len(row) != width for row in rows):
        raise ValueError(f"table rows must have equal length, got {value!r}")
    row_type = f"array<f32, {width}>"
    cells = (", ".join(float32_literal(float(cell)) for cell in row) for row in rows)
    return f"array<{row_type}, {len(rows)}>(" + ", ".join(f"{row_type}({row})" for row in cells) + ")"


def _is_numbers(value) -> bool:
    return isinstance(value, tuple) and value and all(isinstance(item, (int, float)) for item in value)


def _is_table(value) -> bool:
    return (isinstance(value, tuple) and value and all(isinstance(row, tuple) and row for row in value)
            and all(isinstance(cell, (int, float)) for row in value for cell in row))


def _is_names(value) -> bool:
    return isinstance(value, tuple) and value and all(isinstance(item, str) for item in value)


def module_constants() -> dict:
    """{name: value} of every upper-case number, list of numbers or table in CONSTANT_MODULES,
    and NUM_<NAME> = len(NAME) of every tuple of names (NUM_MOVES, NUM_TURNS) and every table
    (NUM_END_COLLIDERS)."""
    found = {}
    for module in CONSTANT_MODULES:
        for name, value in vars(module).items():
            if name.isupper() and _is_names(value):
                name, value = f"NUM_{name}", len(value)
            if not name.isupper() or not (isinstance(value, (int, float)) or _is_numbers(value) or _is_table(value)):
                continue
            if _is_table(value):
                found[f"NUM_{name}"] = len(value)
            if name in found and found[name] != value:
                raise ValueError(f"constant {name} is {found[name]!r} in one sim module and {value!r} in "
                                 f"{module.__name__}")
            found[name] = value
    return found


def config_constants(config: SoccerConfig) -> dict:
    """{NAME: value} of a SoccerConfig: its fields upper-cased, MATCH_TICKS and INV_MATCH_TICKS."""
    values = {f.name.upper(): getattr(config, f.name) for f in fields(config)}
    values["MATCH_TICKS"] = config.match_ticks
    values["INV_MATCH_TICKS"] = 1.0 / config.match_ticks
    return values


def constants_prelude(config: SoccerConfig) -> str:
    """The generated `const` block: sim modules, then the config, then the buffer layout."""
    lines = ["// Generated by sim/wgsl/source.py from sim/ and SoccerConfig: edit the Python, not this block."]
    blocks = (sorted(module_constants().items()), config_constants(config).items(), layout_constants().items())
    defined = set()
    for block in blocks:
        for name, value in block:
            if name in defined:
                raise ValueError(f"the WGSL constant {name} would be defined twice")
            defined.add(name)
            lines.append(f"const {name} = {wgsl_value(value)};")
    return "\n".join(lines) + "\n"


def soccer_source(config: SoccerConfig) -> str:
    """The complete WGSL of the soccer kernel for `config`: the constants, the counter-based hash its
    random streams draw from (shaders/pcg4d.wgsl, shared with the learner's kernels), the kernel."""
    return constants_prelude(config) + "\n" + gpu.shader_source("pcg4d") + "\n" + gpu.shader_source(SHADER_NAME)
