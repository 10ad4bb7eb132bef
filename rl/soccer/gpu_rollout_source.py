"""Self-play rollouts that never leave the GPU: one more rollout source of rl.loop (`rl.train --engine gpu`).

E = num_envs matches in sim.wgsl's WgslEnvBatch on the learner backend's device
(rl/wgsl/backend.py's GPUBackend). The learner plays one side of each match
against an opponent drawn per episode as rl/soccer/selfplay.py draws it
(SelfPlayConfig: snapshot_prob, scripted_prob, random_prob); scripted and
random opponents are the sim's in-kernel players, snapshot opponents run the
forward of a past learner kept in the pool's GPU buffer. One rollout of
T = num_steps decisions is ONE submission, with no readback inside; decision t
records (shaders/selfplay_*.wgsl, in this order):

    observe    x_e = the learner's observation of env e; rollout obs[t E + e] = x_e
    forward    out = MLP(x) with the backend's current params              (GPUNetwork, E rows)
    sample     a ~ softmax(out[:, :A]) by Gumbel-max, log pi(a|s), V(s) into the rollout table at t
               (sample_actions.wgsl; hash of (seed, step, env, stream 0))
    opponents  every snapshot opponent's observation into its pool slot s's block of rows, compacted and
               counted; the grid of the pool's forward; ONE forward for all filled slots (indirect
               dispatch, grid z = slot: ceil(max rows / 32) row tiles each, slot s computing only its
               own count of rows, on its snapshot's params) and one sample (stream 1), whatever the
               number of slots
    route      both actions into the sim's actions buffer; next_value[t-1] = (1 - done[t-1]) V(s_t)
    sim step   WgslEnvBatch.record_step: one decision in every env, SAME_STEP auto-reset
    record     reward[t] = r + approach_coef (d - d') + progress_coef (g - g')  (selfplay.py's terms)
               done[t], valid[t] = 1; an ended episode's (return, length, outcome, opponent kind);
               a truncation's final observation into the bootstrap batch; the next matchup
    tick       clock = [t + 1, step + 1]

and after the last decision: the forward of s_T for next_value[T-1], then the
forward of the bootstrap batch, whose values overwrite next_value where the
episode was truncated: next_value = V(s_{t+1}) in the same episode, V(final obs)
on truncation, 0 on termination (rl/rollout.py's rule). The buffers are the
backend's RolloutBuffers, so the update (rl.ppo) takes the rollout as a
DeviceRollout without a host round trip. The only readback is the episode
records, once per rollout, for charts/episodic_return, charts/win_rate (wins
/ decided episodes since the start, all opponents, as RingSource reports it)
and selfplay/win_rate_vs_<kind>.

The pool is a ring of pool_size + 1 slots: a snapshot is added every
snapshot_every updates (the initial params are the first, as
rl/soccer/rollout_sources.py does) and new episodes draw uniformly from the
newest pool_size; the extra slot lets an episode still playing the dropped
snapshot finish against it, unless it outlasts the next snapshot_every updates.

Matches follow EnvBatch's rules and distributions but are not the same
matches as the CPU engine's: the WGSL sim is float32 with its own RNG
streams, and actions are drawn on the GPU. Standard library only.
"""

import itertools
from array import array

import gpu
from gpu import BufferUsage
from rl.config import PPOConfig
from rl.loop import Collected
from rl.soccer.selfplay import OPPONENT_KINDS, RANDOM, SCRIPTED, SNAPSHOT, SelfPlayConfig, selfplay_win_rates, \
    snapshot_due
from rl.wgsl import kernels as k
from rl.wgsl.backend import DeviceRollout
from rl.wgsl.network import GPUNetwork
from sim import NUM_ACTIONS, OBSERVATION_SIZE, SoccerConfig
from sim.wgsl import WgslEnvBatch
from sim.wgsl.layout import layout_constants

ENV_WORDS = ("side", "kind", "slot", "drawn", "boots", "return")
"""Per-env self-play state, u32 each: the learner's side (0 blue, 1 red), the opponent's kind
(selfplay.py's SNAPSHOT / SCRIPTED / RANDOM) and pool slot, matchups drawn so far (the matchup hash's
counter), truncations in this rollout, the episode's return so far (f32 bits)."""
LEARNER_STREAM, OPPONENT_STREAM = 0, 1  # sample_actions.wgsl's stream of each side's draws
MATCHUP_STREAM = 0xFFFFFFFF             # the matchup hash's last word, outside every sampling stream's range
EPISODE_WORDS = 4                       # an episode record: return (f32 bits), length, outcome, kind + 1
OUTCOMES = ("win", "draw", "loss")
SELFPLAY_KERNELS = ("selfplay_observe", "selfplay_opponents", "selfplay_grid", "selfplay_route", "selfplay_record",
                    "selfplay_bootstrap", "selfplay_tick")
INDIRECT = k.STORAGE | BufferUsage.INDIRECT


def selfplay_prelude() -> str:
    """The self-play kernels' constants, from the Python that defines them: sim/wgsl/layout.py's buffer
    layout, the observation and action sizes, ENV_* and KIND_*, and the rollout table's columns."""
    values = dict(layout_constants(), OBSERVATION_SIZE=OBSERVATION_SIZE, NUM_ACTIONS=NUM_ACTIONS,
                  ENV_WORDS=len(ENV_WORDS), KIND_SNAPSHOT=SNAPSHOT, KIND_SCRIPTED=SCRIPTED, KIND_RANDOM=RANDOM,
                  MATCHUP_STREAM=MATCHUP_STREAM, ROLLOUT_COLUMNS=len(k.ROLLOUT_COLUMNS))
    values.update({f"ENV_{name.upper()}": i for i, name in enumerate(ENV_WORDS)})
    values.update({f"COLUMN_{name.upper().removesuffix('S')}": i for i, name in enumerate(k.ROLLOUT_COLUMNS)})
    return "".join(f"const {name} = {value}u;\n" for name, value in values.items())


def u32_buffer(device, values, label: str, usage=k.STORAGE):
    buffer = device.create_buffer(size=4 * max(len(values), 4), usage=usage, label=label)
    device.queue.write_buffer(buffer, 0, array("I", values))
    return buffer


def dispatch(device, kernels, name: str, buffers: list, uniform: bytes, threads: int) -> k.Dispatch:
    """A self-play kernel bound to its buffers with a fixed uniform and one thread per item."""
    return k.Dispatch(device, kernels[name], buffers, lambda: (uniform, (k.groups(threads, 64),)), name,
                      uniform_bytes=64)


def struct_u32(*values) -> bytes:
    return array("I", values).tobytes()


class GpuSelfPlaySource:
    """rl.loop.RolloutSource over GPU self-play; build with `await GpuSelfPlaySource.create(...)`."""

    def __init__(self, backend, ppo: PPOConfig, selfplay: SelfPlayConfig, sim: WgslEnvBatch, kernels: dict):
        self.backend, self.device, self.model_config = backend, backend.device, backend.model_config
        self.selfplay, self.sim, self.kernels = selfplay, sim, kernels
        self.seed = ppo.seed & 0xFFFFFFFF
        T, E = self.num_steps, self.num_envs = ppo.num_steps, ppo.num_envs
        N = T * E
        match = sim.config
        match_decisions = -(-match.match_ticks // match.action_repeat)
        self.boot_slots = (T - 1) // match_decisions + 1  # truncations one env can have in T decisions
        self.slots = selfplay.pool_size + 1
        self.pool = []      # the version in each slot, filled in ring order
        self.newest = -1    # slot of the newest snapshot
        self.decisions = 0  # decisions recorded so far: the sampling hash's step
        self.outcomes = {outcome: 0 for outcome in OUTCOMES}  # the learner's episodes so far, all opponents
        device, learner_kernels = self.device, backend.kernels
        self.rollout = backend.rollout_buffers(T, E)
        self.envs = u32_buffer(device, [0] * (E * len(ENV_WORDS)), "self-play envs")
        self.clock = u32_buffer(device, [0, 0], "self-play clock")
        self.counts = u32_buffer(device, [0] * self.slots, "pool slot rows")
        self.pos = u32_buffer(device, [0] * E, "row of each env in its pool slot")
        self.episodes = u32_buffer(device, [0] * (EPISODE_WORDS * N), "episode records")
        self.boot_rows = u32_buffer(device, [0xFFFFFFFF] * (self.boot_slots * E), "bootstrap rows")
        self.snapshot_table = k.storage_buffer(device, 3 * self.slots * E, "pool slot actions")
        self.learner = GPUNetwork(device, learner_kernels, self.model_config, backend.params, None, E,
                                  with_backward=False)
        self.bootstrap = GPUNetwork(device, learner_kernels, self.model_config, backend.params, None,
                                    self.boot_slots * E, with_backward=False)
        # the opponent pool: slot s's snapshot at pool_params[s P ..] and its rows at s E .. of one network
        self.pool_params = k.storage_buffer(device, self.slots * k.param_stride(backend.num_params), "pool params")
        self.opponents = GPUNetwork(device, learner_kernels, self.model_config, self.pool_params, None,
                                    self.slots * E, with_backward=False, slots=self.slots, slot_rows=self.counts)
        pool_ids = k.storage_buffer(device, self.slots * E, "pool row envs")
        layers = [layer for chain in self.opponents.chains for layer in chain]   # self.opponents.forward's order
        self.grid = u32_buffer(device, [0] * (3 * len(layers)), "pool forward grids", INDIRECT)
        layer_groups = u32_buffer(device, [k.groups(layer.n_out, k.TILE) for layer in layers], "layer groups")
        outputs, table = sim.outputs_buffer, self.rollout.table
        self.observe = dispatch(device, kernels, "selfplay_observe",
                                [outputs, self.envs, self.learner.x, self.rollout.obs, self.clock], struct_u32(E, 1), E)
        self.observe_last = dispatch(device, kernels, "selfplay_observe",
                                     [outputs, self.envs, self.learner.x, self.rollout.obs, self.clock],
                                     struct_u32(E, 0), E)
        self.sample = k.sample_actions(device, learner_kernels, NUM_ACTIONS, self.seed, LEARNER_STREAM, N, 0, E,
                                       self.learner.out, self.clock, u32_buffer(device, range(E), "env ids"), table)
        self.gather = dispatch(device, kernels, "selfplay_opponents",
                               [outputs, self.envs, self.counts, self.opponents.x, pool_ids, self.pos],
                               struct_u32(E), E)
        self.grids = k.Dispatch(device, kernels["selfplay_grid"], [self.counts, layer_groups, self.grid],
                                lambda filled: (struct_u32(filled, len(layers)), (1,)), "selfplay_grid",
                                uniform_bytes=64)
        self.opponent_forward = [Indirect(layer, self.grid, 12 * l)  # selfplay_grid.wgsl's layout
                                 for l, layer in enumerate(self.opponents.forward)]
        self.opponent_sample = k.sample_actions(device, learner_kernels, NUM_ACTIONS, self.seed, OPPONENT_STREAM,
                                                self.slots * E, 0, 0, self.opponents.out, self.clock, pool_ids,
                                                self.snapshot_table)
        route = [table, self.snapshot_table, self.envs, self.pos, self.learner.out, sim.actions_buffer, self.clock]
        self.route = dispatch(device, kernels, "selfplay_route", route, struct_u32(E, N, 1), E)
        self.route_last = dispatch(device, kernels, "selfplay_route", route, struct_u32(E, N, 0), E)
        self.record = {start: k.Dispatch(device, kernels["selfplay_record"],
                                         [outputs, self.envs, table, self.episodes, sim.controllers_buffer,
                                          self.bootstrap.x, self.boot_rows, self.clock],
                                         self._record_plan(start), "selfplay_record", uniform_bytes=64)
                       for start in (0, 1)}
        self.scatter = dispatch(device, kernels, "selfplay_bootstrap",
                                [self.bootstrap.out, self.boot_rows, table, self.envs],
                                struct_u32(E, N, self.boot_slots * E), self.boot_slots * E)
        self.tick = dispatch(device, kernels, "selfplay_tick", [self.clock, self.counts], struct_u32(self.slots), 1)
        self.sim_step = SimStep(sim)

    @classmethod
    async def create(cls, backend, ppo: PPOConfig, selfplay: SelfPlayConfig, match: SoccerConfig,
                     params: array) -> "GpuSelfPlaySource":
        """num_envs matches on `backend`'s device (seeded with ppo.seed), `params` as the pool's first
        snapshot, and every env's first matchup drawn."""
        sim = await WgslEnvBatch.create(ppo.num_envs, ppo.seed, match, device=backend.device)
        kernels = await gpu.compiled_once(      # once per device: the page's kept trainer reuses them next run
            backend.device, "self-play kernels",
            lambda: k.build_kernels(backend.device, SELFPLAY_KERNELS, selfplay_prelude(),
                                    {"selfplay_record": ("pcg4d",)}))
        source = cls(backend, ppo, selfplay, sim, kernels)
        source.add_snapshot(0, params)
        k.submit(source.device, [(source.record[1], (source.pool_count(), source.newest))])
        return source

    def _record_plan(self, start: int):
        selfplay = self.selfplay

        def plan(pool_count: int, newest: int):
            uniform = struct_u32(self.num_envs, self.num_steps * self.num_envs, start, self.seed, pool_count, newest,
                                 self.slots, self.boot_slots)
            uniform += array("f", [selfplay.snapshot_prob, selfplay.scripted_prob, selfplay.random_prob,
                                   selfplay.approach_coef, selfplay.progress_coef]).tobytes()
            return uniform, (k.groups(self.num_envs, 64),)

        return plan

    def pool_count(self) -> int:
        """Snapshots new episodes draw from: the newest pool_size (none when snapshots never play)."""
        return 0 if self.selfplay.snapshot_prob == 0.0 else min(len(self.pool), self.selfplay.pool_size)

    def pool_versions(self) -> list[int]:
        """The versions new episodes draw from, oldest first."""
        newest = [self.pool[(self.newest - back) % self.slots] for back in range(self.pool_count())]
        return newest[::-1]

    def add_snapshot(self, version: int, params: array) -> None:
        """Copy `params` into the next slot of the ring (the oldest snapshot's, once the ring is full)."""
        self.newest = (self.newest + 1) % self.slots
        if self.newest == len(self.pool):
            self.pool.append(version)
        self.pool[self.newest] = version
        self.device.queue.write_buffer(self.pool_params, 4 * self.newest * self.opponents.param_stride,
                                       array("f", params))

    def record_decision(self, steps: list) -> None:
        """Append one decision's (dispatch, args) steps (the module docstring's order)."""
        E = self.num_envs
        steps += [(self.observe, ()), *self.learner.forward_steps(E), (self.sample, (E,))]
        if self.pool_count():  # slots [0, len(pool)) are filled; each runs over at most E rows
            filled = len(self.pool)
            steps += [(self.gather, ()), (self.grids, (filled,)), *[(layer, (E,)) for layer in self.opponent_forward],
                      (self.opponent_sample, (filled * E,))]
        steps += [(self.route, ()), (self.sim_step, ()), (self.record[0], (self.pool_count(), self.newest)),
                  (self.tick, ())]

    async def collect(self, loop) -> Collected:
        """num_steps decisions in every env with the backend's current params, in one submission."""
        if snapshot_due(loop, self.selfplay):
            self.add_snapshot(loop.updates, loop.params)
        T, E = self.num_steps, self.num_envs
        self.device.queue.write_buffer(self.clock, 0, array("I", [0, self.decisions & 0xFFFFFFFF]))
        steps = []
        for _ in range(T):
            self.record_decision(steps)
        steps += [(self.observe_last, ()), *self.learner.forward_steps(E), (self.route_last, ()),
                  *self.bootstrap.forward_steps(self.boot_slots * E), (self.scatter, ())]
        k.submit(self.device, steps)
        self.decisions += T
        rollout = DeviceRollout(T, E, self.rollout)
        episodes = []
        records = array("I", await self.device.read_buffer(self.episodes))
        ended = itertools.compress(range(T * E), records[3::EPISODE_WORDS])  # rows whose kind + 1 is not 0, in C
        for i in (EPISODE_WORDS * row for row in ended):
            episode_return = array("f", records[i:i + 1].tobytes())[0]
            rollout.episode_returns.append(episode_return)
            rollout.episode_lengths.append(records[i + 1])
            episodes.append({"outcome": OUTCOMES[records[i + 2]], "opponent": OPPONENT_KINDS[records[i + 3] - 1]})
            self.outcomes[OUTCOMES[records[i + 2]]] += 1
        decided = self.outcomes["win"] + self.outcomes["loss"]
        return Collected(rollout, {"charts/win_rate": self.outcomes["win"] / decided if decided else None,
                                   **selfplay_win_rates(episodes)})

    def close(self) -> None:
        pass


class Indirect:
    """A layer of the pool's forward with its grid read from the GPU (`record` as k.submit calls it)."""

    def __init__(self, layer: k.Dispatch, grid, offset: int):
        self.layer, self.grid, self.offset = layer, grid, offset

    def record(self, compute_pass, *args) -> None:
        self.layer.record_indirect(compute_pass, self.grid, self.offset, *args)


class SimStep:
    """The sim's decision as a k.submit step."""

    def __init__(self, sim: WgslEnvBatch):
        self.sim = sim

    def record(self, compute_pass) -> None:
        self.sim.record_step(compute_pass)
