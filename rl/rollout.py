"""Rollout collection over any Gymnasium-style vector env (standard library only).

The env is duck-typed: `num_envs`, `single_observation_space.shape`,
`single_action_space.n`, `reset(seed=)` -> (obs, infos) and
`step(actions)` -> (obs, rewards, terminations, truncations, infos), with
array-likes of length num_envs (numpy arrays in CPython, array('f') / lists in
the browser). Actions go to the env as a list of Python ints.

Auto-reset, read from `envs.metadata["autoreset_mode"]` (Gymnasium's enum or
its value string; Gymnasium's default "NextStep" when absent):

- NextStep (Gymnasium >= 1.0 default): the step that ends an episode returns
  that episode's final obs; the *following* step ignores the action and
  returns the reset obs with reward 0. That following transition is not an
  experience: it gets valid = 0 and is never learned from. A truncated
  episode bootstraps from V(final obs), which is simply the next row's value.
- SameStep (sim.EnvBatch's rule): the step that ends an episode already
  returns the reset obs; the final obs is in infos["final_obs"][i] (or
  Gymnasium 0.x's infos["final_observation"][i]). A truncated episode
  bootstraps from V(final obs), computed with one extra `act` call.

Every buffer is flat and time-major: element (t, e) sits at t * num_envs + e,
and obs row (t, e) at (t * num_envs + e) * obs_size.
"""

import inspect
import math
import random
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate
from typing import ClassVar


@dataclass
class Rollout:
    """One rollout of T = num_steps steps from E = num_envs envs, flat and time-major."""

    num_steps: int
    num_envs: int
    obs: array  # 'f' [T*E*obs_size]  s_t
    actions: array  # 'i' [T*E]  a_t
    logprobs: array  # 'f' [T*E]  log pi_old(a_t|s_t)
    values: array  # 'f' [T*E]  V_old(s_t)
    rewards: array  # 'f' [T*E]  r_t
    next_values: array  # 'f' [T*E]  bootstrap: V(s_{t+1}) in the same episode, V(final obs) if truncated, 0 if terminated
    dones: array  # 'f' [T*E]  1.0 when the episode ended at t (terminated or truncated)
    valid: array  # 'f' [T*E]  1.0 for a real transition, 0.0 for a NextStep reset step
    episode_returns: list[float] = field(default_factory=list)  # of episodes that ended in this rollout
    episode_lengths: list[int] = field(default_factory=list)
    shuffled_on_backend: ClassVar[bool] = False  # the backend cannot draw them: the host shuffles (rl/shuffle.py)

    def valid_indices(self) -> array:
        """Flat indices (t * E + e) of the transitions to learn from, as array('i')."""
        return array("i", (i for i, v in enumerate(self.valid) if v))


def as_float32(x) -> array:
    """A flat array('f') copy of a float array-like (numpy array, array, nested lists).

    Buffers with a float32 or float64 format are copied in C without numpy.
    """
    try:
        view = memoryview(x)
    except TypeError:
        return array("f", _flatten(x))
    if view.format in ("f", "<f", "=f"):
        out = array("f")
        out.frombytes(view.tobytes())
        return out
    if view.format in ("d", "<d", "=d"):
        doubles = array("d")
        doubles.frombytes(view.tobytes())
        return array("f", doubles)
    try:
        return array("f", _flatten(view.tolist()))
    except NotImplementedError:  # e.g. numpy object arrays
        return array("f", _flatten(x))


def as_list(x) -> list:
    """A flat list of Python scalars from a 1-D array-like (numpy bool/float arrays included)."""
    try:
        return memoryview(x).tolist()
    except TypeError:
        return list(x)


def _flatten(x):
    for item in x:
        try:
            yield from _flatten(item)
        except TypeError:  # not iterable: a number
            yield item


def sample_actions(logits: array, num_actions: int, rng: random.Random) -> tuple[list[int], array]:
    """Sample a_i ~ softmax(logits_i) row by row; return actions and log pi(a_i|s_i).

    Inverse-CDF sampling: u ~ U[0, sum_j exp(l_j - m)), a = first index whose
    cumulative sum exceeds u. log pi(a) = l_a - m - log sum_j exp(l_j - m).
    logits [n * A] -> actions [n], logprobs 'f' [n]
    """
    actions, logprobs = [], array("f")
    for start in range(0, len(logits), num_actions):
        row = logits[start : start + num_actions]
        top = max(row)
        cumulative = list(accumulate([math.exp(l - top) for l in row]))
        total = cumulative[-1]
        a = min(bisect_right(cumulative, rng.random() * total), num_actions - 1)
        actions.append(a)
        logprobs.append(row[a] - top - math.log(total))
    return actions, logprobs


def merge_rollouts(rollouts: list[Rollout]) -> Rollout:
    """Concatenate rollouts of equal length T along the env axis (several workers' into one batch).

    Time-major layout: row (t, e) of the merge is row (t, e - offset_k) of
    rollout k, where offset_k = E_0 + ... + E_{k-1}; obs rows likewise.
    """
    if len(rollouts) == 1:
        return rollouts[0]
    num_steps = rollouts[0].num_steps
    if any(r.num_steps != num_steps for r in rollouts):
        raise ValueError(f"cannot merge rollouts of different lengths {[r.num_steps for r in rollouts]}")
    obs_size = len(rollouts[0].obs) // (num_steps * rollouts[0].num_envs)
    merged = Rollout(num_steps, sum(r.num_envs for r in rollouts), array("f"), array("i"),
                     *(array("f") for _ in range(6)))
    for t in range(num_steps):
        for r in rollouts:
            e = r.num_envs
            merged.obs.extend(r.obs[t * e * obs_size:(t + 1) * e * obs_size])
            for name in ("actions", "logprobs", "values", "rewards", "next_values", "dones", "valid"):
                getattr(merged, name).extend(getattr(r, name)[t * e:(t + 1) * e])
    for r in rollouts:
        merged.episode_returns.extend(r.episode_returns)
        merged.episode_lengths.extend(r.episode_lengths)
    return merged


async def forward_rows(actor, obs: array, n: int) -> tuple[array, array]:
    """actor.forward(obs, n) -> (logits [n*A], values [n]): a backend's (awaited: a GPU reads back)
    or a Policy's (plain call)."""
    out = actor.forward(obs, n)
    return await out if inspect.isawaitable(out) else out


class RolloutCollector:
    """Steps a vector env with the current policy and fills one `Rollout` at a time.

    `actor` answers `forward(obs array('f') [n*obs_size], n) -> (logits [n*A], values [n])`:
    the learner's backend or an rl.policy.Policy.
    Episode bookkeeping (returns, lengths, a pending NextStep reset) carries over
    between rollouts, exactly like one long CleanRL loop.
    """

    def __init__(self, envs, num_steps: int, seed: int):
        self.envs = envs
        self.num_envs = envs.num_envs
        self.num_steps = num_steps
        self.obs_size = math.prod(envs.single_observation_space.shape)
        self.num_actions = int(envs.single_action_space.n)
        mode = getattr(envs, "metadata", {}).get("autoreset_mode", "NextStep")
        mode = getattr(mode, "value", mode)
        if mode not in ("NextStep", "SameStep"):
            raise ValueError(f"unsupported autoreset_mode {mode!r}: use NextStep or SameStep")
        self.same_step = mode == "SameStep"
        self.rng = random.Random(f"{seed}:actions")
        obs, _ = envs.reset(seed=seed)
        self.next_obs = as_float32(obs)
        self.next_is_reset = [False] * self.num_envs  # NextStep: the coming step only resets this env
        self.episode_return = [0.0] * self.num_envs
        self.episode_length = [0] * self.num_envs

    async def collect(self, actor) -> Rollout:
        T, E, D = self.num_steps, self.num_envs, self.obs_size
        n = T * E
        rollout = Rollout(T, E, array("f", bytes(4 * n * D)), array("i", bytes(4 * n)),
                          *(array("f", bytes(4 * n)) for _ in range(6)))
        # bootstrap[e]: the next_value of env e's previous step, when it is not V(next row)
        bootstrap = [None] * E
        for t in range(T):
            logits, values = await forward_rows(actor, self.next_obs, E)
            if t > 0:
                self._fill_next_values(rollout, t - 1, values, bootstrap)
            actions, logprobs = sample_actions(logits, self.num_actions, self.rng)
            row = slice(t * E, (t + 1) * E)
            rollout.obs[t * E * D : (t + 1) * E * D] = self.next_obs
            rollout.actions[row] = array("i", actions)
            rollout.logprobs[row] = logprobs
            rollout.values[row] = values

            obs, rewards, terminations, truncations, infos = self.envs.step(actions)
            self.next_obs = as_float32(obs)
            rewards, terminations, truncations = as_list(rewards), as_list(terminations), as_list(truncations)
            bootstrap = [None] * E
            truncated_final_obs = {}
            for e in range(E):
                i = t * E + e
                if self.next_is_reset[e]:  # NextStep reset transition: not an experience
                    self.next_is_reset[e] = False
                    rollout.dones[i] = 1.0
                    bootstrap[e] = 0.0
                    continue
                rollout.valid[i] = 1.0
                rollout.rewards[i] = rewards[e]
                self.episode_return[e] += rewards[e]
                self.episode_length[e] += 1
                if not (terminations[e] or truncations[e]):
                    continue
                rollout.dones[i] = 1.0
                rollout.episode_returns.append(self.episode_return[e])
                rollout.episode_lengths.append(self.episode_length[e])
                self.episode_return[e], self.episode_length[e] = 0.0, 0
                if terminations[e]:
                    bootstrap[e] = 0.0
                elif self.same_step:
                    truncated_final_obs[e] = _final_obs(infos, e)
                # else NextStep truncation: the final obs is the next row, V(next row) is right
                self.next_is_reset[e] = not self.same_step
            if truncated_final_obs:
                final_obs = array("f")
                for e in truncated_final_obs:
                    final_obs.extend(as_float32(truncated_final_obs[e]))
                _, final_values = await forward_rows(actor, final_obs, len(truncated_final_obs))
                for e, v in zip(truncated_final_obs, final_values):
                    bootstrap[e] = v
        _, values = await forward_rows(actor, self.next_obs, E)
        self._fill_next_values(rollout, T - 1, values, bootstrap)
        return rollout

    @staticmethod
    def _fill_next_values(rollout: Rollout, t: int, values: array, bootstrap: list) -> None:
        E = rollout.num_envs
        rollout.next_values[t * E : (t + 1) * E] = array(
            "f", (v if b is None else b for v, b in zip(values, bootstrap)))


def _final_obs(infos: dict, e: int):
    for key in ("final_obs", "final_observation"):
        if key in infos:
            return infos[key][e]
    raise KeyError("SameStep auto-reset: infos has no 'final_obs' (nor 'final_observation') for a truncated episode")
