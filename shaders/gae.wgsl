// Generalized advantage estimation and returns, one thread per env scanning time backwards:
//
//   delta_t = r_t + gamma * nv_t - v_t
//   A_t     = delta_t + gamma * lambda * (1 - done_t) * A_{t+1},   A_T = 0
//   R_t     = A_t + v_t
//
// nv_t is the bootstrap value after step t in the same episode: V(s_{t+1}),
// V(final obs) when truncated at t, 0 when terminated at t (the collector
// fills it, rl/rollout.py). done_t = 1 at any episode end, so advantages
// never cross episodes; a truncation still bootstraps through nv_t.
//
//   rollout [9, N] column-major, N = T * E, element (t, e) at t * E + e:
//           2 value, 3 advantage (out), 4 return (out), 5 reward, 6 next_value, 7 done

struct Gae { num_steps: u32, num_envs: u32, gamma: f32, gae_lambda: f32 }

@group(0) @binding(0) var<uniform> u: Gae;
@group(0) @binding(1) var<storage, read_write> rollout: array<f32>;

const VALUE: u32 = 2u;
const ADVANTAGE: u32 = 3u;
const RETURN: u32 = 4u;
const REWARD: u32 = 5u;
const NEXT_VALUE: u32 = 6u;
const DONE: u32 = 7u;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    let e = id.x;
    if (e >= u.num_envs) {
        return;
    }
    let n = u.num_steps * u.num_envs;
    var advantage = 0.0;
    for (var t = i32(u.num_steps) - 1; t >= 0; t--) {
        let i = u32(t) * u.num_envs + e;
        let value = rollout[VALUE * n + i];
        let delta = rollout[REWARD * n + i] + u.gamma * rollout[NEXT_VALUE * n + i] - value;
        advantage = delta + u.gamma * u.gae_lambda * (1.0 - rollout[DONE * n + i]) * advantage;
        rollout[ADVANTAGE * n + i] = advantage;
        rollout[RETURN * n + i] = advantage + value;
    }
}
