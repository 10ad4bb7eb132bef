"""WgslEnvBatch: sim.EnvBatch on the GPU, float32, in both hosts.

    batch = await WgslEnvBatch.create(num_envs, seed=0, config=None)
    await batch.step(actions)          # then batch.obs, batch.rewards, ... as EnvBatch's
    results = await batch.play(1800)   # 1800 decisions by the in-kernel players, one submit

Every method that touches the GPU is a coroutine, in CPython (wgpu-py) and in
the browser (navigator.gpu, whose readback is asynchronous) alike: one calling
convention for both hosts. The buffers have EnvBatch's names, types and
meaning (rows 2i = env i's blue player, 2i + 1 its red) and are written in
place after each `step`/`reset`; auto-reset is EnvBatch's SAME_STEP rule.
Added:
    ball_approach  array('f'), 2E: d(s) - d(s'), d = |ball - own position| / 2L
    ball_progress  array('f'), 2E: g(s) - g(s'), g = |opponent goal centre - ball| / 2L
                   (rl/soccer/selfplay.py's closing-speed and ball-progress terms before their
                   coefficients; s' is the final state when the episode ended)
    actions_played array('i'), 2E: the action each row played (scripted/random rows included)

Who plays each row is the controller (sim/wgsl/layout.py's CONTROLLERS):
"actions" (default: the `actions` passed to `step`, or what a GPU forward
writes into `actions_buffer`), "scripted" or "random", all inside the kernel.

The physics state is float32 and each env draws from its own counter-based
stream (shaders/soccer_sim.wgsl), so matches follow the same rules and
distributions as EnvBatch's but are not bit-identical to them; to compare the
two engines, put both in the same state with `place_ball`/`place_player`
(SoccerEnv's semantics; the clamping is SoccerEnv's own code, run in float64
before the result is rounded to float32).
"""

from array import array
from math import ceil
from operator import index

import gpu
from gpu import BufferUsage

from ..actions import NUM_ACTIONS
from ..batch import env_seeds
from ..config import SoccerConfig
from ..constants import DT
from ..env import AGENTS, PLAYER_BASE, SoccerEnv
from ..observation import OBSERVATION_SIZE
from ..physics import BALL, COS, STATE_SIZE
from ..rewards import potential
from .layout import (CONTROLLERS, COUNTERS, ENV_FLOATS, OUTPUT_FLOATS_PER_ENV, OUTPUT_SECTIONS, POTENTIAL_SLOT,
                     TALLIES, WORKGROUP_SIZE)
from .source import soccer_source

DECISIONS_PER_DISPATCH = 60      # play(): 2 s of match per dispatch keeps each dispatch short on a real GPU
STORAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST
PLACED_PLAYER_FLOATS = 7         # x, y, vx, vy, cos, sin, omega: what place_player writes (cooldown kept)


class WgslEnvBatch:
    """`num_envs` soccer matches stepped by one WGSL kernel; build with `await WgslEnvBatch.create(...)`."""

    num_actions = NUM_ACTIONS
    observation_size = OBSERVATION_SIZE

    def __init__(self, device, pipeline, num_envs: int, config: SoccerConfig):
        """Allocates the buffers; `create` is the constructor to call (it also seeds and resets)."""
        self.device, self.pipeline = device, pipeline
        self.num_envs, self.config = num_envs, config
        rows = 2 * num_envs
        self.state_buffer = device.create_buffer(size=4 * ENV_FLOATS * num_envs, usage=STORAGE, label="sim state")
        self.counters_buffer = device.create_buffer(size=4 * len(COUNTERS) * num_envs, usage=STORAGE,
                                                    label="sim counters")
        self.actions_buffer = device.create_buffer(size=4 * rows, usage=STORAGE, label="sim actions")
        self.controllers_buffer = device.create_buffer(size=4 * rows, usage=STORAGE, label="sim controllers")
        self.outputs_buffer = device.create_buffer(size=4 * OUTPUT_FLOATS_PER_ENV * num_envs, usage=STORAGE,
                                                   label="sim outputs")
        self.tallies_buffer = device.create_buffer(size=4 * len(TALLIES) * num_envs, usage=STORAGE,
                                                   label="sim tallies")
        self._dispatches = {}   # (decisions, restart) -> (uniform buffer, bind group)
        for name, width, typecode in OUTPUT_SECTIONS:
            setattr(self, name, array(typecode, bytes(array(typecode).itemsize * width * num_envs)))
        self._scratch = SoccerEnv(config)   # runs SoccerEnv's own placement rules in float64

    @classmethod
    async def create(cls, num_envs: int, seed: int = 0, config: SoccerConfig | None = None,
                     device=None) -> "WgslEnvBatch":
        """Compile the kernel for `config`, seed env i with EnvBatch's i-th seed and start every episode.

        `device` is a `gpu.request_device()` device; None opens one."""
        if not (isinstance(num_envs, int) and not isinstance(num_envs, bool) and num_envs >= 1):
            raise ValueError(f"num_envs must be an int >= 1, got {num_envs!r}")
        config = config if config is not None else SoccerConfig()
        if not isinstance(config, SoccerConfig):
            raise ValueError(f"config must be a SoccerConfig, got {config!r}")
        seeds = env_seeds(seed, num_envs)
        device = device if device is not None else await gpu.request_device(label="soccer sim")
        batch = cls(device, await cls._pipeline(device, config), num_envs, config)
        batch._write_seeds(seeds)
        await batch._restart()
        return batch

    @classmethod
    async def _pipeline(cls, device, config: SoccerConfig):
        """The kernel for `config` on `device`, compiled once per pair (seconds on a software adapter)."""
        async def build():
            async with device.error_scope("building the soccer sim kernel"):
                module = device.create_shader_module(code=soccer_source(config), label="soccer sim")
                return device.create_compute_pipeline(
                    layout="auto", compute={"module": module, "entry_point": "main"}, label="soccer sim")

        return await gpu.compiled_once(device, ("soccer sim", config), build)

    # --- episodes -------------------------------------------------------------------
    async def reset(self, seed: int | None = None) -> array:
        """Start a new episode in every env and fill `obs`; returns `obs`.

        seed None continues each env's own stream; an int reseeds every env as `create` does."""
        if seed is not None:
            self._write_seeds(env_seeds(seed, self.num_envs))
        await self._restart()
        return self.obs

    async def step(self, actions) -> None:
        """One decision in every env; `actions[2*i]` is env i's blue action, `actions[2*i+1]` its red
        (read for the rows whose controller is "actions"; every entry must be valid)."""
        self.device.queue.write_buffer(self.actions_buffer, 0, self._checked_actions(actions))
        self._submit([(1, 0)])
        await self._read_outputs()

    async def play(self, decisions: int) -> dict:
        """`decisions` decisions in every env in one submission, each row played by its controller
        ("actions" rows repeat the last actions given). Returns the results of the episodes that
        ended meanwhile, per env: {name: array('I') of num_envs} for the names in TALLIES
        ("episodes", "blue_wins", "draws", "red_wins", "blue_goals", "red_goals").
        Afterwards the buffers describe the last decision."""
        if not (isinstance(decisions, int) and not isinstance(decisions, bool) and decisions >= 1):
            raise ValueError(f"decisions must be an int >= 1, got {decisions!r}")
        self.device.queue.write_buffer(self.tallies_buffer, 0, bytes(4 * len(TALLIES) * self.num_envs))
        full, rest = divmod(decisions, DECISIONS_PER_DISPATCH)
        self._submit([(DECISIONS_PER_DISPATCH, 0)] * full + ([(rest, 0)] if rest else []))
        await self._read_outputs()
        counts = array("I", await self.device.read_buffer(self.tallies_buffer))
        return {name: counts[k::len(TALLIES)] for k, name in enumerate(TALLIES)}

    def record_step(self, compute_pass) -> None:
        """Record one decision in every env into the caller's compute pass (no readback): for a GPU
        pipeline that writes `actions_buffer` before and reads `outputs_buffer` after, in one submission."""
        compute_pass.set_pipeline(self.pipeline)
        compute_pass.set_bind_group(0, self._dispatch(1, 0))
        compute_pass.dispatch_workgroups(ceil(self.num_envs / WORKGROUP_SIZE))

    def set_controllers(self, controllers) -> None:
        """Who plays each of the 2E rows: a name in CONTROLLERS ("actions", "scripted", "random")."""
        if len(controllers) != 2 * self.num_envs:
            raise ValueError(f"controllers must have length 2*num_envs = {2 * self.num_envs}, got {len(controllers)}")
        codes = array("I", bytes(4 * len(controllers)))
        for row, name in enumerate(controllers):
            if name not in CONTROLLERS:
                raise ValueError(f"row {row}: controller must be one of {CONTROLLERS}, got {name!r}")
            codes[row] = CONTROLLERS.index(name)
        self.device.queue.write_buffer(self.controllers_buffer, 0, codes)

    # --- state access ------------------------------------------------------------------
    async def states(self) -> array:
        """Every env's physics state, array('f') of num_envs * 20 in sim/physics.py's layout."""
        floats = array("f", await self.device.read_buffer(self.state_buffer))
        states = array("f")
        for env in range(self.num_envs):
            states.extend(floats[env * ENV_FLOATS:env * ENV_FLOATS + STATE_SIZE])
        return states

    async def snapshot(self, env: int) -> dict:
        """SoccerEnv.snapshot() of env `env`: world frame, SI units, as Python floats."""
        self._check_env(env)
        s = array("f", await self.device.read_buffer(self.state_buffer, 4 * ENV_FLOATS * env, 4 * ENV_FLOATS))
        counts = array("I", await self.device.read_buffer(self.counters_buffer, 4 * len(COUNTERS) * env,
                                                          4 * len(COUNTERS)))
        tick = counts[COUNTERS.index("tick")]
        return {
            "tick": tick,
            "time": tick * DT,
            "score": (counts[COUNTERS.index("blue_goals")], counts[COUNTERS.index("red_goals")]),
            "ball": (s[0], s[1], s[2], s[3]),
            "blue": (s[4], s[5], s[8], s[9], s[6], s[7], s[10], s[11] * DT),
            "red": (s[12], s[13], s[16], s[17], s[14], s[15], s[18], s[19] * DT),
        }

    async def place_ball(self, env: int, x: float, y: float, vx: float = 0.0, vy: float = 0.0) -> None:
        """SoccerEnv.place_ball in env `env` (clamped inside the pitch, speed capped, Phi re-based)."""
        self._check_env(env)
        scratch = self._scratch
        scratch.place_ball(x, y, vx, vy)
        base = 4 * ENV_FLOATS * env
        self.device.queue.write_buffer(self.state_buffer, base + 4 * BALL, array("f", scratch._state[BALL:BALL + 4]))
        self.device.queue.write_buffer(self.state_buffer, base + 4 * POTENTIAL_SLOT,
                                       array("f", [potential(scratch._state)]))

    async def place_player(self, env: int, agent: str, x: float, y: float, heading=None, vx: float = 0.0,
                           vy: float = 0.0) -> None:
        """SoccerEnv.place_player in env `env`: heading (hx, hy) or None to keep the current one,
        box clamped inside the pitch, speed capped at 8 m/s, omega 0, dash cooldown kept."""
        self._check_env(env)
        scratch = self._scratch
        base = PLAYER_BASE[SoccerEnv._agent(agent)]
        start = 4 * (ENV_FLOATS * env + base)
        if heading is None:   # keep the GPU's heading exactly, as SoccerEnv keeps its own
            current = array("f", await self.device.read_buffer(self.state_buffer, start + 4 * COS, 8))
            scratch._state[base + COS:base + COS + 2] = current.tolist()
        scratch.place_player(agent, x, y, heading, vx, vy)
        self.device.queue.write_buffer(self.state_buffer, start,
                                       array("f", scratch._state[base:base + PLACED_PLAYER_FLOATS]))

    def destroy(self) -> None:
        """Free the GPU buffers (the device stays the caller's)."""
        for buffer in (self.state_buffer, self.counters_buffer, self.actions_buffer, self.controllers_buffer,
                       self.outputs_buffer, self.tallies_buffer, *(u for u, _ in self._dispatches.values())):
            buffer.destroy()

    # --- internals ------------------------------------------------------------------------
    def _check_env(self, env) -> None:
        if not (isinstance(env, int) and not isinstance(env, bool) and 0 <= env < self.num_envs):
            raise ValueError(f"env must be an int in range({self.num_envs}), got {env!r}")

    def _checked_actions(self, actions) -> array:
        if len(actions) != 2 * self.num_envs:
            raise ValueError(f"actions must have length 2*num_envs = {2 * self.num_envs}, got {len(actions)}")
        try:
            checked = array("i", actions)
        except (TypeError, OverflowError):
            checked = None
        if checked is None or min(checked) < 0 or max(checked) >= NUM_ACTIONS:
            for row, action in enumerate(actions):
                try:
                    valid = 0 <= index(action) < NUM_ACTIONS
                except TypeError:
                    valid = False
                if not valid:
                    raise ValueError(f"env {row // 2}: action for agent {AGENTS[row % 2]!r} must be an int in "
                                     f"range({NUM_ACTIONS}), got {action!r}")
        return checked

    def _write_seeds(self, seeds: list) -> None:
        counters = array("I", bytes(4 * len(COUNTERS) * self.num_envs))
        for env, seed in enumerate(seeds):
            counters[len(COUNTERS) * env] = seed & 0xFFFFFFFF
            counters[len(COUNTERS) * env + 1] = seed >> 32
        self.device.queue.write_buffer(self.counters_buffer, 0, counters)

    async def _restart(self) -> None:
        self._submit([(0, 1)])
        await self._read_outputs()
        for name in ("rewards", "terminations", "truncations"):
            buffer = getattr(self, name)
            buffer[:] = array(buffer.typecode, bytes(len(buffer) * buffer.itemsize))

    def _dispatch(self, decisions: int, restart: int):
        """The bind group whose uniform says (num_envs, decisions, restart); built once per pair."""
        key = (decisions, restart)
        if key not in self._dispatches:
            uniform = self.device.create_buffer(size=16, usage=BufferUsage.UNIFORM | BufferUsage.COPY_DST,
                                                label="sim params")
            self.device.queue.write_buffer(uniform, 0, array("I", [self.num_envs, decisions, restart, 0]))
            buffers = (uniform, self.state_buffer, self.counters_buffer, self.actions_buffer,
                       self.controllers_buffer, self.outputs_buffer, self.tallies_buffer)
            bind_group = self.device.create_bind_group(
                layout=self.pipeline.get_bind_group_layout(0),
                entries=[{"binding": i, "resource": {"buffer": b}} for i, b in enumerate(buffers)])
            self._dispatches[key] = (uniform, bind_group)
        return self._dispatches[key][1]

    def _submit(self, dispatches: list) -> None:
        """Record [(decisions, restart), ...] as dispatches of one compute pass, in order, and submit."""
        encoder = self.device.create_command_encoder()
        compute_pass = encoder.begin_compute_pass()
        compute_pass.set_pipeline(self.pipeline)
        for decisions, restart in dispatches:
            compute_pass.set_bind_group(0, self._dispatch(decisions, restart))
            compute_pass.dispatch_workgroups(ceil(self.num_envs / WORKGROUP_SIZE))
        compute_pass.end()
        self.device.queue.submit([encoder.finish()])

    async def _read_outputs(self) -> None:
        data = memoryview(await self.device.read_buffer(self.outputs_buffer))
        offset = 0
        for name, width, typecode in OUTPUT_SECTIONS:
            size = 4 * width * self.num_envs
            section = data[offset:offset + size]
            target = getattr(self, name)
            if typecode == "b":
                target[:] = array("b", array("I", bytes(section)))
            else:
                memoryview(target).cast("B")[:] = section
            offset += size
