"""Versions of the observation and action specs that a trained network depends on.

A `.dshq` file records both (metadata `obs_spec_version`, `action_spec_version`);
loaders refuse a file whose versions differ from these. Bump a version whenever
the meaning of an observation index (sim/observation.py) or of an action id
(sim/actions.py) changes, since old weights would then silently misbehave.

    OBS_SPEC_VERSION 2     34 floats, the table in sim/observation.py (docs/sim.md); version 1 was
                           its first 27 rows, without the bearing, aim and near-ball rows 27-33
    ACTION_SPEC_VERSION 1  30 actions, (move * 3 + turn) * 2 + dash (sim/actions.py)
"""

from sim import NUM_ACTIONS  # 30
from sim import OBSERVATION_SIZE as OBS_SIZE  # 34

__all__ = ["ACTION_SPEC_VERSION", "NUM_ACTIONS", "OBS_SIZE", "OBS_SPEC_VERSION"]

OBS_SPEC_VERSION = 2
ACTION_SPEC_VERSION = 1
