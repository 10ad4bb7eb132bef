"""Loss and advantage kernels vs their numpy twins: PPO loss + gradient (policy head fused in), reduce_sum,
advantage normalisation, GAE/returns and explained variance.

Twins run in float64 on the same float32 inputs. Per-row values: rtol 1e-5,
atol 1e-6 (1e-5 for GAE, whose scan adds up ~1/(1 - gamma lambda) terms);
sums over n rows: atol 1e-6 * n before dividing by n.
"""

import numpy as np
import pytest

from rl.wgsl import kernels as k
from rl import reference as ref
from kernel_io import read, upload

pytestmark = pytest.mark.gpu


def loss_inputs(rows, A, clip_coef, rng):
    """A minibatch whose ratios and value deltas stay >= 1e-3 away from the clip edges (no f32/f64 flips)."""
    out = (2 * rng.normal(size=(rows, A + 1))).astype(np.float32)
    actions = rng.integers(0, A, rows)
    logp = ref.log_softmax(out[:, :A].astype(np.float64))
    logratio = rng.uniform(-0.5, 0.5, rows)
    for edge in (np.log(1 - clip_coef), np.log(1 + clip_coef)):
        near = np.abs(logratio - edge) < 1e-3
        logratio[near] += 3e-3
    old_logprobs = ref.categorical_logprob(logp, actions) - logratio
    values = out[:, A].astype(np.float64)
    value_delta = rng.uniform(-0.5, 0.5, rows)
    value_delta[np.abs(np.abs(value_delta) - clip_coef) < 1e-3] += 3e-3
    minibatch = np.stack([actions, old_logprobs, values - value_delta, rng.normal(size=rows),
                          values + rng.normal(size=rows)]).astype(np.float32)
    return out, minibatch


@pytest.mark.parametrize("clip_vloss", [True, False])
def test_ppo_loss_and_sums_match_twin(device_kernels, clip_vloss):
    device, kernels = device_kernels
    rng = np.random.default_rng(3)
    rows, A, clip_coef, ent_coef, vf_coef = 90, 30, 0.2, 0.01, 0.5
    out, minibatch = loss_inputs(rows, A, clip_coef, rng)
    out_buffer, minibatch_buffer = upload(device, out), upload(device, minibatch)
    dout = k.storage_buffer(device, (A + 1) * rows, "dout")
    terms, sums = k.storage_buffer(device, 6 * rows, "terms"), k.storage_buffer(device, len(k.STATS), "stats")
    scratch = k.storage_buffer(device, 6 * k.groups(rows, k.REDUCE_CHUNK), "scratch")
    k.submit(device, [
        (k.ppo_loss(device, kernels, A, out_buffer, minibatch_buffer, dout, terms),
         (rows, clip_coef, clip_vloss, ent_coef, vf_coef)),
        *k.column_sums_steps(k.reduce_sum(device, kernels, 6, terms, scratch),
                             k.reduce_sum(device, kernels, 6, scratch, sums), rows, 0),
    ])

    m = minibatch.astype(np.float64)
    logits, values = ref.split_head(out.astype(np.float64), A)
    stats, dlogits, dvalues = ref.ppo_loss(logits, values, m[0].astype(int), m[1], m[2], m[3], m[4],
                                           clip_coef, clip_vloss, ent_coef, vf_coef)
    np.testing.assert_allclose(read(device, dout, (A + 1) * rows).reshape(rows, A + 1),
                               ref.fuse_head_grad(dlogits, dvalues), rtol=1e-5, atol=1e-6 / rows)
    logratio = stats["logratio"]
    expected = [stats["policy_loss"], stats["value_loss"], stats["entropy"], ref.approx_kl(logratio),
                ref.old_approx_kl(logratio), ref.clipfrac(logratio, clip_coef)]
    np.testing.assert_allclose(read(device, sums, 6) / rows, expected, rtol=1e-5, atol=1e-6)
    assert 0 < expected[5] < 1  # both clipped and unclipped rows were exercised
    per_row = read(device, terms, 6 * rows).reshape(6, rows)  # the fused policy head, row by row
    logp = ref.log_softmax(logits)
    np.testing.assert_allclose(per_row[2], ref.categorical_entropy(logp), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(-per_row[4], ref.categorical_logprob(logp, m[0].astype(int)) - m[1], rtol=1e-5,
                               atol=1e-5)


def test_reduce_sum_matches_numpy_over_many_rows(device_kernels):
    device, kernels = device_kernels
    rows, columns, offset = 3001, 3, 4  # 47 chunks of 64 rows (the last one short), then their sums
    values = np.random.default_rng(4).normal(size=(columns, rows)).astype(np.float32)
    sums = upload(device, np.full(offset + columns + 2, -7.0, np.float32))
    scratch = k.storage_buffer(device, columns * k.groups(rows, k.REDUCE_CHUNK), "scratch")
    k.submit(device, k.column_sums_steps(k.reduce_sum(device, kernels, columns, upload(device, values), scratch),
                                         k.reduce_sum(device, kernels, columns, scratch, sums), rows, offset))
    got = read(device, sums, offset + columns + 2)
    np.testing.assert_allclose(got[offset : offset + columns], values.astype(np.float64).sum(axis=1),
                               rtol=1e-5, atol=1e-6 * rows)
    assert got[:offset].tolist() == [-7.0] * offset and got[-2:].tolist() == [-7.0] * 2


@pytest.mark.parametrize("rows", [2, 300, 1000])
def test_normalize_advantages_matches_twin(device_kernels, rows):
    device, kernels = device_kernels
    minibatch = np.random.default_rng(rows).normal(3.0, 2.0, size=(5, rows)).astype(np.float32)
    buffer = upload(device, minibatch)
    k.submit(device, [(k.normalize_advantages(device, kernels, buffer), (rows,))])
    got = read(device, buffer, 5 * rows).reshape(5, rows)
    np.testing.assert_allclose(got[3], ref.normalize_advantages(minibatch[3].astype(np.float64)), rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_array_equal(np.delete(got, 3, axis=0), np.delete(minibatch, 3, axis=0))


def rollout_table(T, E, rng):
    n = T * E
    table = np.zeros((len(k.ROLLOUT_COLUMNS), n), np.float32)
    column = {name: i for i, name in enumerate(k.ROLLOUT_COLUMNS)}
    table[column["values"]] = rng.normal(size=n)
    table[column["rewards"]] = rng.normal(size=n)
    dones = rng.random(n) < 0.15
    terminated = dones & (rng.random(n) < 0.5)
    table[column["dones"]] = dones
    table[column["next_values"]] = np.where(terminated, 0.0, rng.normal(size=n))  # truncations bootstrap
    table[column["valid"]] = rng.random(n) > 0.1
    return table, column


def test_gae_and_returns_match_twins(device_kernels):
    device, kernels = device_kernels
    T, E, gamma, gae_lambda = 64, 5, 0.99, 0.95
    table, column = rollout_table(T, E, np.random.default_rng(5))
    buffer = upload(device, table)
    k.submit(device, [(k.gae(device, kernels, T, E, buffer), (gamma, gae_lambda))])
    got = read(device, buffer, table.size).reshape(table.shape)
    t64 = table.astype(np.float64).reshape(len(k.ROLLOUT_COLUMNS), T, E)
    values = t64[column["values"]]
    advantages = ref.gae(t64[column["rewards"]], values, t64[column["next_values"]], t64[column["dones"]],
                         gamma, gae_lambda)
    np.testing.assert_allclose(got[column["advantages"]], advantages.ravel(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got[column["returns"]], ref.returns_from_advantages(advantages, values).ravel(),
                               rtol=1e-5, atol=1e-5)


def test_gae_bootstraps_truncations_and_not_terminations(device_kernels):
    """Env 0 terminates at t = 1 (next value 0), env 1 is truncated there (next value V(final obs) = 5)."""
    device, kernels = device_kernels
    T, E, gamma, gae_lambda = 3, 2, 0.5, 0.5
    table = np.zeros((len(k.ROLLOUT_COLUMNS), T * E), np.float32)
    column = {name: i for i, name in enumerate(k.ROLLOUT_COLUMNS)}
    table[column["rewards"]] = 1.0
    table[column["values"]] = 2.0
    table[column["next_values"]] = [2.0, 2.0, 0.0, 5.0, 2.0, 2.0]  # row t * E + e
    table[column["dones"]] = [0, 0, 1, 1, 0, 0]
    buffer = upload(device, table)
    k.submit(device, [(k.gae(device, kernels, T, E, buffer), (gamma, gae_lambda))])
    advantages = read(device, buffer, table.size).reshape(table.shape)[column["advantages"]].reshape(T, E)
    # delta_t = 1 + 0.5 nv_t - 2; A_t = delta_t + 0.25 (1 - done_t) A_{t+1}
    assert advantages[2].tolist() == [0.0, 0.0]  # delta_2 = 0, A_3 = 0
    assert advantages[1].tolist() == [-1.0, 1.5]  # ends at t = 1: no A_2 term; only the truncation bootstraps
    assert advantages[0].tolist() == [0.25 * -1.0, 0.25 * 1.5]  # delta_0 = 0, plus 0.25 A_1


def test_explained_variance_matches_twin(device_kernels):
    device, kernels = device_kernels
    T, E = 40, 7
    table, column = rollout_table(T, E, np.random.default_rng(6))
    table[column["returns"]] = table[column["values"]] + 0.5 * np.random.default_rng(7).normal(size=T * E)
    variances = k.storage_buffer(device, 2, "variances")
    k.submit(device, [(k.explained_variance(device, kernels, T * E, upload(device, table), variances), ())])
    var_returns, var_residual = read(device, variances, 2)
    valid = table[column["valid"]] > 0
    t64 = table.astype(np.float64)
    expected = ref.explained_variance(t64[column["values"]][valid], t64[column["returns"]][valid])
    np.testing.assert_allclose(1 - var_residual / var_returns, expected, rtol=1e-5, atol=1e-6)
