"""The WGSL sim's constants come from sim/ at build time, never typed twice (no GPU needed)."""
import re
import struct

import pytest

from sim import SoccerConfig, constants, observation, physics
from sim.wgsl import soccer_source
from sim.wgsl.source import CONSTANT_MODULES, float32_literal


def defined(source: str, name: str) -> str:
    match = re.search(rf"^const {name} = (.+);$", source, re.MULTILINE)
    assert match, f"{name} is not defined in the generated WGSL"
    return match.group(1)


def test_every_number_comes_from_the_python_modules_and_the_config():
    source = soccer_source(SoccerConfig(match_seconds=30.0, action_repeat=2, end_on_goal=False, shaping_coef=0.25))
    assert defined(source, "HALF_LENGTH") == float32_literal(constants.HALF_LENGTH)
    assert defined(source, "DT") == float32_literal(constants.DT)
    assert defined(source, "OBSERVATION_SIZE") == str(observation.OBSERVATION_SIZE)
    assert defined(source, "OBS_BALL_F") == str(observation.OBS_BALL_F)
    assert defined(source, "INV_POS") == float32_literal(observation.INV_POS)
    assert defined(source, "R2") == float32_literal(physics.R2)
    assert defined(source, "MATCH_TICKS") == "3600"
    assert defined(source, "ACTION_REPEAT") == "2"
    assert defined(source, "END_ON_GOAL") == "false"
    assert defined(source, "SHAPING_COEF") == "0.25"
    assert defined(source, "ACTION_TARGETS").startswith("array<array<f32, 4>, 30>(")
    # the shader itself defines none of them
    shader_part = source.split("\n\n", 1)[1]
    for name in ("HALF_LENGTH", "DT", "OBSERVATION_SIZE", "MATCH_TICKS", "ACTION_TARGETS"):
        assert not re.search(rf"^const {name}\b", shader_part, re.MULTILINE)


def test_changing_a_python_constant_changes_the_generated_wgsl(monkeypatch):
    """Editing sim/constants.py changes the value in every module that imports it, and the values
    derived from it; the patch does the same by hand."""
    changed = {"BALL_MAX_SPEED": 20.0, "MAX_SPEED2": 400.0, "INV_BALL_SPEED": 0.05}
    for module in CONSTANT_MODULES:
        for name, value in changed.items():
            if hasattr(module, name):
                monkeypatch.setattr(module, name, value)
    source = soccer_source(SoccerConfig())
    assert defined(source, "BALL_MAX_SPEED") == "20.0"
    assert defined(source, "MAX_SPEED2") == "400.0"
    assert defined(source, "INV_BALL_SPEED") == float32_literal(0.05)


def test_a_constant_with_two_values_is_refused(monkeypatch):
    monkeypatch.setattr(physics, "HALF_LENGTH", 9.0)   # sim/constants.py still says 8.0
    with pytest.raises(ValueError, match="HALF_LENGTH"):
        soccer_source(SoccerConfig())


@pytest.mark.parametrize("value", [0.1, 1.0 / 120.0, 1e-5, 8.0, -0.7, 1.0 / 3.0])
def test_float_literals_are_exact_float32_values(value):
    literal = float32_literal(value)
    assert float(literal) == struct.unpack("<f", struct.pack("<f", value))[0]
