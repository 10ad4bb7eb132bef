"""SoccerEnv: the 1v1 "Ball Drill" match as a PettingZoo-parallel-style env."""
import hashlib
import struct
from math import isfinite, sqrt
from operator import index

from .actions import NUM_ACTIONS
from .config import SoccerConfig
from .constants import (
    BALL_MAX_SPEED, BALL_RADIUS, DT, GOAL_DEPTH, GOAL_HALF_WIDTH, HALF_LENGTH, HALF_WIDTH,
    PLAYER_HALF_LENGTH, PLAYER_HALF_WIDTH,
)
from .kickoff import kickoff
from .observation import OBSERVATION_SIZE, PLAYER_SPEED_SCALE, encode_observation
from .physics import BALL, BLUE, COOLDOWN, COS, RED, SIN, advance, new_state
from .rewards import potential
from .rng import SplitMix64

AGENTS = ("blue", "red")
PLAYER_BASE = {"blue": BLUE, "red": RED}
DIGEST_FORMAT = struct.Struct("<4d7dq7dq3qQ")   # ball, blue, red, (tick, blue goals, red goals), rng state


class SoccerEnv:
    """1v1 soccer: two box players and a ball on a walled pitch with goal recesses.

    Blue attacks +x, red attacks -x; observations are egocentric and mirrored,
    so the same policy plays either side (see `sim/observation.py`).

    Spaces (per agent):
        observation: OBSERVATION_SIZE (34) floats, roughly in [-1, 1] (table in sim/observation.py)
        action:      Discrete(30) = move (5) x turn (3) x dash (2) (table in sim/actions.py)

    Rewards (blue's view; red's is exactly the negative, see sim/rewards.py):
        +1 blue scores, -1 red scores, 0 at the timeout, plus the potential-based
        shaping k (gamma Phi(s') - Phi(s)); infos carry both terms separately.

    Episode: a decision holds the actions for `action_repeat` ticks (1/120 s
    each) and stops early on the tick of a goal. With `end_on_goal` the goal
    terminates the episode; otherwise play resumes from a kickoff. The episode
    truncates when `match_seconds` of simulated time have run.

    Seeding: `reset(seed=s)` restarts the env's own SplitMix64 stream from s;
    `reset()` (seed None) continues the stream, so a sequence of resets is
    still reproducible from the constructor's seed.
    """

    metadata = {"name": "ball_drill_v0", "render_modes": []}
    possible_agents = AGENTS
    agents = AGENTS
    num_actions = NUM_ACTIONS
    observation_size = OBSERVATION_SIZE

    def __init__(self, config: SoccerConfig | None = None, seed: int = 0):
        if config is None:
            config = SoccerConfig()
        if not isinstance(config, SoccerConfig):
            raise ValueError(f"config must be a SoccerConfig, got {config!r}")
        self.config = config
        self.action_repeat = config.action_repeat
        self.match_ticks = config.match_ticks
        self._inv_match_ticks = 1.0 / self.match_ticks
        self._state = new_state()
        self._rng = SplitMix64(seed)
        self._start_episode()

    # --- episode ---------------------------------------------------------------
    def _start_episode(self) -> None:
        kickoff(self._state, self._rng, self.config.kickoff_jitter)
        self.tick = 0
        self.score = [0, 0]                      # goals: blue, red
        self.episode_return = 0.0                # blue's summed reward (red's is the negative)
        self.episode_length = 0                  # decisions
        self._potential = potential(self._state)
        self._done = False

    def _decide(self, action_blue: int, action_red: int) -> tuple[int, float, bool, bool]:
        """One decision with validated actions: (goal, shaping, terminated, truncated), blue's view."""
        config = self.config
        ticks_run, goal = advance(self._state, action_blue, action_red,
                                  min(self.action_repeat, self.match_ticks - self.tick))
        self.tick += ticks_run
        terminated = False
        if goal:
            self.score[0 if goal > 0 else 1] += 1
            if config.end_on_goal:
                terminated = True
            else:
                kickoff(self._state, self._rng, config.kickoff_jitter)
        truncated = not terminated and self.tick >= self.match_ticks
        next_potential = 0.0 if terminated else potential(self._state)
        shaping = config.shaping_coef * (config.shaping_gamma * next_potential - self._potential)
        self._potential = next_potential
        self.episode_return += goal + shaping
        self.episode_length += 1
        self._done = terminated or truncated
        return goal, shaping, terminated, truncated

    def _time_left(self) -> float:
        return (self.match_ticks - self.tick) * self._inv_match_ticks

    # --- PettingZoo-parallel API -------------------------------------------------
    def reset(self, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        """Start a new match. `options` is accepted for API compatibility and unused."""
        if seed is not None:
            self._rng = SplitMix64(index(seed))
        self._start_episode()
        return self._observations(), {agent: {} for agent in AGENTS}

    def step(self, actions: dict) -> tuple[dict, dict, dict, dict, dict]:
        """Advance one decision; `actions` maps each agent to an int in range(30)."""
        if self._done:
            raise RuntimeError("the episode is over: call reset() before step()")
        action_blue, action_red = self._check_actions(actions)
        goal, shaping, terminated, truncated = self._decide(action_blue, action_red)
        reward = goal + shaping
        blue_goals, red_goals = self.score
        infos = {
            "blue": {"reward_goal": float(goal), "reward_shaping": shaping,
                     "goals_for": blue_goals, "goals_against": red_goals, "tick": self.tick},
            "red": {"reward_goal": float(-goal), "reward_shaping": -shaping,
                    "goals_for": red_goals, "goals_against": blue_goals, "tick": self.tick},
        }
        return (self._observations(), {"blue": reward, "red": -reward},
                {"blue": terminated, "red": terminated}, {"blue": truncated, "red": truncated}, infos)

    def observe(self, agent: str) -> list:
        """The agent's current observation (list of OBSERVATION_SIZE floats)."""
        return list(encode_observation(self._state, self._side(agent), self._time_left()))

    def _observations(self) -> dict:
        time_left = self._time_left()
        return {"blue": list(encode_observation(self._state, 0, time_left)), "red": list(encode_observation(self._state, 1, time_left))}

    @staticmethod
    def _side(agent) -> int:
        return 0 if SoccerEnv._agent(agent) == "blue" else 1

    @staticmethod
    def _check_actions(actions) -> tuple[int, int]:
        if not hasattr(actions, "keys"):
            raise ValueError(f"actions must be a dict {{agent: int}}, got {actions!r}")
        for agent in actions.keys():
            if agent not in PLAYER_BASE:
                raise ValueError(f"unknown agent {agent!r} in actions; agents are {AGENTS}")
        checked = []
        for agent in AGENTS:
            if agent not in actions:
                raise ValueError(f"no action for agent {agent!r}")
            value = actions[agent]
            try:
                action = index(value)
            except TypeError:
                raise ValueError(f"action for agent {agent!r} must be an int, got {value!r}") from None
            if isinstance(value, bool) or not 0 <= action < NUM_ACTIONS:
                raise ValueError(f"action for agent {agent!r} must be in range({NUM_ACTIONS}), got {value!r}")
            checked.append(action)
        return checked[0], checked[1]

    # --- state access --------------------------------------------------------------
    def state_digest(self) -> str:
        """SHA-256 hex digest of the complete state: bodies, tick, score, RNG."""
        packed = DIGEST_FORMAT.pack(*self._state, self.tick, self.score[0], self.score[1], self._rng.state)
        return hashlib.sha256(packed).hexdigest()

    def observation_inputs(self) -> tuple[tuple, float]:
        """(state, time_left): the 20 body floats (ball, blue, red in sim/physics.py's layout) and the
        fraction of the match left, what `encode_observation` reads (app/value_field.py's grid)."""
        return tuple(self._state), self._time_left()

    def snapshot(self) -> dict:
        """What a renderer needs, world frame, SI units (cheap; interpolate between two).

        {"tick": int, "time": s, "score": (blue, red),
         "ball": (x, y, vx, vy),
         "blue"/"red": (x, y, cos, sin, vx, vy, omega, dash_cooldown_s)}
        """
        s = self._state
        return {
            "tick": self.tick,
            "time": self.tick * DT,
            "score": (self.score[0], self.score[1]),
            "ball": (s[0], s[1], s[2], s[3]),
            "blue": (s[4], s[5], s[8], s[9], s[6], s[7], s[10], s[11] * DT),
            "red": (s[12], s[13], s[16], s[17], s[14], s[15], s[18], s[19] * DT),
        }

    # --- interaction hooks (between decisions) -------------------------------------------
    def place_ball(self, x: float, y: float, vx: float = 0.0, vy: float = 0.0) -> None:
        """Put the ball at (x, y) m with velocity (vx, vy) m/s.

        The position is clamped inside the pitch (the goal recess counts when
        |y| <= G - r) and the speed to BALL_MAX_SPEED; NaN/inf raise ValueError.
        """
        x, y, vx, vy = (_finite("ball", name, value) for name, value in (("x", x), ("y", y), ("vx", vx), ("vy", vy)))
        y = _clamp(y, HALF_WIDTH - BALL_RADIUS)
        inside_mouth = abs(y) <= GOAL_HALF_WIDTH - BALL_RADIUS
        x = _clamp(x, HALF_LENGTH + GOAL_DEPTH - BALL_RADIUS if inside_mouth else HALF_LENGTH - BALL_RADIUS)
        vx, vy = _cap_speed(vx, vy, BALL_MAX_SPEED)
        self._state[BALL:BALL + 4] = [x, y, vx, vy]
        self._potential = potential(self._state)

    def place_player(self, agent: str, x: float, y: float, heading=None, vx: float = 0.0, vy: float = 0.0) -> None:
        """Put a player at (x, y) m, optionally facing `heading` (a direction vector
        (hx, hy), normalised here; None keeps the current one), moving at (vx, vy) m/s
        (speed capped at 8 m/s, a dashing player's) and not turning. The box is clamped inside the pitch; NaN/inf, a zero
        heading or an unknown agent raise ValueError."""
        base = PLAYER_BASE[self._agent(agent)]
        x, y, vx, vy = (_finite(agent, name, value) for name, value in (("x", x), ("y", y), ("vx", vx), ("vy", vy)))
        if heading is None:
            c, s = self._state[base + COS], self._state[base + SIN]
        else:
            try:
                hx, hy = heading
            except (TypeError, ValueError):
                raise ValueError(f"heading for {agent!r} must be a pair (hx, hy), got {heading!r}") from None
            hx, hy = _finite(agent, "heading x", hx), _finite(agent, "heading y", hy)
            norm = sqrt(hx * hx + hy * hy)
            if norm == 0.0:
                raise ValueError(f"heading for {agent!r} must be a non-zero vector, got {heading!r}")
            c, s = hx / norm, hy / norm
        extent_x = PLAYER_HALF_LENGTH * abs(c) + PLAYER_HALF_WIDTH * abs(s)
        extent_y = PLAYER_HALF_LENGTH * abs(s) + PLAYER_HALF_WIDTH * abs(c)
        x = _clamp(x, HALF_LENGTH - extent_x)
        y = _clamp(y, HALF_WIDTH - extent_y)
        vx, vy = _cap_speed(vx, vy, PLAYER_SPEED_SCALE)
        cooldown = self._state[base + COOLDOWN]
        self._state[base:base + 8] = [x, y, vx, vy, c, s, 0.0, cooldown]

    @staticmethod
    def _agent(agent) -> str:
        if agent not in PLAYER_BASE:
            raise ValueError(f"unknown agent {agent!r}; agents are {AGENTS}")
        return agent


def _finite(who: str, name: str, value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} for {who!r} must be a number, got {value!r}") from None
    if not isfinite(number):
        raise ValueError(f"{name} for {who!r} must be finite, got {value!r}")
    return number


def _clamp(value: float, limit: float) -> float:
    return -limit if value < -limit else (limit if value > limit else value)


def _cap_speed(vx: float, vy: float, max_speed: float) -> tuple[float, float]:
    speed = sqrt(vx * vx + vy * vy)
    if speed > max_speed:
        return vx * (max_speed / speed), vy * (max_speed / speed)
    return vx, vy
