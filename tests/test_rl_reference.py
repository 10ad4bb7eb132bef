"""Every kernel twin of rl/reference.py against an independent computation.

The independent checks are written differently on purpose: scalar loops,
direct formulas, or finite differences, never the same numpy expression.
"""

import math

import numpy as np
import pytest

from rl import reference as ref

rng = np.random.default_rng(12345)


def numeric_grad(f, x, eps=1e-6):
    """Central differences of scalar f at x (float64), same shape as x."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f()
        x[i] = old - eps
        down = f()
        x[i] = old
        g[i] = (up - down) / (2 * eps)
    return g


def test_linear_forward_matches_loops():
    x, W, b = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=5)
    expected = [[sum(x[i, k] * W[o, k] for k in range(4)) + b[o] for o in range(5)] for i in range(3)]
    np.testing.assert_allclose(ref.linear_forward(x, W, b), expected, rtol=1e-12)


@pytest.mark.parametrize("kind, f", [("tanh", math.tanh), ("relu", lambda z: max(z, 0.0))])
def test_activation_forward_and_backward(kind, f):
    z = rng.normal(size=(4, 3))
    h = ref.activation_forward(z, kind)
    np.testing.assert_allclose(h, np.vectorize(f)(z), rtol=1e-12)
    dh = rng.normal(size=z.shape)
    expected = numeric_grad(lambda: float((dh * ref.activation_forward(z, kind)).sum()), z)
    np.testing.assert_allclose(ref.activation_backward(dh, h, kind), expected, atol=1e-7)


def test_activations_keep_float32():
    z = rng.normal(size=(2, 3)).astype(np.float32)
    for kind in ("tanh", "relu"):
        assert ref.activation_forward(z, kind).dtype == np.float32


def test_linear_backward_matches_finite_differences():
    x, W, b, dy = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=5), rng.normal(size=(3, 5))

    def f():
        return float((dy * ref.linear_forward(x, W, b)).sum())

    dx, dW, db = ref.linear_backward(dy, x, W)
    np.testing.assert_allclose(dx, numeric_grad(f, x), atol=1e-7)
    np.testing.assert_allclose(dW, numeric_grad(f, W), atol=1e-7)
    np.testing.assert_allclose(db, numeric_grad(f, b), atol=1e-7)


def test_split_and_fuse_head():
    out = np.arange(12.0).reshape(3, 4)
    logits, values = ref.split_head(out, 3)
    assert logits.tolist() == [[0, 1, 2], [4, 5, 6], [8, 9, 10]] and values.tolist() == [3, 7, 11]
    np.testing.assert_array_equal(ref.fuse_head_grad(logits, values), out)


def test_log_softmax_logprob_entropy_against_direct_formulas():
    logits = rng.normal(size=(5, 4)) * 3
    logp = ref.log_softmax(logits)
    for i in range(5):
        z = sum(math.exp(l) for l in logits[i])
        probs = [math.exp(l) / z for l in logits[i]]
        np.testing.assert_allclose(logp[i], [math.log(p) for p in probs], rtol=1e-12)
        assert ref.categorical_entropy(logp)[i] == pytest.approx(-sum(p * math.log(p) for p in probs), rel=1e-12)
    actions = np.array([0, 3, 1, 2, 2])
    np.testing.assert_array_equal(ref.categorical_logprob(logp, actions), [logp[i, a] for i, a in enumerate(actions)])


def test_log_softmax_is_stable_for_huge_logits():
    logp = ref.log_softmax(np.array([[1000.0, 1000.0, -1000.0]], dtype=np.float32))
    assert np.isfinite(logp[0, :2]).all() and logp[0, 0] == pytest.approx(-math.log(2), rel=1e-6)
    assert ref.categorical_entropy(ref.log_softmax(np.zeros((1, 4))))[0] == pytest.approx(math.log(4))


def naive_gae(rewards, values, next_values, dones, gamma, lam):
    """A_t = sum_l (gamma lam)^l delta_{t+l}, summed forward until the episode ends."""
    T, E = rewards.shape
    out = np.zeros((T, E))
    for e in range(E):
        for t in range(T):
            total, weight = 0.0, 1.0
            for u in range(t, T):
                delta = rewards[u, e] + gamma * next_values[u, e] - values[u, e]
                total += weight * delta
                if dones[u, e]:
                    break
                weight *= gamma * lam
            out[t, e] = total
    return out


def test_gae_matches_forward_sum_and_respects_episode_ends():
    T, E = 9, 3
    rewards, values = rng.normal(size=(T, E)), rng.normal(size=(T, E))
    dones = (rng.random((T, E)) < 0.3).astype(np.float64)
    next_values = np.vstack([values[1:], rng.normal(size=(1, E))])
    next_values = np.where(dones > 0, rng.normal(size=(T, E)), next_values)  # bootstraps at episode ends
    for gamma, lam in [(0.99, 0.95), (0.9, 1.0), (1.0, 0.0), (0.0, 0.5)]:
        np.testing.assert_allclose(ref.gae(rewards, values, next_values, dones, gamma, lam),
                                   naive_gae(rewards, values, next_values, dones, gamma, lam), rtol=1e-10, atol=1e-12)


def test_gae_terminal_vs_truncated_episode():
    # One env, an episode of 3 steps ends at t=2; the next episode starts at t=3.
    rewards = np.array([[1.0], [1.0], [1.0], [5.0]])
    values = np.array([[0.5], [0.5], [0.5], [9.0]])
    dones = np.array([[0.0], [0.0], [1.0], [0.0]])
    gamma, lam = 0.9, 1.0
    for final_value in (0.0, 2.0):  # terminated: bootstrap 0; truncated: V(final obs) = 2
        next_values = np.array([[0.5], [0.5], [final_value], [7.0]])
        adv = ref.gae(rewards, values, next_values, dones, gamma, lam)
        discounted = 1 + gamma + gamma**2 + gamma**3 * final_value
        assert adv[0, 0] == pytest.approx(discounted - 0.5)  # nothing from the next episode leaks in
        assert adv[3, 0] == pytest.approx(5 + gamma * 7 - 9)
        returns = ref.returns_from_advantages(adv, values)
        assert returns[0, 0] == pytest.approx(discounted)


def test_normalize_advantages():
    adv = rng.normal(3.0, 5.0, size=64)
    out = ref.normalize_advantages(adv)
    mean = sum(adv) / len(adv)
    std = math.sqrt(sum((a - mean) ** 2 for a in adv) / (len(adv) - 1))
    np.testing.assert_allclose(out, [(a - mean) / (std + 1e-8) for a in adv], rtol=1e-10)


def ppo_inputs(n=12, num_actions=4, dtype=np.float64, spread=0.5):
    logits = rng.normal(size=(n, num_actions)).astype(dtype)
    actions = rng.integers(0, num_actions, n)
    # old log-probs chosen so ratios land both inside and outside [0.8, 1.2]
    old_logprobs = (ref.categorical_logprob(ref.log_softmax(logits), actions) + rng.normal(0, spread, n)).astype(dtype)
    values = rng.normal(size=n).astype(dtype)
    old_values = (values + rng.normal(0, spread, n)).astype(dtype)
    return logits, values, actions, old_logprobs, old_values, rng.normal(size=n).astype(dtype), rng.normal(size=n).astype(dtype)


@pytest.mark.parametrize("clip_vloss", [True, False])
def test_ppo_loss_matches_per_sample_loop(clip_vloss):
    logits, values, actions, old_logprobs, old_values, adv, returns = ppo_inputs()
    c, ent_coef, vf_coef = 0.2, 0.01, 0.5
    stats, _, _ = ref.ppo_loss(logits, values, actions, old_logprobs, old_values, adv, returns, c, clip_vloss, ent_coef, vf_coef)
    pg, vl, ent = [], [], []
    for i in range(len(actions)):
        z = sum(math.exp(l) for l in logits[i])
        probs = [math.exp(l) / z for l in logits[i]]
        r = probs[actions[i]] / math.exp(old_logprobs[i])
        pg.append(max(-adv[i] * r, -adv[i] * min(max(r, 1 - c), 1 + c)))
        unclipped = (values[i] - returns[i]) ** 2
        clipped = (old_values[i] + min(max(values[i] - old_values[i], -c), c) - returns[i]) ** 2
        vl.append(0.5 * (max(unclipped, clipped) if clip_vloss else unclipped))
        ent.append(-sum(p * math.log(p) for p in probs))
    n = len(actions)
    assert stats["policy_loss"] == pytest.approx(sum(pg) / n, rel=1e-10)
    assert stats["value_loss"] == pytest.approx(sum(vl) / n, rel=1e-10)
    assert stats["entropy"] == pytest.approx(sum(ent) / n, rel=1e-10)
    assert stats["loss"] == pytest.approx(sum(pg) / n - ent_coef * sum(ent) / n + vf_coef * sum(vl) / n, rel=1e-10)


@pytest.mark.parametrize("clip_vloss", [True, False])
def test_ppo_loss_gradient_matches_finite_differences(clip_vloss):
    logits, values, actions, old_logprobs, old_values, adv, returns = ppo_inputs(n=16, spread=0.6)

    def loss():
        return float(ref.ppo_loss(logits, values, actions, old_logprobs, old_values, adv, returns,
                                  0.2, clip_vloss, 0.05, 0.5)[0]["loss"])

    _, dlogits, dvalues = ref.ppo_loss(logits, values, actions, old_logprobs, old_values, adv, returns,
                                       0.2, clip_vloss, 0.05, 0.5)
    ratio = np.exp(ref.categorical_logprob(ref.log_softmax(logits), actions) - old_logprobs)
    assert ((ratio < 0.8) | (ratio > 1.2)).any() and ((ratio > 0.8) & (ratio < 1.2)).any()  # both regimes hit
    np.testing.assert_allclose(dlogits, numeric_grad(loss, logits), atol=1e-8)
    np.testing.assert_allclose(dvalues, numeric_grad(loss, values), atol=1e-8)


def test_kl_and_clipfrac_against_loops():
    logratio = rng.normal(0, 0.3, size=50)
    r = [math.exp(x) for x in logratio]
    assert ref.approx_kl(logratio) == pytest.approx(sum((ri - 1) - x for ri, x in zip(r, logratio)) / 50, rel=1e-12)
    assert ref.old_approx_kl(logratio) == pytest.approx(-sum(logratio) / 50, rel=1e-12)
    assert ref.clipfrac(logratio, 0.2) == sum(abs(ri - 1) > 0.2 for ri in r) / 50
    assert ref.approx_kl(np.zeros(4)) == 0 and ref.clipfrac(np.zeros(4), 0.2) == 0


def test_explained_variance():
    returns = rng.normal(size=100)
    assert ref.explained_variance(returns, returns) == 1.0
    assert ref.explained_variance(np.full(100, returns.mean()), returns) == pytest.approx(0.0, abs=1e-12)
    values = returns + rng.normal(0, 0.5, 100)
    mean = sum(returns) / 100
    var = sum((x - mean) ** 2 for x in returns) / 100
    resid = returns - values
    rmean = sum(resid) / 100
    rvar = sum((x - rmean) ** 2 for x in resid) / 100
    assert ref.explained_variance(values, returns) == pytest.approx(1 - rvar / var, rel=1e-10)
    assert math.isnan(ref.explained_variance(values, np.ones(100)))


def test_global_norm_clipping():
    g = np.array([3.0, 4.0], dtype=np.float32)
    assert ref.global_norm(g) == pytest.approx(5.0)
    clipped, norm = ref.clip_by_global_norm(g, 10.0)
    np.testing.assert_array_equal(clipped, g)  # below the limit: untouched
    clipped, norm = ref.clip_by_global_norm(g, 0.5)
    assert norm == pytest.approx(5.0) and clipped.dtype == np.float32
    np.testing.assert_allclose(clipped, [0.3, 0.4], rtol=1e-5)  # scaled by 0.5 / (5 + 1e-6)
    assert not np.isfinite(ref.global_norm(np.array([1.0, np.nan]))) and not np.isfinite(ref.global_norm(np.array([np.inf])))


def test_adam_first_step_by_hand():
    # t = 1, m = v = 0: m' = 0.1 g, v' = 0.001 g^2, so p' = p - lr * g / (|g| + eps)
    p, g = np.array([1.0, -2.0, 0.5]), np.array([0.5, -4.0, 0.0])
    new_p, m, v = ref.adam(p, g, np.zeros(3), np.zeros(3), step=1, lr=0.1)
    np.testing.assert_allclose(m, [0.05, -0.4, 0.0])
    np.testing.assert_allclose(v, [0.00025, 0.016, 0.0])
    np.testing.assert_allclose(new_p, [1.0 - 0.1 * 0.5 / (0.5 + 1e-5), -2.0 + 0.1 * 4.0 / (4.0 + 1e-5), 0.5])


def test_adam_matches_scalar_torch_algorithm_over_steps():
    p, m, v = rng.normal(size=5), np.zeros(5), np.zeros(5)
    ps, ms, vs = list(p), [0.0] * 5, [0.0] * 5
    for step in range(1, 6):
        g = rng.normal(size=5)
        p, m, v = ref.adam(p, g, m, v, step, lr=0.01)
        for i in range(5):  # torch.optim.Adam, written out
            ms[i] = 0.9 * ms[i] + 0.1 * g[i]
            vs[i] = 0.999 * vs[i] + 0.001 * g[i] ** 2
            step_size = 0.01 / (1 - 0.9**step)
            ps[i] -= step_size * ms[i] / (math.sqrt(vs[i]) / math.sqrt(1 - 0.999**step) + 1e-5)
    np.testing.assert_allclose(p, ps, rtol=1e-12)


def test_adam_keeps_float32():
    p = np.ones(3, np.float32)
    new_p, m, v = ref.adam(p, np.ones(3, np.float32), np.zeros(3, np.float32), np.zeros(3, np.float32), 1, 1e-3)
    assert new_p.dtype == m.dtype == v.dtype == np.float32
