"""Rollout collection: NextStep vs SameStep auto-reset, masking, bootstrap values, episode stats."""

import asyncio
import math
import random
from array import array
from collections import Counter
from types import SimpleNamespace

import gymnasium as gym
import numpy as np
import pytest

from rl.rollout import RolloutCollector, as_float32, as_list, sample_actions


class CountingEnvs:
    """A deterministic vector env. Env e's episodes last lengths[e] steps.

    obs = (k, e, n): k steps taken in episode n of env e. A step gives reward
    10 n + k + 1 (k before the step). Even-numbered episodes terminate, odd ones
    are truncated. Auto-reset follows Gymnasium's NextStep or SameStep rule.
    """

    def __init__(self, lengths, autoreset_mode, obs_as="numpy"):
        self.lengths = lengths
        self.num_envs = len(lengths)
        self.single_observation_space = SimpleNamespace(shape=(3,))
        self.single_action_space = SimpleNamespace(n=2)
        self.metadata = {"autoreset_mode": autoreset_mode}
        self.obs_as = obs_as
        self.actions_seen = []

    def _obs(self, e):
        return [float(self.k[e]), float(e), float(self.n[e])]

    def _batch(self, rows):
        if self.obs_as == "numpy":
            return np.array(rows, dtype=np.float64)
        return rows

    def reset(self, seed=None):
        self.k = [0] * self.num_envs
        self.n = [0] * self.num_envs
        self.needs_reset = [False] * self.num_envs
        return self._batch([self._obs(e) for e in range(self.num_envs)]), {}

    def step(self, actions):
        self.actions_seen.append(list(actions))
        E = self.num_envs
        rewards, terms, truncs = np.zeros(E), np.zeros(E, bool), np.zeros(E, bool)
        final_obs, has_final = np.full(E, None, dtype=object), np.zeros(E, bool)
        for e in range(E):
            if self.needs_reset[e]:  # NextStep: this step only resets
                self.k[e], self.n[e], self.needs_reset[e] = 0, self.n[e] + 1, False
                continue
            rewards[e] = 10 * self.n[e] + self.k[e] + 1
            self.k[e] += 1
            if self.k[e] == self.lengths[e]:
                terms[e], truncs[e] = self.n[e] % 2 == 0, self.n[e] % 2 == 1
                if self.metadata["autoreset_mode"] == "SameStep":
                    final_obs[e], has_final[e] = np.array(self._obs(e)), True
                    self.k[e], self.n[e] = 0, self.n[e] + 1
                else:
                    self.needs_reset[e] = True
        infos = {"final_obs": final_obs, "_final_obs": has_final} if has_final.any() else {}
        return self._batch([self._obs(e) for e in range(E)]), rewards, terms, truncs, infos


def value_of(k, e, n):
    return k + 100 * e + 1000 * n


class FakeBackend:
    """Answers the backends' async forward: uniform logits; V(k, e, n) = k + 100 e + 1000 n, exact in float32."""

    async def forward(self, obs, n):
        rows = [obs[3 * i : 3 * i + 3] for i in range(n)]
        return array("f", [0.0, 0.0] * n), array("f", [value_of(*row) for row in rows])


def collect(envs, num_steps, rollouts):
    collector = RolloutCollector(envs, num_steps=num_steps, seed=0)
    return [asyncio.run(collector.collect(FakeBackend())) for _ in range(rollouts)]


def transitions(rollouts, lengths):
    """Check every valid row against the env's rules; return them per env in order."""
    per_env = {e: [] for e in range(len(lengths))}
    for r in rollouts:
        E = r.num_envs
        for i in range(r.num_steps * E):
            e = i % E
            if not r.valid[i]:
                continue
            k, env, n = r.obs[3 * i : 3 * i + 3].tolist()
            assert env == e
            assert r.rewards[i] == 10 * n + k + 1
            ended = k + 1 == lengths[e]
            assert r.dones[i] == float(ended)
            if not ended:
                expected = value_of(k + 1, e, n)  # V(next obs), same episode
            elif n % 2 == 0:
                expected = 0.0  # terminated: no bootstrap
            else:
                expected = value_of(lengths[e], e, n)  # truncated: V(final obs)
            assert r.next_values[i] == expected, (i, k, e, n)
            per_env[e].append((k, n, r.rewards[i], r.next_values[i]))
    return per_env


LENGTHS = [3, 4, 5]  # with T = 4 env 1 ends exactly on rollout boundaries


def test_next_step_masks_the_reset_transition():
    rollouts = collect(CountingEnvs(LENGTHS, "NextStep"), num_steps=4, rollouts=6)
    per_env = transitions(rollouts, LENGTHS)
    valid = np.concatenate([np.array(r.valid).reshape(4, 3) for r in rollouts])
    dones = np.concatenate([np.array(r.dones).reshape(4, 3) for r in rollouts])
    for e, length in enumerate(LENGTHS):
        # exactly the step after an episode's last step is masked, also across rollout boundaries
        masked = [t for t in range(len(valid)) if not valid[t, e]]
        assert masked == [t for t in range(1, len(valid)) if dones[t - 1, e] and valid[t - 1, e]]
        assert all(dones[t, e] for t in masked)
        assert [k for k, *_ in per_env[e]] == [t % length for t in range(len(per_env[e]))]
    assert rollouts[1].valid[1] == 0.0  # env 1 ended at the last step of rollout 0


def test_same_step_learns_from_every_step_and_bootstraps_from_final_obs():
    rollouts = collect(CountingEnvs(LENGTHS, "SameStep"), num_steps=4, rollouts=6)
    per_env = transitions(rollouts, LENGTHS)
    assert all(all(r.valid) for r in rollouts)
    for e, length in enumerate(LENGTHS):
        assert [(k, n) for k, n, *_ in per_env[e]] == [(t % length, t // length) for t in range(24)]


def test_both_modes_yield_the_same_experience():
    same = transitions(collect(CountingEnvs(LENGTHS, "SameStep"), 4, 8), LENGTHS)
    nxt = transitions(collect(CountingEnvs(LENGTHS, "NextStep"), 4, 8), LENGTHS)
    for e in range(len(LENGTHS)):
        assert nxt[e] == same[e][: len(nxt[e])] and len(nxt[e]) > 20


@pytest.mark.parametrize("mode", ["NextStep", "SameStep"])
def test_episode_returns_and_lengths(mode):
    lengths, steps = [2, 3], 15
    rollouts = collect(CountingEnvs(lengths, mode, obs_as="lists"), num_steps=5, rollouts=3)
    ended = sorted((ret, n) for r in rollouts for ret, n in zip(r.episode_returns, r.episode_lengths))
    # episode n of a length-L env returns sum_k (10 n + k + 1) = 10 n L + L (L + 1) / 2;
    # NextStep spends one extra step per episode on the reset
    expected = sorted((10 * n * L + L * (L + 1) // 2, L) for L in lengths
                      for n in range(steps // L if mode == "SameStep" else (steps + 1) // (L + 1)))
    assert ended == expected


def test_mode_from_gymnasium_enum_and_disabled_is_refused():
    envs = CountingEnvs([2], gym.vector.AutoresetMode.SAME_STEP)
    assert RolloutCollector(envs, 2, 0).same_step
    envs = CountingEnvs([2], "NextStep")
    del envs.metadata["autoreset_mode"]
    assert not RolloutCollector(envs, 2, 0).same_step  # Gymnasium's default
    with pytest.raises(ValueError, match="autoreset_mode"):
        RolloutCollector(CountingEnvs([2], gym.vector.AutoresetMode.DISABLED), 2, 0)


def test_actions_are_python_ints_and_sampling_is_seeded():
    envs = CountingEnvs([3, 3], "SameStep")
    collect(envs, 8, 1)
    first = envs.actions_seen
    assert all(type(a) is int for step in first for a in step)
    envs = CountingEnvs([3, 3], "SameStep")
    collect(envs, 8, 1)
    assert envs.actions_seen == first and Counter(a for s in first for a in s).keys() == {0, 1}


@pytest.mark.parametrize("mode", [gym.vector.AutoresetMode.NEXT_STEP, gym.vector.AutoresetMode.SAME_STEP])
def test_cartpole_rollout(mode):
    envs = gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1")] * 2, autoreset_mode=mode)
    rollout = collect(envs, 100, 1)[0]
    assert len(rollout.obs) == 100 * 2 * 4 and rollout.episode_returns
    dones = np.array(rollout.dones).reshape(100, 2)
    valid = np.array(rollout.valid).reshape(100, 2)
    if mode == gym.vector.AutoresetMode.NEXT_STEP:
        np.testing.assert_array_equal(valid[1:] == 0, (dones[:-1] == 1) & (valid[:-1] == 1))
    else:
        assert valid.all()
    assert sum(rollout.episode_lengths) == sum(rollout.episode_returns)  # reward 1 per real step


def test_conversions_without_numpy_in_the_collector():
    assert as_float32(np.arange(6, dtype=np.float32).reshape(2, 3)) == array("f", range(6))
    assert as_float32(np.arange(6, dtype=np.float64).reshape(2, 3)) == array("f", range(6))
    assert as_float32(np.arange(6, dtype=np.int64)) == array("f", range(6))
    assert as_float32(np.arange(12, dtype=np.float32).reshape(3, 4)[:, 1]) == array("f", [1, 5, 9])
    assert as_float32([[1, 2.5], [3, 4]]) == array("f", [1, 2.5, 3, 4])
    assert as_float32(np.array([np.float32(1.5), np.float64(2.0)], dtype=object)) == array("f", [1.5, 2.0])
    assert as_list(np.array([True, False])) == [True, False] and as_list((1, 0)) == [1, 0]


def test_sample_actions_follows_softmax_and_returns_log_probs():
    logits = array("f", [0.0, 2.0, -1.0] * 20000)
    actions, logprobs = sample_actions(logits, 3, random.Random(0))
    z = math.exp(0) + math.exp(2) + math.exp(-1)
    counts = Counter(actions)
    for a, l in enumerate([0.0, 2.0, -1.0]):
        assert counts[a] / 20000 == pytest.approx(math.exp(l) / z, abs=0.01)
    assert logprobs[0] == pytest.approx(logits[actions[0]] - math.log(z), abs=1e-6)
