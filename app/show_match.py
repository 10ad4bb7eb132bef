"""The on-screen match: a fixed 120 Hz simulation behind a wall-clock accumulator.

This file is pure Python (no browser APIs), so its timing and control logic
is tested in CPython; `app/page.py` feeds it wall-clock time and draws it,
`app/controls.py` feeds it input.

    accumulator += wall_seconds * speed
    while accumulator >= DT:          # DT = 1/120 s
        previous = current; tick(); accumulator -= DT
    draw(interpolate(previous, current, alpha = accumulator / DT))

Policies decide every `decision_ticks` ticks (the training env's
`action_repeat`) and the decision is held in between, exactly as in training.
The show env is never a rollout source: nothing here writes training data.

Network players' decisions (app/network_player.py's `Decision`: the
probabilities, the value and the action of one forward) are kept for the
overlays: `decisions[side]` is the current one, and once the next decision's
value arrives, the finished one's advantage is

    advantages[side] = r + gamma * V(s') - V(s)

with r the show env's rewards summed over the ticks the action was held (the
show env steps one tick at a time, so its shaping term is per tick) and gamma
the player's. A reset, a kickoff after the match ran out, a Sandbox drop or a
new player on the side forgets them: s' would not follow from s.

What-if: each Sandbox drop (every pointer move of a drag, before letting go)
puts in `decisions` what each network player would decide in the new state
(`NetworkPlayer.what_if`, one forward, `acted` False): the intent glyphs show
it at once. The action held until the next decision is unchanged, and no
advantage is computed from a what-if.
"""

from dataclasses import dataclass
from math import isfinite, sqrt

from app.human_input import MOVEMENTS, human_action
from app.network_player import NetworkPlayer
from sim import AGENTS, RandomPolicy, ScriptedPolicy, SoccerConfig, SoccerEnv
from sim.constants import DT

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
MODES = ("ai-vs-ai", "human-vs-ai", "sandbox")
MAX_SEED = 2**32 - 1
MAX_FRAME_SECONDS = 0.25        # a stalled tab does not make the match sprint to catch up
HUMAN_AGENT = "blue"
HUMAN_LABEL = "you"             # the scoreboard's name for the side a person plays


@dataclass
class ShowMatchConfig:
    seed: int = 1
    """Seed of the first kickoff; Reset can keep or change it (0 .. 2^32-1)."""
    match_seconds: float = 60.0
    """Length of one match; a new one starts when it runs out."""
    decision_ticks: int = SoccerConfig().action_repeat
    """Physics ticks a policy decision is held for (the training env's action_repeat)."""


def parse_seed(text) -> int:
    """A seed typed by a person -> int, or ValueError saying what is wrong."""
    value = str(text).strip()
    if not value.isdigit() or int(value) > MAX_SEED:
        raise ValueError(f"the seed must be a whole number from 0 to {MAX_SEED}, got {value!r}")
    return int(value)


class ShowMatch:
    def __init__(self, config: ShowMatchConfig | None = None):
        self.config = config or ShowMatchConfig()
        self.env = SoccerEnv(SoccerConfig(match_seconds=self.config.match_seconds, action_repeat=1,
                                          end_on_goal=False), seed=self.config.seed)
        self.policies = {"blue": ScriptedPolicy(), "red": ScriptedPolicy()}
        self.labels = {"blue": "scripted", "red": "scripted"}
        self.mode = "ai-vs-ai"
        self.speed = 1.0
        self.playing = True
        self.human_keys: set[str] = set()         # held keys (app/human_input.py's HUMAN_KEYS)
        self.human_stick = None                   # the touch stick's world direction, None when untouched
        self.human_dash = False                   # the touch dash button is held
        self.movement = "screen"                  # how keys move the player (app/human_input.py's MOVEMENTS)
        self.decisions, self.advantages = {}, {}    # side -> Decision / float (module docstring)
        self.reset(self.config.seed)

    # --- controls --------------------------------------------------------------------
    def reset(self, seed: int) -> None:
        """New kickoff from `seed`; the same seed replays the same match."""
        if not (isinstance(seed, int) and 0 <= seed <= MAX_SEED):
            raise ValueError(f"seed must be an int from 0 to {MAX_SEED}, got {seed!r}")
        self.seed = seed
        self.observations, _ = self.env.reset(seed=seed)
        self.forget_decisions()
        for side in AGENTS:
            if isinstance(self.policies[side], RandomPolicy):
                self.policies[side] = RandomPolicy(seed + (side == "red"))
        self.ticks = 0
        self.accumulator = 0.0
        self.actions = {side: 0 for side in AGENTS}
        self.previous = self.current = self.env.snapshot()

    def forget_decisions(self, side: str | None = None) -> None:
        """Drop the kept decisions and advantages of `side` (None: both sides)."""
        for name in AGENTS if side is None else (side,):
            self.decisions.pop(name, None)
            self.advantages.pop(name, None)

    def set_speed(self, speed: float) -> None:
        if speed not in SPEEDS:
            raise ValueError(f"speed must be one of {', '.join(f'{s}x' for s in SPEEDS)}, got {speed!r}")
        self.speed = speed

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        self.mode = mode
        self.release_human_input()

    def set_movement(self, movement: str) -> None:
        """How keys move the person's player: "screen" (W is up) or "heading" (W is forward); app/human_input.py."""
        if movement not in MOVEMENTS:
            raise ValueError(f"movement must be one of {', '.join(MOVEMENTS)}, got {movement!r}")
        self.movement = movement

    def release_human_input(self) -> None:
        """Let go of every key, the stick and the dash button (a mode change, the window losing focus)."""
        self.human_keys.clear()
        self.human_stick, self.human_dash = None, False

    def shown_label(self, side: str) -> str:
        """The scoreboard's name for who plays `side`: "you" for the person's side in Human vs AI."""
        return HUMAN_LABEL if self.mode == "human-vs-ai" and side == HUMAN_AGENT else self.labels[side]

    def set_policy(self, side: str, policy, label: str) -> None:
        """Give `side` a policy (anything with `act(obs) -> int`) and its on-pitch label."""
        if side not in AGENTS:
            raise ValueError(f"side must be 'blue' or 'red', got {side!r}")
        self.policies[side], self.labels[side] = policy, label
        self.forget_decisions(side)

    def set_baseline(self, side: str, name: str) -> None:
        """`name`: "scripted" or "random"."""
        if name == "scripted":
            self.set_policy(side, ScriptedPolicy(), "scripted")
        elif name == "random":
            self.set_policy(side, RandomPolicy(self.seed + (side == "red")), "random")
        else:
            raise ValueError(f"baseline must be 'scripted' or 'random', got {name!r}")

    # --- time ---------------------------------------------------------------------------
    def advance(self, wall_seconds: float, max_ticks: int | None = None) -> int:
        """Run the ticks that `wall_seconds` of real time buy at the current speed.

        Returns the number of ticks run. `max_ticks` bounds the work of one
        call (the page's fast mode passes a budget instead of a speed).
        """
        if not self.playing:
            return 0
        if not (isfinite(wall_seconds) and wall_seconds >= 0):
            raise ValueError(f"wall_seconds must be a finite number >= 0, got {wall_seconds!r}")
        self.accumulator += min(wall_seconds, MAX_FRAME_SECONDS) * self.speed
        ran = 0
        while self.accumulator >= DT and (max_ticks is None or ran < max_ticks):
            self.tick()
            self.accumulator -= DT
            ran += 1
        if max_ticks is not None:
            self.accumulator = min(self.accumulator, DT)
        return ran

    def step_decision(self) -> None:
        """Advance exactly one decision (`decision_ticks` ticks); for Step while paused."""
        for _ in range(self.config.decision_ticks):
            self.tick()
        self.accumulator = 0.0
        self.previous = self.current

    def tick(self) -> None:
        """One physics tick; policies are asked at the start of each decision."""
        if self.ticks % self.config.decision_ticks == 0:
            self.actions = {side: self.choose(side) for side in AGENTS}
        self.previous = self.current
        self.observations, rewards, _, truncations, _ = self.env.step(self.actions)
        for side, decision in self.decisions.items():
            decision.reward += rewards[side]
        if truncations["blue"]:
            self.observations, _ = self.env.reset()
            self.forget_decisions()
        self.ticks += 1
        self.current = self.env.snapshot()

    def choose(self, side: str) -> int:
        player = self.policies[side]
        if self.mode == "human-vs-ai" and side == HUMAN_AGENT:
            self.forget_decisions(side)
            return human_action(self.human_keys, self.current[side][2:4], self.movement,
                                self.human_stick, self.human_dash)
        if not isinstance(player, NetworkPlayer):
            return player.act(self.observations[side])
        decision = player.decide(self.observations[side])
        finished = self.decisions.get(side)
        if finished is not None and finished.acted:
            self.advantages[side] = finished.reward + player.gamma * decision.value - finished.value
        self.decisions[side] = decision
        return decision.action

    # --- sandbox -------------------------------------------------------------------------
    def drop(self, body: str, x: float, y: float, vx: float = 0.0, vy: float = 0.0) -> None:
        """Sandbox: put the ball or a player where the person dropped it.

        Raises ValueError (naming the value) for NaN/inf; the match state is
        untouched then. Positions outside the pitch are clamped inside it.
        """
        if self.mode != "sandbox":
            raise ValueError("dragging works in Sandbox mode only")
        if body == "ball":
            self.env.place_ball(x, y, vx, vy)
        else:
            self.env.place_player(body, x, y, vx=vx, vy=vy)
        self.forget_decisions()
        self.observations = {side: self.env.observe(side) for side in AGENTS}
        self.previous = self.current = self.env.snapshot()
        for side in AGENTS:
            if isinstance(self.policies[side], NetworkPlayer):
                self.decisions[side] = self.policies[side].what_if(self.observations[side])

    def body_at(self, x: float, y: float, reach: float = 0.6) -> str | None:
        """Which body (ball, blue, red) is within `reach` metres of (x, y), nearest first."""
        distances = []
        for body in ("ball", "blue", "red"):
            bx, by = self.current[body][0], self.current[body][1]
            distance = sqrt((bx - x) ** 2 + (by - y) ** 2)
            if distance <= reach:
                distances.append((distance, body))
        return min(distances)[1] if distances else None

    # --- drawing -------------------------------------------------------------------------
    def view(self) -> dict:
        """The state to draw: previous and current ticks blended by the accumulator."""
        alpha = min(1.0, self.accumulator / DT)
        a, b = self.previous, self.current
        view = dict(b)
        view["ball"] = _lerp(a["ball"], b["ball"], alpha)
        for side in AGENTS:
            body = _lerp(a[side], b[side], alpha)
            norm = sqrt(body[2] * body[2] + body[3] * body[3]) or 1.0
            view[side] = (body[0], body[1], body[2] / norm, body[3] / norm, *body[4:])
        return view


def _lerp(a, b, t):
    return tuple(x + (y - x) * t for x, y in zip(a, b))
