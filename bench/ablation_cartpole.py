"""Why the learner lagged CleanRL on CartPole-v1: an ablation over the network and the optimiser.

    OPENBLAS_NUM_THREADS=1 python bench/ablation_cartpole.py [--seeds 1 2 3] [--max-steps 300000]

Every row is our learner with CleanRL ppo.py's defaults (PPOConfig(): 4 envs x
128 steps, lr 2.5e-4 annealed over 500k steps, ...) on CartPole-v1 with one
change to the network's layout or width, its init (orthogonal with CleanRL's
gains, or PyTorch's default), Adam's eps (CleanRL's 1e-5, or PyTorch's 1e-8) or
the value scale (rewards, hence value targets, x0.01; returns are logged
unscaled). Figure: env steps until the mean return of the 20 latest episodes
first reaches 475 (bench/race.py), stopped there or at --max-steps (">" then).
Prints a markdown table.
"""

import argparse
import functools
import os
import statistics
import sys
from array import array

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import race  # noqa: E402
from race import make_envs, train_ours  # noqa: E402
from rl import reference  # noqa: E402
from rl.config import PPOConfig  # noqa: E402
from rl.model import ModelConfig, chains, init_params, num_params, param_layout  # noqa: E402

TOTAL_STEPS = 500_000  # CleanRL's total_timesteps: the learning rate anneals over it


class ScaledRewards:
    """Rewards times `scale` for the learner (the value targets shrink with them); the log keeps raw returns."""

    def __init__(self, log, scale: float):
        self.log, self.scale = log, scale

    def __getattr__(self, name):
        return getattr(self.log, name)

    def step(self, actions):
        obs, rewards, terminations, truncations, infos = self.log.step(actions)
        return obs, rewards * self.scale, terminations, truncations, infos


def uniform_init(config: ModelConfig, seed: int) -> array:
    """PyTorch's default nn.Linear init instead of the orthogonal one: W, b ~ U(-1/sqrt(in), 1/sqrt(in))."""
    rng = np.random.default_rng(seed)
    specs = {spec.name: spec for spec in param_layout(config)}
    params = np.zeros(num_params(config), np.float32)
    for name, n_in, _ in (layer for chain in chains(config) for layer in chain):
        for spec in (specs[f"{name}.weight"], specs[f"{name}.bias"]):
            params[spec.offset : spec.offset + spec.size] = rng.uniform(-n_in**-0.5, n_in**-0.5, spec.size)
    return array("f", params.tobytes())


SEPARATE, SHARED = dict(hidden_sizes=(64, 64), layout="separate"), dict(hidden_sizes=(64, 64))
VARIANTS = {  # name: (ModelConfig kwargs, init, Adam eps, reward scale)
    "shared 128x128 (train()'s old default)": (dict(hidden_sizes=(128, 128)), init_params, 1e-5, 1.0),
    "shared 64x64": (SHARED, init_params, 1e-5, 1.0),
    "shared 64x64, PyTorch's default init": (SHARED, uniform_init, 1e-5, 1.0),
    "shared 64x64, Adam eps 1e-8": (SHARED, init_params, 1e-8, 1.0),
    "shared 64x64, rewards x0.01": (SHARED, init_params, 1e-5, 0.01),
    "separate 128x128": (dict(hidden_sizes=(128, 128), layout="separate"), init_params, 1e-5, 1.0),
    "separate 64x64 (CleanRL's agent)": (SEPARATE, init_params, 1e-5, 1.0),
    "separate 64x64, PyTorch's default init": (SEPARATE, uniform_init, 1e-5, 1.0),
    "separate 64x64, Adam eps 1e-8": (SEPARATE, init_params, 1e-8, 1.0),
    "separate 64x64, rewards x0.01": (SEPARATE, init_params, 1e-5, 0.01),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--max-steps", type=int, default=300_000, help="stop a run that has not reached 475 here")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    args = parser.parse_args()
    adam = reference.adam
    seeds = " | ".join(f"seed {s}" for s in args.seeds)
    print(f"| variant | {seeds} | median |\n|---|{'---:|' * (len(args.seeds) + 1)}")
    for name in args.variants:
        model_kwargs, init, eps, scale = VARIANTS[name]
        reference.adam = functools.partial(adam, eps=eps)  # the numpy backend's Adam, for this row only
        race.init_params = init
        cells = []
        for seed in args.seeds:
            config = PPOConfig(seed=seed)
            envs = make_envs("CartPole-v1", config.num_envs,
                             None if scale == 1.0 else functools.partial(ScaledRewards, scale=scale))
            figures = train_ours(envs, config, ModelConfig(4, 2, **model_kwargs), TOTAL_STEPS, 475.0,
                                 max_steps=args.max_steps)
            cells.append(figures["steps_to_threshold"])
            print(f"  {name} seed {seed}: {figures}", file=sys.stderr, flush=True)
        reached = sorted(c if c is not None else float("inf") for c in cells)
        median = statistics.median(reached)
        text = [f"{c:,}" if c is not None else f"> {args.max_steps:,}" for c in cells]
        print(f"| {name} | {' | '.join(text)} | {f'{median:,.0f}' if median != float('inf') else '-'} |", flush=True)


if __name__ == "__main__":
    main()
