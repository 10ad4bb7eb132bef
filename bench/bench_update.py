"""PPO update throughput and acting cost: WGSL (wgpu-py) vs the numpy twin vs PyTorch CPU, ratios in one run.

    python bench/bench_update.py [--shapes 34-128-128-31,34-64-64-31,34-8-8-31] [--minibatch 512,256,256]
                                 [--epochs 4] [--minibatches 4] [--layout shared] [--seconds 1] [--act-envs 16,256,4096]
                                 [--per-kernel] [--vulkan system|swiftshader]

Update: one PPO update of `epochs x minibatches` minibatch steps (gather,
forward, PPO loss, backward, grad-norm clip, Adam) on a synthetic rollout of
`minibatches x minibatch` rows, through each backend's `train_minibatches`.
The GPU backend records the whole update in one submission with one stats
readback; "WGSL, per minibatch" is the same work as one submission and one
readback per minibatch step (train_minibatch), to show what batching the
submissions buys. Figures: samples/s (minibatch rows trained per second),
GFLOPS of the matrix products (2 n_in n_out per row per product: forward,
weight gradient, and input gradient past the first layer), and the ratio to
numpy measured in the same run; then the same per second of this process's
CPU time (all its threads, lavapipe's included), steadier than wall time on a
shared machine (on a real GPU, wall time is the figure). A shape is obs-hidden...-outputs (outputs =
actions + 1, the value); 34-64-64-31 at minibatch 256 is the page's model.
PyTorch CPU runs the same shared-trunk model and loss if it is importable
(else its column says so). Acting: ms per rollout step for E envs, the batched
forward plus sampling: on the GPU (linear kernels + sample_actions.wgsl, one
readback of the sampled columns) vs numpy's forward plus Python's sampler.
With --per-kernel, instead: each dispatch of one minibatch step timed
alone (repeated in one submission), per dispatch and per update, to show
where the update's time goes; the page's update is `--shapes 34-64-64-31
--minibatch 256 --minibatches 16 --per-kernel` (a shared trunk, 4 epochs x 16
minibatches).
--vulkan swiftshader runs on the SwiftShader Vulkan driver that Debian's
chromium ships (what the page and the Node trainer run on without a GPU)
instead of the system's (lavapipe here).
Wall-clock time on whatever machine runs it (lavapipe without a GPU): prints
figures, never asserts on time.
"""

import argparse
import asyncio
import inspect
import math
import os
import random
import sys
import time
from array import array

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

import gpu  # noqa: E402
from rl import numpy_backend as numpy_module  # noqa: E402
from rl.wgsl import backend as wgsl_module  # noqa: E402
from rl.wgsl import kernels as k  # noqa: E402
from rl.wgsl.network import GPUNetwork  # noqa: E402
from rl.config import PPOConfig  # noqa: E402
from rl.model import ModelConfig, chains, init_params  # noqa: E402
from rl.rollout import Rollout, sample_actions  # noqa: E402
from bench_dawn import SWIFTSHADER_ICD  # noqa: E402  (bench/ is this script's folder)

NUM_ENVS = 16
PAGE_SHAPE, PAGE_MINIBATCH = "34-64-64-31", 256  # the page's model and minibatch


def model_from_shape(shape: str, activation: str, layout: str) -> ModelConfig:
    """'34-128-128-31' -> ModelConfig(obs_size=34, hidden_sizes=(128, 128), num_actions=30)."""
    try:
        sizes = [int(part) for part in shape.split("-")]
    except ValueError:
        raise SystemExit(f"--shapes: {shape!r} is not obs-hidden...-outputs, e.g. 34-64-64-31") from None
    if len(sizes) < 3 or sizes[-1] < 2:
        raise SystemExit(f"--shapes: {shape!r} needs obs, at least one hidden width and outputs >= 2 (actions + 1)")
    return ModelConfig(obs_size=sizes[0], num_actions=sizes[-1] - 1, hidden_sizes=tuple(sizes[1:-1]),
                       activation=activation, layout=layout)


def flops_per_row(model_config: ModelConfig) -> int:
    """Matrix-product flops of one minibatch row's forward and backward (2 per multiply-add)."""
    total = 0
    for chain in chains(model_config):
        for depth, (_, n_in, n_out) in enumerate(chain):
            total += 2 * n_in * n_out * (3 if depth > 0 else 2)  # forward, weight gradient, input gradient
    return total


def synthetic_rollout(num_steps: int, model_config: ModelConfig) -> Rollout:
    rng = np.random.default_rng(0)
    n = num_steps * NUM_ENVS

    def f32(x):
        return array("f", np.asarray(x, np.float32).tobytes())

    actions = rng.integers(0, model_config.num_actions, n).astype(np.int32)
    return Rollout(num_steps, NUM_ENVS, f32(rng.normal(size=n * model_config.obs_size)), array("i", actions.tobytes()),
                   f32(-math.log(model_config.num_actions) + 0.3 * rng.normal(size=n)), f32(rng.normal(size=n)),
                   f32(rng.normal(size=n)), f32(rng.normal(size=n)), f32(rng.random(n) < 0.05), f32(np.ones(n)))


async def timed(call, seconds: float, cpu: bool = False):
    """Mean wall seconds per call over about `seconds` of repeated calls (after one warm-up call); awaits
    coroutines. With cpu=True, (wall, process CPU) seconds per call: the CPU time of every thread of this
    process, lavapipe's workers included, is the steadier figure on a machine shared with other work."""
    async def once():
        result = call()
        if inspect.isawaitable(result):
            await result

    await once()
    count, start, start_cpu = 0, time.perf_counter(), time.process_time()
    while count == 0 or time.perf_counter() - start < seconds:
        await once()
        count += 1
    wall = (time.perf_counter() - start) / count
    return (wall, (time.process_time() - start_cpu) / count) if cpu else wall


def torch_update(model_config: ModelConfig, rollout: Rollout, ppo: PPOConfig, minibatches: list):
    """The same shared-trunk MLP, PPO loss, clip and Adam in PyTorch (CPU, float32) over `minibatches`;
    None if torch is not installed."""
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
    indices = [torch.tensor(list(m), dtype=torch.long) for m in minibatches]

    def step(index):
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
        return loss.detach()

    def update():
        losses = [step(index) for index in indices]
        [float(loss) for loss in losses]  # the stats reach Python, as with the other backends

    return update


async def bench_update(model_config, ppo, minibatch, seconds, device):
    rollout = synthetic_rollout(ppo.num_steps, model_config)
    rng = random.Random(0)
    rows = list(range(ppo.num_minibatches * minibatch))
    minibatches = []
    for _ in range(ppo.update_epochs):
        rng.shuffle(rows)
        minibatches += [array("i", rows[i * minibatch:(i + 1) * minibatch]) for i in range(ppo.num_minibatches)]

    async def per_minibatch(backend):
        for indices in minibatches:
            await backend.train_minibatch(indices, ppo.learning_rate, ppo)

    results = []
    for name, module, kwargs, one_call in (("numpy twin", numpy_module, {}, True),
                                           ("WGSL", wgsl_module, {"device": device}, True),
                                           ("WGSL, per minibatch", wgsl_module, {"device": device}, False)):
        backend = await module.create_backend(model_config, **kwargs)
        await backend.load_params(init_params(model_config, 1))
        await backend.set_rollout(rollout)
        await backend.compute_advantages(ppo.gamma, ppo.gae_lambda)
        call = ((lambda: backend.train_minibatches(minibatches, ppo.learning_rate, ppo)) if one_call
                else (lambda: per_minibatch(backend)))
        results.append((name, await timed(call, seconds, cpu=True)))
    update = torch_update(model_config, rollout, ppo, minibatches) if model_config.layout == "shared" else None
    results.append(("PyTorch CPU", None if update is None else await timed(update, seconds, cpu=True)))
    samples = len(minibatches) * minibatch
    base, base_cpu = results[0][1]
    shape = "-".join(map(str, (model_config.obs_size, *model_config.hidden_sizes, model_config.num_actions + 1)))
    page = " (the page's model)" if (shape, minibatch) == (PAGE_SHAPE, PAGE_MINIBATCH) else ""
    print(f"\nPPO update {shape} {model_config.activation} {model_config.layout}{page}, minibatch {minibatch}, "
          f"{ppo.update_epochs} epochs x {ppo.num_minibatches} minibatches")
    print(f"{'backend':<22}{'samples/s':>12}{'ms/update':>11}{'GFLOPS':>9}{'vs numpy':>10}"
          f"{'samples/CPU-s':>15}{'vs numpy':>10}")
    for name, figures in results:
        if figures is None:
            why = "not installed" if model_config.layout == "shared" else "shared layout only"
            print(f"{name:<22}{why:>12}")
            continue
        per_update, per_update_cpu = figures
        rate = samples / per_update
        print(f"{name:<22}{rate:>12,.0f}{1e3 * per_update:>11.1f}{rate * flops_per_row(model_config) / 1e9:>9.2f}"
              f"{base / per_update:>9.2f}x{samples / per_update_cpu:>15,.0f}{base_cpu / per_update_cpu:>9.2f}x")


async def bench_kernels(model_config, ppo, minibatch, seconds, device):
    """Where one update's time goes: each dispatch of one minibatch step (backend.minibatch_steps) recorded
    alone, `repeats` times in one submission and waited for, minus an empty submission's wait, divided by
    `repeats`: CPU us per dispatch (this process's CPU time, the software adapter's threads included) and wall
    us. Identical dispatches (same kernel, layer and arguments: the actor's and critic's 64-64 layers) share a
    row. Per update: x (epochs x minibatches) minibatch steps, and each row's share of the sum."""
    rollout = synthetic_rollout(ppo.num_steps, model_config)
    backend = await wgsl_module.create_backend(model_config, device)
    await backend.load_params(init_params(model_config, 1))
    await backend.set_rollout(rollout)
    await backend.compute_advantages(ppo.gamma, ppo.gae_lambda)
    await backend.train_minibatches([array("i", range(minibatch))], ppo.learning_rate, ppo)  # reserves, warms
    repeats, steps_per_update = 32, ppo.update_epochs * ppo.num_minibatches

    def run(steps):
        def call():
            k.submit(device, steps)
            return k.read_floats(device, backend.stats, 1)
        return call

    wait_wall, wait_cpu = await timed(run([]), seconds / 8, cpu=True)  # the submission and readback alone
    rows = {}  # (label, args) -> [dispatches per step, wall, cpu]
    for dispatch, args in backend.minibatch_steps(minibatch, 0, 0, ppo):
        key = (dispatch.label, args)
        if key in rows:
            rows[key][0] += 1
            continue
        wall, cpu = await timed(run([(dispatch, args)] * repeats), seconds / 8, cpu=True)
        rows[key] = [1, max(0.0, wall - wait_wall) / repeats, max(0.0, cpu - wait_cpu) / repeats]
    total_cpu = sum(count * cpu for count, _, cpu in rows.values())
    shape = "-".join(map(str, (model_config.obs_size, *model_config.hidden_sizes, model_config.num_actions + 1)))
    print(f"\nPer kernel, {shape} {model_config.layout}, minibatch {minibatch}, {steps_per_update} minibatch steps "
          f"per update: each dispatch alone, {repeats} per submission (an empty submission's wait, "
          f"{1e6 * wait_cpu:.0f} CPU us, subtracted)")
    print(f"{'kernel':<36}{'args':>10}{'per update':>11}{'CPU us each':>13}{'wall us':>9}{'CPU ms/update':>15}"
          f"{'share':>8}")
    for (label, args), (count, wall, cpu) in rows.items():
        shown = ",".join(f"{a:g}" if isinstance(a, float) else str(a) for a in args)[:9]
        print(f"{label:<36}{shown:>10}{count * steps_per_update:>11}{1e6 * cpu:>13.1f}{1e6 * wall:>9.1f}"
              f"{1e3 * count * cpu * steps_per_update:>15.1f}{100 * count * cpu / total_cpu:>7.1f}%")
    dispatches = sum(count for count, _, _ in rows.values())
    print(f"{'the update':<36}{'':>10}{dispatches * steps_per_update:>11}{'':>13}{'':>9}"
          f"{1e3 * total_cpu * steps_per_update:>15.1f}")


async def bench_act(model_config, envs_list, seconds, device):
    """ms per rollout step: GPU forward + Gumbel-max sampling (one readback of [action, logprob, value]) vs
    numpy's forward + Python's inverse-CDF sampler."""
    params = init_params(model_config, 1)
    gpu_backend = await wgsl_module.create_backend(model_config, device)
    numpy_backend = await numpy_module.create_backend(model_config)
    for backend in (gpu_backend, numpy_backend):
        await backend.load_params(params)
    rng, sampler = np.random.default_rng(0), random.Random(0)
    print(f"\nActing {model_config.obs_size}-{'-'.join(map(str, model_config.hidden_sizes))}-"
          f"{model_config.num_actions + 1}: ms per rollout step for E envs (forward + sampling)")
    print(f"{'E':>6}{'WGSL fwd+sample':>17}{'numpy fwd + Python sampling':>29}{'WGSL speed-up':>15}")
    for envs in envs_list:
        network = GPUNetwork(device, gpu_backend.kernels, model_config, gpu_backend.params, None, envs,
                             with_backward=False)
        clock = k.storage_buffer(device, 2, "clock")
        ids = k.storage_buffer(device, envs, "env ids")
        device.queue.write_buffer(ids, 0, array("I", range(envs)))
        table = k.storage_buffer(device, 3 * envs, "sampled")
        sample = k.sample_actions(device, gpu_backend.kernels, model_config.num_actions, 0, 0, envs, 0, 0,
                                  network.out, clock, ids, table)
        obs = array("f", rng.normal(size=envs * model_config.obs_size).astype(np.float32).tobytes())

        async def gpu_act():
            device.queue.write_buffer(network.x, 0, obs)
            k.submit(device, network.forward_steps(envs) + [(sample, (envs,))])
            await k.read_floats(device, table, 3 * envs)

        async def numpy_act():
            logits, _ = await numpy_backend.forward(obs, envs)
            sample_actions(logits, model_config.num_actions, sampler)

        on_gpu, on_cpu = await timed(gpu_act, seconds), await timed(numpy_act, seconds)
        print(f"{envs:>6}{1e3 * on_gpu:>17.3f}{1e3 * on_cpu:>29.3f}{on_cpu / on_gpu:>14.2f}x")
        network.destroy()


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shapes", default="34-128-128-31,34-64-64-31,34-8-8-31",
                        help="comma-separated obs-hidden...-outputs shapes")
    parser.add_argument("--minibatch", default="512,256,256",
                        help="minibatch rows: one per shape, or one for all")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--minibatches", type=int, default=4, help="minibatches per epoch")
    parser.add_argument("--activation", default="tanh", choices=("tanh", "relu"))
    parser.add_argument("--layout", default="shared", choices=("shared", "separate"))
    parser.add_argument("--seconds", type=float, default=1.0, help="time per figure")
    parser.add_argument("--act-envs", default="16,256,4096", help="E for the acting table ('' to skip it)")
    parser.add_argument("--per-kernel", action="store_true",
                        help="instead of the update table, time each dispatch of one minibatch step alone")
    parser.add_argument("--vulkan", choices=("system", "swiftshader"), default="system",
                        help="the Vulkan driver: the system's, or chromium's SwiftShader")
    args = parser.parse_args()
    if args.vulkan == "swiftshader":
        os.environ["VK_ICD_FILENAMES"] = str(SWIFTSHADER_ICD)
    shapes = args.shapes.split(",")
    sizes = [int(m) for m in args.minibatch.split(",")]
    if len(sizes) == 1:
        sizes *= len(shapes)
    if len(sizes) != len(shapes) or min(sizes) < 2:
        raise SystemExit(f"--minibatch: give one size >= 2 for all shapes or one per shape ({len(shapes)})")
    device = await gpu.request_device(label="bench")
    print(f"GPU adapter: {device.adapter_info.get('device') or device.adapter_info}; CPU cores: {os.cpu_count()}")
    for shape, minibatch in zip(shapes, sizes):
        model_config = model_from_shape(shape, args.activation, args.layout)
        ppo = PPOConfig(num_envs=NUM_ENVS, num_steps=-(-args.minibatches * minibatch // NUM_ENVS),
                        num_minibatches=args.minibatches, update_epochs=args.epochs)
        bench = bench_kernels if args.per_kernel else bench_update
        await bench(model_config, ppo, minibatch, args.seconds, device)
    if args.act_envs and not args.per_kernel:
        page = model_from_shape(PAGE_SHAPE, args.activation, args.layout)
        await bench_act(page, [int(e) for e in args.act_envs.split(",")], args.seconds, device)


if __name__ == "__main__":
    asyncio.run(main())
