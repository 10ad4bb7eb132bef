"""Our learner and CleanRL's ppo.py side by side: same hyperparameters, same seeds, one run.

    OPENBLAS_NUM_THREADS=1 python bench/bench_cleanrl.py --cleanrl-python ~/.venvs/cleanrl/bin/python \
        [--seeds 1 2 3 4 5] [--tasks CartPole-v1 Acrobot-v1] [--total-steps 500000]

One-time setup of the peer's own venv (its runtime is never a project dependency):

    python3 -m venv ~/.venvs/cleanrl
    ~/.venvs/cleanrl/bin/pip install "gymnasium==0.29.1" "numpy<2" "torch==2.13.0" tyro tensorboard

(`--cleanrl-python` defaults to $DSHQ_CLEANRL_PYTHON; the peer script is
../shared/peers/cleanrl_ppo.py, or --cleanrl-script / $DSHQ_CLEANRL_SCRIPT.)

For each task and seed it runs CleanRL's ppo.py (with --no-cuda and
OMP_NUM_THREADS=1) and then ours (rl.train's network, rl.default_model_config,
on the numpy backend), both with PPOConfig()'s values, which are CleanRL's
defaults, passed explicitly to both, and both annealing the learning rate over
--total-steps. Both sides are measured the same way (bench/race.py): the
first env step at which the mean return of the 20 latest episodes, in step
order, reaches the task's threshold; each run stops there (or at
--total-steps). Env steps/s: CleanRL's last printed SPS; ours, steps over the
loop's wall time (start-up excluded on both sides). One process at a time.
Prints markdown tables; never fails on figures.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import fields

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from race import make_envs, steps_to_threshold, train_ours  # noqa: E402
from rl import default_model_config  # noqa: E402
from rl.config import PPOConfig  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
THRESHOLDS = {"CartPole-v1": 475.0, "Acrobot-v1": -100.0}  # rolling 20-episode mean return
EPISODE_LINE = re.compile(r"global_step=(\d+), episodic_return=\[?([-+0-9.eE]+)")
SHARED_FIELDS = ("learning_rate", "num_envs", "num_steps", "gamma", "gae_lambda", "num_minibatches",
                 "update_epochs", "norm_adv", "clip_coef", "clip_vloss", "ent_coef", "vf_coef", "max_grad_norm",
                 "anneal_lr", "seed")


def cleanrl_arguments(config: PPOConfig, env_id: str, total_steps: int) -> list[str]:
    """ppo.py's command-line flags (tyro: --name, --no-name for False) for `config`'s values."""
    args = ["--env-id", env_id, "--total-timesteps", str(total_steps), "--no-cuda"]
    values = {f.name: getattr(config, f.name) for f in fields(config)}
    for name in SHARED_FIELDS:
        flag = "--" + name.replace("_", "-")
        value = values[name]
        args += [flag] if value is True else [f"--no-{flag[2:]}"] if value is False else [flag, str(value)]
    return args


def run_cleanrl(python: str, script: str, config: PPOConfig, env_id: str, total_steps: int) -> dict:
    """Run ppo.py, reading its episodes as they are printed; stop it once the rolling mean reaches the threshold."""
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    episodes, sps = [], None
    with tempfile.TemporaryDirectory() as folder:  # ppo.py writes its tensorboard runs/ into the cwd
        process = subprocess.Popen([python, script, *cleanrl_arguments(config, env_id, total_steps)], cwd=folder,
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for line in process.stdout:
            if match := EPISODE_LINE.match(line):
                episodes.append((int(match[1]), float(match[2])))
                if steps_to_threshold(episodes, THRESHOLDS[env_id]) is not None:
                    break
            elif line.startswith("SPS:"):
                sps = int(line.split()[1])
        process.terminate()
        process.wait()
        if sps is None and not episodes:
            raise RuntimeError(f"CleanRL's ppo.py failed:\n{process.stderr.read()[-2000:]}")
    return {"steps_to_threshold": steps_to_threshold(episodes, THRESHOLDS[env_id]),
            "steps": episodes[-1][0] if episodes else 0, "sps": sps}


def cell(steps: int | None, total_steps: int) -> str:
    return f"{steps:,}" if steps is not None else f"> {total_steps:,}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cleanrl-python", default=os.environ.get("DSHQ_CLEANRL_PYTHON"),
                        help="python of the peer's venv (default $DSHQ_CLEANRL_PYTHON)")
    parser.add_argument("--cleanrl-script", default=os.environ.get(
        "DSHQ_CLEANRL_SCRIPT", os.path.join(ROOT, "..", "shared", "peers", "cleanrl_ppo.py")))
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--tasks", nargs="+", default=list(THRESHOLDS), choices=list(THRESHOLDS))
    parser.add_argument("--total-steps", type=int, default=500_000, help="CleanRL's total_timesteps (and ours)")
    args = parser.parse_args()
    if not args.cleanrl_python or not os.path.exists(args.cleanrl_script):
        parser.error("needs --cleanrl-python (or $DSHQ_CLEANRL_PYTHON) and the peer script; see the setup above")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}")
    for env_id in args.tasks:
        print(f"\n{env_id}: env steps until the 20-episode rolling mean return >= {THRESHOLDS[env_id]:g}\n")
        print("| seed | CleanRL | ours | CleanRL steps/s | ours steps/s |\n|---:|---:|---:|---:|---:|")
        wins = 0
        for seed in args.seeds:
            config = PPOConfig(seed=seed)
            theirs = run_cleanrl(args.cleanrl_python, args.cleanrl_script, config, env_id, args.total_steps)
            envs = make_envs(env_id, config.num_envs)
            ours = train_ours(envs, config, default_model_config(envs), args.total_steps, THRESHOLDS[env_id])
            at = [figures["steps_to_threshold"] or float("inf") for figures in (ours, theirs)]
            wins += at[0] <= at[1] and at[0] != float("inf")
            print(f"| {seed} | {cell(theirs['steps_to_threshold'], args.total_steps)} | "
                  f"{cell(ours['steps_to_threshold'], args.total_steps)} | {theirs['sps'] or '-'} | "
                  f"{ours['sps']:.0f} |", flush=True)
        print(f"\nours reached the threshold no later than CleanRL on {wins} of {len(args.seeds)} seeds")


if __name__ == "__main__":
    main()
