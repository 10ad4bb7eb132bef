"""Self-play: 1v1 soccer as a Gymnasium-style vector env seen from one learner.

Standard library only (the browser's rollout workers run this file).

`SelfPlayEnv(num_envs)` wraps a `sim.EnvBatch` of the same size. In env i the
learner controls one player and an opponent controls the other; both are
redrawn at every kickoff of a new episode, from the env's own seeded
SplitMix64 stream:

    side     ~ uniform{blue, red}                       (the learner's player)
    opponent ~ snapshot  with probability snapshot_prob (a past learner, uniform over the pool)
               scripted  with probability scripted_prob (sim.scripted_action)
               random    with probability random_prob   (uniform actions)

While the pool is empty, snapshot_prob is shared out among the other two in
proportion (an error if both are 0). Observations are egocentric and mirrored
(docs/sim.md), so the learner sees the same kind of input on either side.

The learner's reward is its own player's reward from the sim (goal +-1 plus
the sim's potential-based ball-position shaping) plus two terms of the same
form, a closing-speed term and a ball-progress term:

    r_approach = approach_coef * (d(s) - d(s')),   d = |ball - learner| / 2L       = obs[10]
    r_progress = progress_coef * (g(s) - g(s')),   g = |opponent goal - ball| / 2L  (from obs[13], obs[14])

with s' read from the final observation when the episode ended. Summed over
an episode each is coef * (x_0 - x_T), so neither can be farmed; discounted,
each equals a constant minus coef * (1 - gamma) * x per step, i.e. a gentle,
lasting pull: the learner toward the ball, the ball toward the opponent goal.
They are deliberately NOT potential-based with discounting
(gamma Psi(s') - Psi(s)): that form leaves every policy's ranking unchanged,
so it gives a fresh policy no reason to go for the ball, and without one it
almost never touches it against a weak opponent, and the goal signal stays
silent. The closing-speed pull alone makes a defender that stays glued to
the ball; the progress pull makes it push the ball somewhere
(docs/learning_curve.md has the runs).

The vector-env interface is the one rl/rollout.py duck-types:
`num_envs`, `single_observation_space.shape == (34,)`,
`single_action_space.n == 30`, `metadata["autoreset_mode"] == "SameStep"`,
`reset(seed=) -> (obs, infos)`, `step(actions) -> (obs, rewards,
terminations, truncations, infos)`. Returned buffers are flat `array`s
(obs 'f' [E*34], rewards 'f' [E], terminations / truncations 'b' [E]) that are
overwritten by the next call: copy what you keep.

Auto-reset is SAME_STEP (EnvBatch's rule): the step that ends an episode
returns the next episode's first observation, and, when any episode ended,
infos = {"final_obs": [row or None per env], "_final_obs": [bool per env],
"episodes": [one dict per finished episode]}; otherwise infos = {}. An
episode dict holds env, return, length, outcome ("win" / "draw" / "loss" from
the learner's view, by the episode's goals), goals_for, goals_against,
learner_side ("blue" / "red"), opponent (kind) and opponent_version (the
snapshot's version, None for the baselines). The same dicts accumulate in
`finished_episodes` until `pop_episodes()` takes them (rl.rollout's collector
does not pass infos on, so the trainer reads outcomes from there).

Snapshot opponents and speed. A snapshot is an rl.policy.Policy; its actions
are sampled from softmax(logits), with one `forward(obs, n)` per distinct
snapshot per step over all the envs it plays in (a batch). Which MLP runs that
forward is injected: `mlp`, rl.policy.PythonMLP by default, about 800 rows/s
for the 2x128 MLP on one CPython core, i.e. it would dominate a step
(EnvBatch alone does ~50,000 env-decisions/s). CPython tools inject
rl.numpy_backend.NumpyMLP (~150,000 rows/s in batches of 8-64); a browser
worker keeps the Python one, or lowers snapshot_prob.
"""

import math
from array import array
from dataclasses import dataclass, fields
from types import SimpleNamespace

from rl.model import ModelConfig
from rl.policy import Policy, PythonMLP
from rl.rollout import sample_actions
from sim import NUM_ACTIONS, OBSERVATION_SIZE, EnvBatch, SoccerConfig, SplitMix64, scripted_action
from sim.constants import HALF_LENGTH, HALF_WIDTH
from sim.observation import OBS_BALL_X, OBS_BALL_Y

OPPONENT_KINDS = ("snapshot", "scripted", "random")
SNAPSHOT, SCRIPTED, RANDOM = range(3)
SIDES = ("blue", "red")
BALL_DISTANCE = 10  # observation index of |ball - own position| / 2L
SELFPLAY_STREAM = 0x53454C46504C4159  # "SELFPLAY": separates this env's RNG stream from EnvBatch's


@dataclass(frozen=True)
class SelfPlayConfig:
    snapshot_prob: float = 0.2
    """Probability that an episode's opponent is a past learner snapshot (uniform over the pool)."""
    scripted_prob: float = 0.6
    """Probability that an episode's opponent is the scripted baseline (sim.scripted_action)."""
    random_prob: float = 0.2
    """Probability that an episode's opponent plays uniform random actions."""
    pool_size: int = 8
    """Snapshots kept in the pool; adding one more drops the oldest."""
    snapshot_every: int = 10
    """Learner updates between two snapshots added to the pool (rl.train; offer_snapshot)."""
    approach_coef: float = 4.0
    """Weight of the learner's closing-speed reward approach_coef * (d - d') (module docstring); 0 disables it.
    4.0 rather than 2.0: with 2.0 (and the progress term), seeds 1 and 3 fall to 0.31 and 0.14 of decided
    matches against the scripted player after 3M steps (docs/learning_curve.md)."""
    progress_coef: float = 2.0
    """Weight of the learner's ball-progress reward progress_coef * (g - g') (module docstring); 0 disables it.
    With it, 11 of 12 seeds beat the scripted player in 0.78-0.95 of decided matches after 3M steps;
    without it, seeds 5-8 give 0.59-0.86 (docs/learning_curve.md)."""

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type is int:
                if not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
                    raise ValueError(f"SelfPlayConfig.{f.name} must be an int >= 1, got {value!r}")
            elif f.name in ("approach_coef", "progress_coef"):
                if not (isinstance(value, (int, float)) and not isinstance(value, bool)
                        and math.isfinite(value) and value >= 0.0):
                    raise ValueError(f"SelfPlayConfig.{f.name} must be a finite number >= 0, got {value!r}")
            elif not (isinstance(value, (int, float)) and not isinstance(value, bool)
                      and math.isfinite(value) and 0.0 <= value <= 1.0):
                raise ValueError(f"SelfPlayConfig.{f.name} must be a probability in [0, 1], got {value!r}")
        total = self.snapshot_prob + self.scripted_prob + self.random_prob
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"SelfPlayConfig.random_prob: snapshot_prob + scripted_prob + random_prob must sum to 1,"
                             f" got {total!r}")


def goal_distance(obs, offset: int) -> float:
    """g = |opponent goal centre - ball| / 2L for the observation row starting at `offset`.

    The ball's field-frame position is (obs[13] L, obs[14] W); the opponent goal centre is (L, 0) in
    the field frame of either side."""
    dx = HALF_LENGTH * (1.0 - obs[offset + OBS_BALL_X])
    dy = HALF_WIDTH * obs[offset + OBS_BALL_Y]
    return math.sqrt(dx * dx + dy * dy) / (2.0 * HALF_LENGTH)


def selfplay_win_rates(episodes: list[dict]) -> dict:
    """selfplay/win_rate_vs_<kind>: wins / decided training episodes per opponent kind (None if none)."""
    rates = {}
    for kind in OPPONENT_KINDS:
        outcomes = [episode["outcome"] for episode in episodes if episode["opponent"] == kind]
        decided = sum(outcome != "draw" for outcome in outcomes)
        rates[f"selfplay/win_rate_vs_{kind}"] = outcomes.count("win") / decided if decided else None
    return rates


def snapshot_due(loop, selfplay: SelfPlayConfig) -> bool:
    """Whether the update that just ended adds the learner's params to the pool."""
    return loop.updates > 0 and loop.updates % selfplay.snapshot_every == 0


class Box:
    """The observation space, duck-typed like gymnasium.spaces.Box (shape only)."""

    def __init__(self, shape: tuple):
        self.shape = shape


class Discrete:
    """The action space, duck-typed like gymnasium.spaces.Discrete (n only)."""

    def __init__(self, n: int):
        self.n = n


class SelfPlayEnv:
    """`num_envs` soccer matches; the learner plays one side of each against a drawn opponent."""

    metadata = {"autoreset_mode": "SameStep"}

    def __init__(self, num_envs: int, seed: int = 0, config: SelfPlayConfig | None = None,
                 soccer_config: SoccerConfig | None = None, model_config: ModelConfig | None = None,
                 mlp=PythonMLP):
        self.config = config if config is not None else SelfPlayConfig()
        self.model_config = model_config or ModelConfig(OBSERVATION_SIZE, NUM_ACTIONS)
        if (self.model_config.obs_size, self.model_config.num_actions) != (OBSERVATION_SIZE, NUM_ACTIONS):
            raise ValueError(f"model_config must have obs_size={OBSERVATION_SIZE} and num_actions={NUM_ACTIONS},"
                             f" got {self.model_config.obs_size} and {self.model_config.num_actions}")
        self.batch = EnvBatch(num_envs, seed, soccer_config)
        self.num_envs = num_envs
        self.single_observation_space = Box((OBSERVATION_SIZE,))
        self.single_action_space = Discrete(NUM_ACTIONS)
        self.mlp = mlp
        self.pool = []  # [(version, Policy)], oldest first, at most config.pool_size
        self.finished_episodes = []
        # per env: the learner's side (0 blue, 1 red), the opponent's kind, policy and version
        self.sides = array("b", bytes(num_envs))
        self.kinds = array("b", bytes(num_envs))
        self.opponents = [None] * num_envs
        self.versions = [None] * num_envs
        self.obs = array("f", bytes(4 * num_envs * OBSERVATION_SIZE))
        self.rewards = array("f", bytes(4 * num_envs))
        self.terminations = array("b", bytes(num_envs))
        self.truncations = array("b", bytes(num_envs))
        self.episode_returns = array("d", bytes(8 * num_envs))  # the learner's rewards summed, shaping included
        self._joint_actions = array("i", bytes(4 * 2 * num_envs))
        self._seed_rng(seed)

    def _seed_rng(self, seed: int) -> None:
        self.rng = SplitMix64(SplitMix64(seed).next_u64() ^ SELFPLAY_STREAM)
        self._sampler = SimpleNamespace(random=self.rng.uniform)  # what rl.rollout.sample_actions needs

    def add_snapshot(self, version: int, params: array) -> None:
        """Add a learner snapshot (flat float32 params, rl/model.py layout) to the opponent pool.

        Envs already playing a snapshot that falls out of the pool finish their episode with it."""
        self.pool.append((version, Policy(params, self.model_config, mlp=self.mlp)))
        del self.pool[:-self.config.pool_size]

    def restore_snapshots(self, snapshots: dict) -> list[int]:
        """Start the pool from a restored run's saved snapshots ({version: flat params}): the newest
        pool_size of them, oldest first; nothing when snapshots never play. Returns the versions added."""
        if self.config.snapshot_prob == 0.0:
            return []
        versions = sorted(snapshots)[-self.config.pool_size:]
        for version in versions:
            self.add_snapshot(version, snapshots[version])
        return versions

    def offer_snapshot(self, version: int, params: array) -> bool:
        """Add weights the learner published as `version` to the pool if it is empty or its newest
        snapshot is at least snapshot_every versions older (rl.live.training's rollout workers, which
        see versions, possibly not all of them); nothing when snapshots never play. Returns whether
        it was added."""
        recent = self.pool and version - self.pool[-1][0] < self.config.snapshot_every
        if self.config.snapshot_prob == 0.0 or recent:
            return False
        self.add_snapshot(version, params)
        return True

    def pop_episodes(self) -> list[dict]:
        """The episode dicts finished since the last call (see the module docstring)."""
        episodes, self.finished_episodes = self.finished_episodes, []
        return episodes

    def reset(self, seed: int | None = None, options: dict | None = None) -> tuple[array, dict]:
        """New episodes everywhere; seed None continues every RNG stream, an int restarts them."""
        if seed is not None:
            self._seed_rng(seed)
        self.batch.reset(seed)
        for i in range(self.num_envs):
            self._draw_matchup(i)
            self._copy_learner_obs(i)
        self.rewards[:] = array("f", bytes(4 * self.num_envs))
        self.episode_returns[:] = array("d", bytes(8 * self.num_envs))
        self.terminations[:] = array("b", bytes(self.num_envs))
        self.truncations[:] = array("b", bytes(self.num_envs))
        return self.obs, {}

    def _draw_matchup(self, i: int) -> None:
        """Draw env i's learner side and opponent for the episode that starts now."""
        config = self.config
        self.sides[i] = self.rng.below(2)
        snapshot_prob = config.snapshot_prob if self.pool else 0.0
        total = snapshot_prob + config.scripted_prob + config.random_prob
        if total <= 0.0:
            raise ValueError("SelfPlayConfig.snapshot_prob is the only non-zero probability but the snapshot pool is"
                             " empty: add_snapshot() before reset()")
        u = self.rng.uniform(0.0, total)
        kind = SNAPSHOT if u < snapshot_prob else SCRIPTED if u < snapshot_prob + config.scripted_prob else RANDOM
        self.kinds[i] = kind
        if kind == SNAPSHOT:
            self.versions[i], self.opponents[i] = self.pool[self.rng.below(len(self.pool))]
        else:
            self.versions[i], self.opponents[i] = None, None

    def _copy_learner_obs(self, i: int) -> None:
        row, size = 2 * i + self.sides[i], OBSERVATION_SIZE
        memoryview(self.obs)[i * size : (i + 1) * size] = memoryview(self.batch.obs)[row * size : (row + 1) * size]

    def step(self, actions) -> tuple[array, array, array, array, dict]:
        """One decision everywhere: `actions[i]` is the learner's action in env i (an int in range(30))."""
        if len(actions) != self.num_envs:
            raise ValueError(f"actions must have length num_envs = {self.num_envs}, got {len(actions)}")
        batch, joint, size = self.batch, self._joint_actions, OBSERVATION_SIZE
        batch_obs = batch.obs
        snapshot_rows = {}  # snapshot Policy -> opponent rows it plays this step
        for i in range(self.num_envs):
            side = self.sides[i]
            joint[2 * i + side] = actions[i]
            row = 2 * i + 1 - side
            kind = self.kinds[i]
            if kind == SCRIPTED:
                joint[row] = scripted_action(batch_obs[row * size : (row + 1) * size])
            elif kind == RANDOM:
                joint[row] = self.rng.below(NUM_ACTIONS)
            else:
                snapshot_rows.setdefault(self.opponents[i], []).append(row)
        for snapshot, rows in snapshot_rows.items():
            x = array("f")
            for row in rows:
                x.extend(batch_obs[row * size : (row + 1) * size])
            logits, _ = snapshot.forward(x, len(rows))
            opponent_actions, _ = sample_actions(logits, NUM_ACTIONS, self._sampler)
            for row, action in zip(rows, opponent_actions):
                joint[row] = action
        batch.step(joint)

        infos = {}
        approach, progress = self.config.approach_coef, self.config.progress_coef
        for i in range(self.num_envs):
            side = self.sides[i]
            row = 2 * i + side
            self.terminations[i] = terminated = batch.terminations[i]
            self.truncations[i] = truncated = batch.truncations[i]
            distance = self.obs[i * size + BALL_DISTANCE]  # d(s): self.obs still holds s
            next_obs = batch.final_obs if terminated or truncated else batch_obs
            next_distance = next_obs[row * size + BALL_DISTANCE]
            reward = (batch.rewards[row] + approach * (distance - next_distance)
                      + progress * (goal_distance(self.obs, i * size) - goal_distance(next_obs, row * size)))
            self.rewards[i] = reward
            self.episode_returns[i] += reward
            if terminated or truncated:
                if not infos:
                    infos = {"final_obs": [None] * self.num_envs, "_final_obs": [False] * self.num_envs,
                             "episodes": []}
                infos["final_obs"][i] = batch.final_obs[row * size : (row + 1) * size]
                infos["_final_obs"][i] = True
                episode = self._episode_record(i)
                infos["episodes"].append(episode)
                self.finished_episodes.append(episode)
                self.episode_returns[i] = 0.0
                self._draw_matchup(i)
            self._copy_learner_obs(i)
        return self.obs, self.rewards, self.terminations, self.truncations, infos

    def _episode_record(self, i: int) -> dict:
        side, batch = self.sides[i], self.batch
        goals_for, goals_against = batch.episode_goals[2 * i + side], batch.episode_goals[2 * i + 1 - side]
        return {
            "env": i,
            "return": self.episode_returns[i],
            "length": batch.episode_lengths[i],
            "outcome": "win" if goals_for > goals_against else "loss" if goals_for < goals_against else "draw",
            "goals_for": goals_for,
            "goals_against": goals_against,
            "learner_side": SIDES[side],
            "opponent": OPPONENT_KINDS[self.kinds[i]],
            "opponent_version": self.versions[i],
        }

