"""EnvBatch: E soccer matches stepped together into flat buffers (the rollout hot path)."""
import struct
from array import array

from .actions import NUM_ACTIONS
from .config import SoccerConfig
from .env import SoccerEnv
from .observation import OBSERVATION_SIZE, encode_observation
from .rng import SplitMix64


def env_seeds(seed: int, num_envs: int) -> list:
    """Env i's seed: the i-th 64-bit output of SplitMix64(seed)."""
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"seed must be an int, got {seed!r}")
    master = SplitMix64(seed)
    return [master.next_u64() for _ in range(num_envs)]


class EnvBatch:
    """`num_envs` independent SoccerEnvs, both players of each driven by the caller.

    Buffers (rows: 2*i = env i's blue player, 2*i+1 = its red player; written in place):
        obs            array('f'), 2*num_envs*observation_size: current observation per row
        rewards        array('f'), 2*num_envs: reward of the last step (red = -blue)
        terminations   array('b'), num_envs: 1 if env i's episode ended by a goal (end_on_goal)
        truncations    array('b'), num_envs: 1 if env i's match time ran out
        final_obs      array('f'), like obs: the terminal observation, valid only in rows
                       of envs with terminations or truncations set this step
        episode_returns array('f'), 2*num_envs: summed rewards of the episode that just ended
        episode_lengths array('i'), num_envs: its length in decisions
        episode_goals  array('i'), 2*num_envs: its goals scored by blue / by red
                       (the episode_* buffers are valid only for envs that ended this step)

    Auto-reset is SAME_STEP: when an episode ends inside `step`, its terminal
    observation goes to `final_obs`, the env restarts at once from a kickoff
    drawn from its own RNG, `obs` holds the new episode's first observation,
    and `rewards` holds the terminal rewards. Nothing is ever skipped, so a
    learner bootstraps from V(final_obs) on truncation and uses 0 on
    termination.

    Seeding: env i gets the i-th 64-bit draw of SplitMix64(seed); so
    `EnvBatch(n, seed=s)` and `reset(seed=s)` give identical matches, and the
    envs of one batch never share a stream.
    """

    num_actions = NUM_ACTIONS
    observation_size = OBSERVATION_SIZE

    def __init__(self, num_envs: int, seed: int = 0, config: SoccerConfig | None = None):
        if not (isinstance(num_envs, int) and not isinstance(num_envs, bool) and num_envs >= 1):
            raise ValueError(f"num_envs must be an int >= 1, got {num_envs!r}")
        self.num_envs = num_envs
        self.config = config if config is not None else SoccerConfig()
        self.envs = [SoccerEnv(self.config, env_seed) for env_seed in env_seeds(seed, num_envs)]
        rows = 2 * num_envs
        self.obs = array("f", bytes(4 * rows * OBSERVATION_SIZE))
        self.final_obs = array("f", bytes(4 * rows * OBSERVATION_SIZE))
        self.rewards = array("f", bytes(4 * rows))
        self.terminations = array("b", bytes(num_envs))
        self.truncations = array("b", bytes(num_envs))
        self.episode_returns = array("f", bytes(4 * rows))
        self.episode_lengths = array("i", bytes(4 * num_envs))
        self.episode_goals = array("i", bytes(4 * rows))
        self._pack_row = struct.Struct(f"={OBSERVATION_SIZE}f").pack_into
        self._write_all_obs()

    def reset(self, seed: int | None = None) -> array:
        """Start a new episode in every env and fill `obs`; returns `obs`.

        seed None continues each env's own RNG stream; an int reseeds every env
        exactly as the constructor does."""
        if seed is None:
            for env in self.envs:
                env._start_episode()
        else:
            for env, env_seed in zip(self.envs, env_seeds(seed, self.num_envs)):
                env.reset(seed=env_seed)
        self.rewards[:] = array("f", bytes(4 * 2 * self.num_envs))
        self.terminations[:] = array("b", bytes(self.num_envs))
        self.truncations[:] = array("b", bytes(self.num_envs))
        self._write_all_obs()
        return self.obs

    def step(self, actions) -> None:
        """One decision in every env; `actions[2*i]` is env i's blue action, `actions[2*i+1]` its red."""
        if len(actions) != 2 * self.num_envs:
            raise ValueError(f"actions must have length 2*num_envs = {2 * self.num_envs}, got {len(actions)}")
        obs, final_obs, rewards = self.obs, self.final_obs, self.rewards
        terminations, truncations = self.terminations, self.truncations
        pack_row = self._pack_row
        row_bytes = 4 * OBSERVATION_SIZE
        for i, env in enumerate(self.envs):
            action_blue = actions[2 * i]
            action_red = actions[2 * i + 1]
            if not (0 <= action_blue < NUM_ACTIONS and 0 <= action_red < NUM_ACTIONS):
                bad = ("blue", action_blue) if not 0 <= action_blue < NUM_ACTIONS else ("red", action_red)
                raise ValueError(f"env {i}: action for agent {bad[0]!r} must be in range({NUM_ACTIONS}), got {bad[1]!r}")
            goal, shaping, terminated, truncated = env._decide(action_blue, action_red)
            reward = goal + shaping
            rewards[2 * i] = reward
            rewards[2 * i + 1] = -reward
            terminations[i] = terminated
            truncations[i] = truncated
            state = env._state
            offset = 2 * i * row_bytes
            if terminated or truncated:
                time_left = env._time_left()
                pack_row(final_obs, offset, *encode_observation(state, 0, time_left))
                pack_row(final_obs, offset + row_bytes, *encode_observation(state, 1, time_left))
                self.episode_returns[2 * i] = env.episode_return
                self.episode_returns[2 * i + 1] = -env.episode_return
                self.episode_lengths[i] = env.episode_length
                self.episode_goals[2 * i] = env.score[0]
                self.episode_goals[2 * i + 1] = env.score[1]
                env._start_episode()
            time_left = env._time_left()
            pack_row(obs, offset, *encode_observation(state, 0, time_left))
            pack_row(obs, offset + row_bytes, *encode_observation(state, 1, time_left))

    def _write_all_obs(self) -> None:
        row_bytes = 4 * OBSERVATION_SIZE
        for i, env in enumerate(self.envs):
            time_left = env._time_left()
            self._pack_row(self.obs, 2 * i * row_bytes, *encode_observation(env._state, 0, time_left))
            self._pack_row(self.obs, (2 * i + 1) * row_bytes, *encode_observation(env._state, 1, time_left))
