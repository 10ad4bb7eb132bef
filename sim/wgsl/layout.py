"""The soccer kernel's buffers: what each holds, per env, in which order.

Defined once here; sim/wgsl/source.py emits every name below into the WGSL
as a constant, and sim/wgsl/batch.py reads the buffers with the same names.

    state     f32, ENV_FLOATS per env: sim/physics.py's 20 numbers (ball x, y, vx, vy; blue and
              red x, y, vx, vy, cos, sin, omega, dash cooldown in ticks), then the shaping
              potential Phi(s) and the episode's summed reward (blue's view)
    counters  u32, len(COUNTERS) per env, in COUNTERS order
    actions   u32, 2 per env: rows 2i (blue) and 2i + 1 (red), read when the row's controller
              is "actions"
    controllers u32, 2 per env: an index into CONTROLLERS
    outputs   u32 (floats stored as their bits), one section per OUTPUT_SECTIONS entry, each
              `width * E` long, in that order; a section's rows are env-major (row 2i, 2i + 1)
    tallies   u32, len(TALLIES) per env: summed over every episode that ended
"""

from ..observation import OBSERVATION_SIZE
from ..physics import STATE_SIZE

WORKGROUP_SIZE = 64             # envs per workgroup (one invocation per env)

POTENTIAL_SLOT = STATE_SIZE
RETURN_SLOT = STATE_SIZE + 1
ENV_FLOATS = STATE_SIZE + 2

COUNTERS = ("key_lo", "key_hi", "draws", "tick", "blue_goals", "red_goals", "episode_length")
"""RNG key (env i's 64-bit seed, low and high word), RNG draws so far, ticks since kickoff of the
match, the score, decisions in this episode."""

CONTROLLERS = ("actions", "scripted", "random")
"""Who plays a row: "actions" reads the actions buffer (the caller's, a learner's, or a network
opponent's written there by a GPU forward); "scripted" is sim.scripted_action on the row's own
observation; "random" is uniform over the 30 actions from the env's RNG."""

TALLIES = ("episodes", "blue_wins", "draws", "red_wins", "blue_goals", "red_goals")

# (name, floats per env, host array typecode): EnvBatch's buffers plus the self-play terms and the actions played.
OUTPUT_SECTIONS = (
    ("obs", 2 * OBSERVATION_SIZE, "f"),
    ("final_obs", 2 * OBSERVATION_SIZE, "f"),
    ("rewards", 2, "f"),
    ("ball_approach", 2, "f"),
    ("ball_progress", 2, "f"),
    ("actions_played", 2, "i"),
    ("terminations", 1, "b"),
    ("truncations", 1, "b"),
    ("episode_returns", 2, "f"),
    ("episode_lengths", 1, "i"),
    ("episode_goals", 2, "i"),
)
OUTPUT_FLOATS_PER_ENV = sum(width for _, width, _ in OUTPUT_SECTIONS)


def section_starts() -> dict:
    """{section name: its offset in the outputs buffer, in units of num_envs floats}."""
    starts, offset = {}, 0
    for name, width, _ in OUTPUT_SECTIONS:
        starts[name] = offset
        offset += width
    return starts


def layout_constants() -> dict:
    """The layout as WGSL constants: WORKGROUP_SIZE, ENV_FLOATS, POTENTIAL_SLOT, RETURN_SLOT, COUNTER_<NAME>,
    ENV_COUNTERS, CONTROLLER_<NAME>, TALLY_<NAME>, TALLY_COUNT, OUTPUT_<NAME> (section start / E)."""
    values = {"WORKGROUP_SIZE": WORKGROUP_SIZE, "ENV_FLOATS": ENV_FLOATS, "POTENTIAL_SLOT": POTENTIAL_SLOT,
              "RETURN_SLOT": RETURN_SLOT, "ENV_COUNTERS": len(COUNTERS), "TALLY_COUNT": len(TALLIES)}
    values.update({f"COUNTER_{name.upper()}": i for i, name in enumerate(COUNTERS)})
    values.update({f"CONTROLLER_{name.upper()}": i for i, name in enumerate(CONTROLLERS)})
    values.update({f"TALLY_{name.upper()}": i for i, name in enumerate(TALLIES)})
    values.update({f"OUTPUT_{name.upper()}": start for name, start in section_starts().items()})
    return values
