"""The numpy twin of every learner kernel (CPython only; the browser never imports this).

One function per GPU kernel, so each WGSL kernel is tested against exactly one
twin with the same inputs. Functions keep the dtype they are given: float32 to
mirror the GPU, float64 for finite-difference checks. All matrices are
row-major; a linear layer's W is [out, in] (PyTorch convention, see
rl/model.py). Shapes: B = batch rows, A = num_actions, T = num_steps,
E = num_envs, P = number of parameters.
"""

import numpy as np

# ---------------------------------------------------------------- forward pass


def linear_forward(x, W, b):
    """y = x W^T + b.    x [B, in], W [out, in], b [out] -> y [B, out]"""
    return x @ W.T + b


def activation_forward(z, kind):
    """h = tanh(z) or max(z, 0), elementwise.    z [B, H] -> h [B, H]"""
    if kind == "tanh":
        return np.tanh(z)
    return np.maximum(z, 0).astype(z.dtype, copy=False)


def split_head(out, num_actions):
    """The fused head's rows: out [B, A+1] -> logits [B, A] = out[:, :A], value [B] = out[:, A]."""
    return out[:, :num_actions], out[:, num_actions]


def log_softmax(logits):
    """log pi(a|s) = l_a - m - log sum_j exp(l_j - m), m = max_j l_j.    [B, A] -> [B, A]"""
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def categorical_logprob(logp, actions):
    """log pi(a_i|s_i) = logp[i, a_i].    logp [B, A], actions [B] int -> [B]"""
    return logp[np.arange(len(actions)), actions]


def categorical_entropy(logp):
    """H_i = -sum_a pi(a|s_i) log pi(a|s_i).    logp [B, A] -> [B]"""
    return -(np.exp(logp) * logp).sum(axis=1)


# ---------------------------------------------------------------- advantages


def gae(rewards, values, next_values, dones, gamma, gae_lambda):
    """Generalized advantage estimation over a time-major rollout.    all [T, E] -> [T, E]

        delta_t = r_t + gamma * nv_t - v_t
        A_t     = delta_t + gamma * lambda * (1 - done_t) * A_{t+1},   A_T = 0

    v_t = V(s_t). nv_t is the bootstrap value of the state after step t *in the
    same episode*: V(s_{t+1}) while the episode goes on, V(final obs) when it was
    truncated at t, and 0 when it terminated at t (no future reward after a
    terminal state). done_t = 1 when the episode ended at t (terminated or
    truncated), so advantages never leak across episode boundaries.
    """
    advantages = np.zeros_like(rewards)
    next_advantage = np.zeros_like(rewards[0])
    for t in reversed(range(len(rewards))):
        delta = rewards[t] + gamma * next_values[t] - values[t]
        next_advantage = delta + gamma * gae_lambda * (1 - dones[t]) * next_advantage
        advantages[t] = next_advantage
    return advantages


def returns_from_advantages(advantages, values):
    """Value targets R_t = A_t + V(s_t) (the lambda-returns).    [T, E] -> [T, E]"""
    return advantages + values


def normalize_advantages(advantages):
    """(A - mean A) / (std A + 1e-8), std unbiased (n - 1) like torch.std.    [B] -> [B]"""
    return (advantages - advantages.mean()) / (advantages.std(ddof=1) + 1e-8)


# ---------------------------------------------------------------- PPO loss


def ppo_loss(logits, values, actions, old_logprobs, old_values, advantages, returns,
             clip_coef, clip_vloss, ent_coef, vf_coef):
    """CleanRL's PPO loss on one minibatch and its gradient w.r.t. logits and values.

    logits [B, A], values [B] (new forward); actions [B] int; old_logprobs,
    old_values [B] from the rollout; advantages [B] (already normalised if
    norm_adv); returns [B].

        r_i   = exp(logp_i - old_logp_i)
        L_pg  = mean_i max(-A_i r_i, -A_i clip(r_i, 1-c, 1+c))
        L_v   = 0.5 mean_i (v_i - R_i)^2                                  (clip_vloss off)
        L_v   = 0.5 mean_i max((v_i - R_i)^2, (vc_i - R_i)^2),
                vc_i = old_v_i + clip(v_i - old_v_i, -c, c)                (clip_vloss on)
        H     = mean_i entropy_i
        loss  = L_pg - ent_coef H + vf_coef L_v

    Gradients (the mean's 1/B included), with p = softmax(logits):
        dloss/dr_i       = -A_i / B  where the unclipped term is the max or r_i is
                           inside [1-c, 1+c], else 0
        dloss/dlogits_i  = dloss/dr_i * r_i * (onehot(a_i) - p_i)
                           + ent_coef / B * p_i * (log p_i + entropy_i)
        dloss/dv_i       = vf_coef / B * (v_i - R_i)                       (unclipped wins)
                         = vf_coef / B * (vc_i - R_i) * [|v_i - old_v_i| <= c]  (clipped wins)

    Returns (stats, dlogits [B, A], dvalues [B]); stats holds loss, policy_loss,
    value_loss, entropy and logratio [B] (for approx_kl / clipfrac).
    """
    n = len(actions)
    logp = log_softmax(logits)
    probs = np.exp(logp)
    entropy = categorical_entropy(logp)
    logratio = categorical_logprob(logp, actions) - old_logprobs
    ratio = np.exp(logratio)

    pg_unclipped = -advantages * ratio
    pg_clipped = -advantages * np.clip(ratio, 1 - clip_coef, 1 + clip_coef)
    policy_loss = np.maximum(pg_unclipped, pg_clipped).mean()
    ratio_in_range = (ratio >= 1 - clip_coef) & (ratio <= 1 + clip_coef)
    dratio = -advantages / n * ((pg_unclipped >= pg_clipped) | ratio_in_range)
    dlogits = -probs * (dratio * ratio)[:, None]
    dlogits[np.arange(n), actions] += dratio * ratio
    dlogits += ent_coef / n * probs * (logp + entropy[:, None])

    if clip_vloss:
        v_unclipped = (values - returns) ** 2
        v_delta = np.clip(values - old_values, -clip_coef, clip_coef)
        v_clipped = (old_values + v_delta - returns) ** 2
        value_loss = 0.5 * np.maximum(v_unclipped, v_clipped).mean()
        delta_in_range = np.abs(values - old_values) <= clip_coef
        dvalues = vf_coef / n * np.where(v_unclipped >= v_clipped, values - returns,
                                         (old_values + v_delta - returns) * delta_in_range)
    else:
        value_loss = 0.5 * ((values - returns) ** 2).mean()
        dvalues = vf_coef / n * (values - returns)

    entropy_mean = entropy.mean()
    loss = policy_loss - ent_coef * entropy_mean + vf_coef * value_loss
    stats = dict(loss=loss, policy_loss=policy_loss, value_loss=value_loss, entropy=entropy_mean, logratio=logratio)
    return stats, dlogits.astype(logits.dtype, copy=False), dvalues.astype(values.dtype, copy=False)


def approx_kl(logratio):
    """KL(old || new) estimate mean((r - 1) - log r), r = exp(logratio) (CleanRL).    [B] -> scalar"""
    return ((np.exp(logratio) - 1) - logratio).mean()


def old_approx_kl(logratio):
    """The naive KL estimate mean(-log r).    [B] -> scalar"""
    return (-logratio).mean()


def clipfrac(logratio, clip_coef):
    """Fraction of samples whose ratio left the clip range: mean(|r - 1| > c).    [B] -> scalar"""
    return (np.abs(np.exp(logratio) - 1) > clip_coef).mean()


def explained_variance(values, returns):
    """1 - Var(R - v) / Var(R) (population variances); NaN when Var(R) = 0.    [N], [N] -> scalar"""
    var_returns = np.var(returns)
    return np.nan if var_returns == 0 else 1 - np.var(returns - values) / var_returns


# ---------------------------------------------------------------- backward pass


def linear_backward(dy, x, W):
    """Gradients of y = x W^T + b.    dy [B, out], x [B, in], W [out, in]

        dx = dy W      [B, in]
        dW = dy^T x    [out, in]
        db = sum_i dy_i  [out]
    """
    return dy @ W, dy.T @ x, dy.sum(axis=0)


def activation_backward(dh, h, kind):
    """dz from dh and the activation's *output* h (no pre-activation stored).    [B, H] -> [B, H]

        tanh: dz = dh (1 - h^2)        relu: dz = dh [h > 0]
    """
    if kind == "tanh":
        return dh * (1 - h * h)
    return dh * (h > 0)


def fuse_head_grad(dlogits, dvalues):
    """Gradient of the fused head output: [dlogits | dvalues].    [B, A], [B] -> [B, A+1]"""
    return np.concatenate([dlogits, dvalues[:, None]], axis=1)


# ---------------------------------------------------------------- optimiser


def global_norm(grads):
    """||g||_2 over all parameters.    [P] -> scalar"""
    return np.sqrt(np.sum(grads * grads))


def clip_by_global_norm(grads, max_norm):
    """g * min(1, max_norm / (||g|| + 1e-6)), like torch.nn.utils.clip_grad_norm_.    [P] -> ([P], norm)"""
    norm = global_norm(grads)
    return grads * min(1.0, max_norm / (float(norm) + 1e-6)), norm


def adam(params, grads, m, v, step, lr, beta1=0.9, beta2=0.999, eps=1e-5):
    """One bias-corrected Adam step (torch.optim.Adam, CleanRL's eps=1e-5).    [P] each

        m' = b1 m + (1 - b1) g          v' = b2 v + (1 - b2) g^2
        p' = p - lr / (1 - b1^t) * m' / (sqrt(v') / sqrt(1 - b2^t) + eps)

    `step` is t, counting from 1 for the first update. Returns (p', m', v').
    """
    m = beta1 * m + (1 - beta1) * grads
    v = beta2 * v + (1 - beta2) * grads * grads
    denom = np.sqrt(v) / np.sqrt(1 - beta2**step) + eps
    params = params - lr / (1 - beta1**step) * m / denom
    return params.astype(grads.dtype, copy=False), m, v


# ---------------------------------------------------------------- action sampling


def pcg4d(v):
    """Jarzynski & Olano's 4D hash (shaders/pcg4d.wgsl), on uint32 with wrap-around.    [..., 4] -> [..., 4]"""
    v = (np.asarray(v, np.uint32) * np.uint32(1664525) + np.uint32(1013904223)).astype(np.uint32)
    x, y, z, w = (v[..., i].copy() for i in range(4))
    with np.errstate(over="ignore"):
        x += y * w; y += z * x; z += x * y; w += y * z
        x ^= x >> np.uint32(16); y ^= y >> np.uint32(16); z ^= z >> np.uint32(16); w ^= w >> np.uint32(16)
        x += y * w; y += z * x; z += x * y; w += y * z
    return np.stack([x, y, z, w], axis=-1)


def sample_actions_gumbel(out, seed, step, ids, stream):
    """Gumbel-max sampling from the fused head's output (shaders/sample_actions.wgsl).    out [B, A+1], ids [B]

        u_{r,a} = ((pcg4d(seed, step, ids_r, stream * 65536 + a).x >> 8) + 0.5) / 2^24     in (0, 1)
        a_r     = argmax_a l_{r,a} - log(-log u_{r,a})       P(a_r = a) = softmax(l_r)_a
        logp_r  = log_softmax(l_r)[a_r],   value_r = out[r, A]

    Returns (actions [B] int, logprobs [B], values [B]) in out's dtype.
    """
    B, A = out.shape[0], out.shape[1] - 1
    logits = out[:, :A]
    keys = np.empty((B, A, 4), np.uint32)
    keys[..., 0], keys[..., 1] = np.uint32(seed & 0xFFFFFFFF), np.uint32(step)
    keys[..., 2] = np.asarray(ids, np.uint32)[:, None]
    keys[..., 3] = np.uint32(stream) * np.uint32(65536) + np.arange(A, dtype=np.uint32)
    u = ((pcg4d(keys)[..., 0] >> np.uint32(8)).astype(np.float32) + np.float32(0.5)) * np.float32(2.0**-24)
    actions = np.argmax(logits - np.log(-np.log(u)), axis=1)
    return actions, categorical_logprob(log_softmax(logits), actions), out[:, A]


SHUFFLE_ROUNDS, SHUFFLE_STREAM = 8, 0x5348  # shaders/shuffle_rows.wgsl's constants


def feistel(x, key, half_bits):
    """Eight Feistel rounds on 2h-bit values (shaders/shuffle_rows.wgsl):    x [n] uint32 -> [n] uint32

        (L, R) -> (R, L xor (pcg4d(R, key, r, SHUFFLE_STREAM).x & (2^h - 1))),   r = 0 .. 7
    """
    mask = np.uint32((1 << half_bits) - 1)
    left, right = np.asarray(x, np.uint32) >> np.uint32(half_bits), np.asarray(x, np.uint32) & mask
    for round_ in range(SHUFFLE_ROUNDS):
        words = np.stack(np.broadcast_arrays(right, np.uint32(key), np.uint32(round_), np.uint32(SHUFFLE_STREAM)), -1)
        left, right = right, left ^ (pcg4d(words)[..., 0] & mask)
    return (left << np.uint32(half_bits)) | right


def shuffled_rows(rows, key):
    """pi_key(0 .. rows-1): the Feistel network on 2h bits (rl.shuffle.half_bits) walked until each value
    is below rows (cycle walking), a permutation of [0, rows).    -> [rows] int32"""
    from rl.shuffle import half_bits
    half = half_bits(rows)
    order = feistel(np.arange(rows, dtype=np.uint32), key, half)
    outside = order >= rows
    while outside.any():
        order[outside] = feistel(order[outside], key, half)
        outside = order >= rows
    return order.astype(np.int32)
