"""PPO update throughput and rollout acting cost: WGSL (wgpu-py) vs the numpy twin (vs PyTorch CPU).

    python bench/bench_update.py [--minibatch 512] [--hidden 128,128] [--seconds 3]

Update: samples/s through one minibatch step (gather, forward, PPO loss,
backward, grad-norm clip, Adam; the GPU backend's one stats readback
included) at a fixed model (soccer-sized: 34 observations, 30 actions) and
minibatch size, on one synthetic rollout. PyTorch CPU runs the same model and
loss if it is importable. Acting: the cost per rollout step of the batched
forward for E envs, and of sampling those E rows in Python, for the question
"sample on the GPU or read logits back?". Wall-clock time on whatever machine
runs it (lavapipe without a GPU): prints figures, never asserts on time.
"""

import argparse
import asyncio
import inspect
import math
import random
import os
import sys
import time
from array import array

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

import gpu  # noqa: E402
from rl import numpy_backend as numpy_module
from rl.wgsl import backend as wgsl_module  # noqa: E402
from rl.config import PPOConfig  # noqa: E402
from rl.model import ModelConfig, init_params  # noqa: E402
from rl.policy import Policy  # noqa: E402
from rl.rollout import Rollout, sample_actions  # noqa: E402
from sim import NUM_ACTIONS, OBSERVATION_SIZE  # noqa: E402

NUM_ENVS = 16


def synthetic_rollout(num_steps: int, model_config: ModelConfig) -> Rollout:
    rng = np.random.default_rng(0)
    n = num_steps * NUM_ENVS

    def f32(x):
        return array("f", np.asarray(x, np.float32).tobytes())

    actions = rng.integers(0, model_config.num_actions, n).astype(np.int32)
    return Rollout(num_steps, NUM_ENVS, f32(rng.normal(size=n * model_config.obs_size)), array("i", actions.tobytes()),
                   f32(-math.log(model_config.num_actions) + 0.3 * rng.normal(size=n)), f32(rng.normal(size=n)),
                   f32(rng.normal(size=n)), f32(rng.normal(size=n)), f32(rng.random(n) < 0.05), f32(np.ones(n)))


async def timed(call, seconds: float) -> float:
    """Mean seconds per call over about `seconds` of repeated calls (after one warm-up call); awaits coroutines."""
    async def once():
        result = call()
        if inspect.isawaitable(result):
            await result

    await once()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        await once()
        count += 1
    return (time.perf_counter() - start) / count


def torch_update(model_config: ModelConfig, rollout: Rollout, ppo: PPOConfig, minibatch: int):
    """The same MLP, PPO loss, clip and Adam in PyTorch (CPU, float32); None if torch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(os.cpu_count() or 1)
    sizes = (model_config.obs_size, *model_config.hidden_sizes)
    act = torch.nn.Tanh if model_config.activation == "tanh" else torch.nn.ReLU
    layers = [m for a, b in zip(sizes, sizes[1:]) for m in (torch.nn.Linear(a, b), act())]
    net = torch.nn.Sequential(*layers, torch.nn.Linear(sizes[-1], model_config.num_actions + 1))
    optimizer = torch.optim.Adam(net.parameters(), lr=ppo.learning_rate, eps=1e-5)
    n = rollout.num_steps * rollout.num_envs
    obs = torch.frombuffer(bytearray(rollout.obs), dtype=torch.float32).reshape(n, -1)
    actions = torch.frombuffer(bytearray(rollout.actions), dtype=torch.int32).long()
    old_logprobs, old_values, advantages, returns = (torch.frombuffer(bytearray(a), dtype=torch.float32)
                                                     for a in (rollout.logprobs, rollout.values, rollout.rewards,
                                                               rollout.next_values))
    index = torch.arange(minibatch)

    def step():
        out = net(obs[index])
        logits, values = out[:, :-1], out[:, -1]
        logp = torch.log_softmax(logits, dim=1)
        entropy = -(logp.exp() * logp).sum(1)
        logratio = logp.gather(1, actions[index, None])[:, 0] - old_logprobs[index]
        ratio = logratio.exp()
        adv = advantages[index]
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        pg_loss = torch.max(-adv * ratio, -adv * ratio.clamp(1 - ppo.clip_coef, 1 + ppo.clip_coef)).mean()
        v_clipped = old_values[index] + (values - old_values[index]).clamp(-ppo.clip_coef, ppo.clip_coef)
        v_loss = 0.5 * torch.max((values - returns[index]) ** 2, (v_clipped - returns[index]) ** 2).mean()
        loss = pg_loss - ppo.ent_coef * entropy.mean() + ppo.vf_coef * v_loss
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), ppo.max_grad_norm)
        optimizer.step()
        float(loss.detach())  # the stats reach Python, as with the other backends

    return step


async def bench_update(model_config, ppo, minibatch, seconds, device):
    rollout = synthetic_rollout(2 * minibatch // NUM_ENVS, model_config)
    indices = array("i", range(minibatch))
    rows = []
    for name, module, kwargs in (("numpy twin", numpy_module, {}),
                                 ("WGSL (wgpu-py)", wgsl_module, {"device": device})):
        backend = await module.create_backend(model_config, **kwargs)
        await backend.load_params(init_params(model_config, 1))
        await backend.set_rollout(rollout)
        await backend.compute_advantages(ppo.gamma, ppo.gae_lambda)
        rows.append((name, await timed(lambda: backend.train_minibatch(indices, ppo.learning_rate, ppo), seconds)))
    step = torch_update(model_config, rollout, ppo, minibatch)
    rows.append(("PyTorch CPU", None if step is None else await timed(step, seconds)))
    base = rows[0][1]
    print(f"\nPPO update, minibatch {minibatch}, model {model_config.obs_size}-"
          f"{'-'.join(map(str, model_config.hidden_sizes))}-{model_config.num_actions + 1} {model_config.activation}")
    print(f"{'backend':<16}{'samples/s':>12}{'ms/minibatch':>14}{'vs numpy':>10}")
    for name, per_call in rows:
        if per_call is None:
            print(f"{name:<16}{'not installed':>12}")
        else:
            print(f"{name:<16}{minibatch / per_call:>12,.0f}{1e3 * per_call:>14.2f}{base / per_call:>9.2f}x")


async def bench_act(model_config, seconds, device):
    params = init_params(model_config, 1)
    gpu_backend = await wgsl_module.create_backend(model_config, device)
    numpy_backend = await numpy_module.create_backend(model_config)
    for backend in (gpu_backend, numpy_backend):
        await backend.load_params(params)
    policy = Policy(params, model_config)
    rng = np.random.default_rng(0)
    print("\nActing, ms per rollout step for E envs (forward of E rows; sampling E rows in Python)")
    print(f"{'E':>6}{'WGSL fwd+readback':>19}{'numpy fwd':>11}{'pure-Python fwd':>17}{'Python sampling':>17}")
    sampler = random.Random(0)
    for envs in (4, 16, 64, 256):
        obs = array("f", rng.normal(size=envs * model_config.obs_size).astype(np.float32).tobytes())
        logits, _ = await gpu_backend.forward(obs, envs)
        figures = [
            await timed(lambda: gpu_backend.forward(obs, envs), seconds),
            await timed(lambda: numpy_backend.forward(obs, envs), seconds),
            await timed(lambda: policy.forward(obs), seconds) if envs <= 64 else None,
            await timed(lambda: sample_actions(logits, model_config.num_actions, sampler), seconds),
        ]
        print(f"{envs:>6}" + "".join(f"{'-' if f is None else f'{1e3 * f:.3f}':>{w}}"
                                     for f, w in zip(figures, (19, 11, 17, 17))))


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minibatch", type=int, default=512)
    parser.add_argument("--hidden", default="128,128")
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    model_config = ModelConfig(obs_size=OBSERVATION_SIZE, num_actions=NUM_ACTIONS, hidden_sizes=tuple(map(int, args.hidden.split(","))))
    ppo = PPOConfig(num_envs=NUM_ENVS, num_steps=2 * args.minibatch // NUM_ENVS, num_minibatches=2)
    device = await gpu.request_device(label="bench")
    print(f"GPU adapter: {device.adapter_info.get('device') or device.adapter_info}; CPU cores: {os.cpu_count()}")
    await bench_update(model_config, ppo, args.minibatch, args.seconds, device)
    await bench_act(model_config, args.seconds, device)


if __name__ == "__main__":
    asyncio.run(main())
