"""Headless self-play PPO for soccer (CPython): `python -m rl.train`.

    python -m rl.train --steps 3000000 --seed 1 --out model.dshq [--backend numpy|gpu] [--workers K]
        [--engine numpy|gpu]
        [PPO flags with CleanRL's names: --learning-rate --num-envs --num-steps --gamma --gae-lambda
         --num-minibatches --update-epochs --[no-]norm-adv --clip-coef --[no-]clip-vloss --ent-coef
         --vf-coef --max-grad-norm --target-kl --[no-]anneal-lr --anneal-steps --lr-floor]
        [self-play: --snapshot-prob --scripted-prob --random-prob --pool-size --snapshot-every
         --approach-coef --progress-coef]
        [--eval-every STEPS --eval-episodes N]

One update of rl.loop's learner loop (CleanRL's ppo.py loop), with self-play
around it (rl/soccer/rollout_sources.py) and this file's two sinks:

  1. collect  num_steps decisions in each of num_envs rl.soccer.selfplay matches with
              the current params: in this process (--workers 1, acting through
              the learner's backend), or split over K worker processes with
              num_envs / K matches each (acting with the numpy MLP on a copy of
              the params); their rollouts are merged env-wise into one.
              Collection is synchronous: every rollout is on-policy.
  2. update   rl.ppo.PPOLearner.update: GAE, then update_epochs passes of
              num_minibatches Adam steps, learning rate annealed linearly.
  3. pool     every snapshot_every updates the new params join the opponent
              pool of every env (the initial params are the first snapshot).
  4. evaluate (TrainingRun) every eval_every env steps and at the end: greedy play against
              the scripted baseline in eval_episodes 1-minute matches
              (rl.evaluate); then the checkpoint is written.

Output: one JSON object per update on stdout (global_step, CleanRL's
charts/* and losses/* names, selfplay/win_rate_vs_<opponent> over the
training episodes that ended in the rollout and were decided, and
eval/win_rate_vs_scripted = wins / decided matches when evaluated); a progress
line per update on stderr. The checkpoint (.dshq via rl.files.agent_file: params,
Adam state, metadata model_config, ppo_config, selfplay_config, obs/action
spec versions, train_step, policy_version = updates done, as the page counts
versions, and win_rate_vs_scripted) is written
atomically (a temporary file in the same folder, then os.replace) after every
evaluation, at the end, and on Ctrl-C, which saves the last completed update
and exits with code 130. Bad flags exit with code 2 and a message naming the
flag.

Defaults: PPOConfig's CleanRL defaults except rl.config.SOCCER_PPO: a
soccer-sized batch (64 envs x 128 steps = 8192) cut into 32 minibatches of
256, so an update takes 128 Adam steps (CleanRL's Atari ratio of gradient
steps per sample), learning rate 1e-3 and ent_coef 0.001 (with 3e-4 and 0.01
the policy stayed near uniform for 3M steps; the tuning runs are in
docs/learning_curve.md), 30 s training episodes (TrainConfig) and SelfPlayConfig's
reward terms, closing speed 4.0 and ball progress 2.0 (with them 11 of 12
seeds beat the scripted player in 0.78-0.95 of decided matches after 3M
steps; without the progress term seeds 5-8 give 0.59-0.86). numpy runs with
one BLAS thread (OPENBLAS_NUM_THREADS etc. default to 1): the 2x128 MLP is
far too small for threads to pay, and on a busy machine they make a 64-row
forward ~70x slower.
"""

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # before numpy is imported, here or in a worker process

import argparse
import ast
import asyncio
import inspect
import json
import re
import sys
import tempfile
import textwrap
from dataclasses import asdict, dataclass, fields, replace

from rl.backend import create_backend
from rl.config import SOCCER_PPO, PPOConfig
from rl.files.agent_file import save_agent
from rl.files.container import CheckpointError, sweep_stale_temporaries
from rl.loop import LearnerLoop
from rl.model import ModelConfig, init_params, parse_hidden_sizes
from rl.numpy_backend import NumpyMLP
from rl.policy import Policy
from rl.soccer.evaluation import evaluate, load_model
from rl.soccer.league import ANCHOR, League
from rl.soccer.rollout_sources import SelfPlaySource, WorkerProcessSource
from rl.soccer.selfplay import SelfPlayConfig
from rl.soccer.spec import NUM_ACTIONS, OBS_SIZE
from sim import SoccerConfig


@dataclass(frozen=True)
class TrainConfig:
    steps: int
    """Env steps (learner decisions) to train for; rounded down to whole updates of num_envs * num_steps."""
    out: str
    """Path of the .dshq checkpoint. A file there with more training is never replaced by one with less."""
    backend: str = "numpy"
    """Learner backend: "numpy" (rl/numpy_backend.py) or "gpu" (WGSL through wgpu-py); --engine gpu implies gpu."""
    engine: str = "numpy"
    """Rollout engine: "numpy" (the Python sim in this process or in --workers processes, numpy snapshot
    opponents) or "gpu" (rl/soccer/gpu_rollout_source.py: the WGSL sim, sampling and opponents on the learner
    backend's device, rollouts never leave the GPU)."""
    workers: int = 1
    """Rollout processes; 1 collects in this process. Must divide num_envs."""
    hidden_sizes: tuple = (128, 128)
    """Hidden layer widths of the shared-trunk network (rl/model.py), e.g. 64,64 for the page's model."""
    eval_every: int = 100_000
    """Env steps between evaluations against the scripted baseline (0: only at the end)."""
    eval_episodes: int = 32
    """1-minute matches per evaluation (0: never evaluate)."""
    match_seconds: float = 30.0
    """Training episodes end at the first goal or after this many simulated seconds (evaluation plays
    full 60 s matches). Goalless episodes are mostly slow play against weak opponents, so long ones
    would crowd the scripted baseline out of the data (10, 20, 30 and 60 s: docs/learning_curve.md)."""


# ----------------------------------------------------------------------------- the run's file


def rating_against_anchor(result: dict) -> dict:
    """What a .dshq carries of its league rating: the fit of an evaluation's wins, draws and losses
    against the scripted anchor (rl/soccer/league.py)."""
    league = League()
    league.add("agent")
    league.record("agent", ANCHOR, result["wins"], result["draws"], result["losses"])
    return league.file_rating("agent")


class TrainingRun:
    """The sink that evaluates and checkpoints. `params`, `optimizer` and `global_step` always describe
    the last completed update, so the checkpoint can be written at any moment (Ctrl-C)."""

    def __init__(self, run: TrainConfig, ppo: PPOConfig, selfplay: SelfPlayConfig, held_steps: int = 0):
        self.run, self.ppo, self.selfplay = run, ppo, selfplay
        self.held_steps = held_steps  # train_step of the agent that `out` held when the run started
        self.model_config = ModelConfig(OBS_SIZE, NUM_ACTIONS, hidden_sizes=run.hidden_sizes)
        self.params = init_params(self.model_config, ppo.seed)
        self.optimizer = None
        self.global_step = 0
        self.updates = 0
        self.win_rate_vs_scripted = None
        self.league_rating = None     # rated against the scripted anchor by the last evaluation

    def save(self) -> str | None:
        """Write the checkpoint, unless that would lose training: never at step 0, never over a file that
        holds more steps. Returns why it did not write (None if it wrote)."""
        if self.global_step == 0:
            return "the first update had not finished"
        if self.held_steps > self.global_step:
            return f"{self.run.out} holds an agent trained for {self.held_steps:,} steps, more than this run's"
        metadata = {"train_step": self.global_step, "policy_version": self.updates,
                    "ppo_config": asdict(self.ppo), "selfplay_config": asdict(self.selfplay),
                    "match_seconds": self.run.match_seconds, "backend": self.run.backend,
                    "engine": self.run.engine}
        if self.win_rate_vs_scripted is not None:
            metadata["win_rate_vs_scripted"] = self.win_rate_vs_scripted
        if self.league_rating is not None:
            metadata["league_rating"] = self.league_rating
        save_agent(self.run.out, self.params, self.model_config, metadata, optimizer=self.optimizer)
        self.held_steps = 0
        return None

    def evaluate(self) -> dict:
        """Greedy play vs the scripted baseline in eval_episodes 1-minute matches (the same seed each time)."""
        policy = Policy(self.params, self.model_config, mlp=NumpyMLP)
        result = evaluate(policy.act, "scripted", self.run.eval_episodes, self.ppo.seed)
        self.win_rate_vs_scripted = result["win_rate"]
        self.league_rating = rating_against_anchor(result)
        return {"eval/win_rate_vs_scripted": result["win_rate"],
                **{f"eval/{key}": result[key] for key in ("wins", "draws", "losses", "goals_for", "goals_against")}}

    async def __call__(self, loop: LearnerLoop, entry: dict) -> None:
        """After each update: keep its state; at every eval_every steps and at the end, evaluate and save."""
        self.params, self.optimizer = loop.params, await loop.backend.get_optimizer_state()
        self.global_step, self.updates = loop.global_step, loop.updates
        due = loop.updates == loop.num_updates or (  # the last update, or one that crossed a multiple of eval_every
            self.run.eval_every > 0 and self.global_step // self.run.eval_every
            > (self.global_step - self.ppo.batch_size) // self.run.eval_every)
        if due and self.run.eval_episodes:
            entry.update(self.evaluate())
        if due and (refused := self.save()) is not None:
            print(f"\nnot saved at step {self.global_step:,}: {refused}", file=sys.stderr, flush=True)

    async def rollout_source(self, backend):
        """On the GPU (--engine gpu, on `backend`'s device), in this process (--workers 1) or in worker processes."""
        run, ppo, selfplay = self.run, self.ppo, self.selfplay
        match = SoccerConfig(match_seconds=run.match_seconds)
        if run.engine == "gpu":
            from rl.soccer.gpu_rollout_source import GpuSelfPlaySource  # imports the GPU layer
            return await GpuSelfPlaySource.create(backend, ppo, selfplay, match, self.params)
        if run.workers == 1:
            return SelfPlaySource(ppo, selfplay, match, self.model_config, self.params)
        return WorkerProcessSource(run.workers, ppo, selfplay, match, self.model_config, self.params)


class Log:
    """The sink that prints each update: the JSON entry on stdout, a progress line on stderr (rewritten in
    place on a terminal)."""

    def __init__(self, total_steps: int):
        self.total_steps = total_steps
        self.in_place = sys.stderr.isatty()
        self.win_rate = None

    async def __call__(self, loop: LearnerLoop, entry: dict) -> None:
        print(json.dumps(entry), flush=True)
        self.win_rate = entry.get("eval/win_rate_vs_scripted", self.win_rate)
        episodic_return = entry["charts/episodic_return"]
        line = (f"step {entry['global_step']:>10,}/{self.total_steps:,}"
                f" ({100 * entry['global_step'] / self.total_steps:5.1f}%)"
                f" | {entry['charts/SPS']:,} SPS"
                f" | return {'-' if episodic_return is None else f'{episodic_return:+.3f}'}"
                f" | win rate vs scripted {'-' if self.win_rate is None else f'{self.win_rate:.3f}'}")
        print(f"\r{line}" if self.in_place else line, end="" if self.in_place else "\n", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- command line


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def hidden_sizes(text: str) -> tuple:
    """rl.model.parse_hidden_sizes, its error as one argparse reports under the flag's name."""
    try:
        return parse_hidden_sizes(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def parse_args(argv) -> tuple[TrainConfig, PPOConfig, SelfPlayConfig, int]:
    """The run's settings, checked, and the train_step of the agent --out holds (0 if none)."""
    parser = argparse.ArgumentParser(prog="python -m rl.train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, required=True, help=field_doc(TrainConfig, "steps"))
    parser.add_argument("--seed", type=int, default=SOCCER_PPO.seed, help=field_doc(PPOConfig, "seed"))
    parser.add_argument("--out", required=True, help=field_doc(TrainConfig, "out"))
    parser.add_argument("--backend", choices=("numpy", "gpu"), default=None, help=field_doc(TrainConfig, "backend"))
    parser.add_argument("--engine", choices=("numpy", "gpu"), default="numpy", help=field_doc(TrainConfig, "engine"))
    for name in ("workers", "eval_every", "eval_episodes", "match_seconds"):
        parser.add_argument(flag(name), type=float if name == "match_seconds" else int,
                            default=getattr(TrainConfig, name), help=field_doc(TrainConfig, name))
    parser.add_argument("--hidden-sizes", type=hidden_sizes, default=TrainConfig.hidden_sizes,
                        help=field_doc(TrainConfig, "hidden_sizes"))
    hyperparameters = parser.add_argument_group("PPO hyperparameters (CleanRL names)")
    for f in fields(PPOConfig):
        if f.name == "seed":
            continue
        default = getattr(SOCCER_PPO, f.name)
        if f.type is bool:
            hyperparameters.add_argument(flag(f.name), action=argparse.BooleanOptionalAction, default=default,
                                         help=field_doc(PPOConfig, f.name))
        else:
            kind = int if f.type is int else optional_float if f.name == "target_kl" else float
            hyperparameters.add_argument(flag(f.name), type=kind, default=default, help=field_doc(PPOConfig, f.name))
    selfplay_group = parser.add_argument_group("self-play opponent pool")
    for f in fields(SelfPlayConfig):
        selfplay_group.add_argument(flag(f.name), type=int if f.type is int else float,
                                    default=getattr(SelfPlayConfig, f.name), help=field_doc(SelfPlayConfig, f.name))
    args = vars(parser.parse_args(argv))

    try:
        ppo = replace(SOCCER_PPO, **{f.name: args[f.name] for f in fields(PPOConfig)})
        selfplay = SelfPlayConfig(**{f.name: args[f.name] for f in fields(SelfPlayConfig)})
    except ValueError as error:
        field = re.search(r"(?:PPOConfig|SelfPlayConfig)\.(\w+)", str(error))
        parser.error(f"{flag(field.group(1)) if field else 'hyperparameters'}: {error}")
    if args["backend"] is None:
        args["backend"] = "gpu" if args["engine"] == "gpu" else TrainConfig.backend
    if args["engine"] == "gpu" and (args["backend"] != "gpu" or args["workers"] != 1):
        parser.error("--engine gpu runs the learner on the GPU backend in this process: drop --backend numpy and"
                     " --workers")
    run = TrainConfig(**{f.name: args[f.name] for f in fields(TrainConfig)})
    if run.workers < 1 or ppo.num_envs % run.workers:
        parser.error(f"--workers must be >= 1 and divide --num-envs={ppo.num_envs}, got {run.workers}")
    if run.steps < ppo.batch_size:
        parser.error(f"--steps must be at least one batch (--num-envs * --num-steps = {ppo.batch_size}),"
                     f" got {run.steps}")
    if run.eval_every < 0:
        parser.error(f"--eval-every must be >= 0, got {run.eval_every}")
    if run.eval_episodes < 0:
        parser.error(f"--eval-episodes must be >= 0, got {run.eval_episodes}")
    try:
        SoccerConfig(match_seconds=run.match_seconds)
    except ValueError as error:
        parser.error(f"--match-seconds: {error}")
    problem = out_problem(run.out)
    if problem:
        parser.error(f"--out: {problem}")
    held_steps = held_train_step(run.out)
    planned = run.steps // ppo.batch_size * ppo.batch_size
    if held_steps > planned:
        parser.error(f"--out: {run.out!r} holds an agent trained for {held_steps:,} steps, more than this run's"
                     f" {planned:,}; it would never be replaced: choose another --out, or remove that file")
    return run, ppo, selfplay, held_steps


def out_problem(out: str) -> str | None:
    """Why the checkpoint cannot be written at `out` (None if it can): checked before training starts."""
    if not out:
        return "the path is empty"
    if os.path.isdir(out):
        return f"{out!r} is a folder; give a file name, e.g. {os.path.join(out, 'model.dshq')!r}"
    if os.path.lexists(out) and not os.path.isfile(out):
        return f"{out!r} exists and is not a regular file"
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        return f"folder {folder!r} does not exist"
    try:  # what the atomic write will do: create a file beside `out` (and then replace `out` with it)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".dshq-write-check."):
            pass
    except OSError as error:
        return f"cannot write in folder {folder!r}: {error.strerror or error}"
    if os.path.exists(out) and not os.access(out, os.W_OK) and not os.access(folder, os.W_OK):
        return f"{out!r} cannot be replaced"
    return None


def held_train_step(out: str) -> int:
    """train_step of the agent file at `out`; 0 if there is none, or it is not a valid agent file (then
    it is said, and the run replaces it)."""
    if not os.path.exists(out):
        return 0
    try:
        _, _, metadata = load_model(out)
    except (CheckpointError, OSError) as error:
        print(f"warning: {out} is not a valid agent file ({error}); this run replaces it", file=sys.stderr)
        return 0
    return metadata.get("train_step", 0)


def field_doc(cls, name: str) -> str:
    """A dataclass field's docstring: the string literal right after the field in the class body."""
    body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0].body
    for field, doc in zip(body, body[1:]):
        if isinstance(field, ast.AnnAssign) and field.target.id == name and isinstance(doc, ast.Expr):
            return doc.value.value
    return ""


def optional_float(text: str):
    return None if text.lower() == "none" else float(text)


async def learn(trainer: TrainingRun, backend, source, log: Log) -> None:
    """rl.loop's learner loop over the self-play source, with the run's file and the log as sinks."""
    await backend.load_params(trainer.params)
    num_updates = trainer.run.steps // trainer.ppo.batch_size
    await LearnerLoop(backend, trainer.ppo, source, [trainer, log], trainer.params, num_updates=num_updates).run()


def main(argv=None) -> int:
    """Exit codes: 0 trained and saved; 2 bad flags or backend; 130 interrupted (Ctrl-C), with the last
    completed update saved where that loses no training."""
    run, ppo, selfplay, held_steps = parse_args(argv)
    for path in sweep_stale_temporaries(run.out):
        print(f"removed {path}, left by an interrupted save", file=sys.stderr)
    if held_steps:
        print(f"warning: {run.out} holds an agent trained for {held_steps:,} steps; this run replaces it once it"
              f" has trained at least as long", file=sys.stderr)
    trainer = TrainingRun(run, ppo, selfplay, held_steps)
    loop = asyncio.new_event_loop()  # not asyncio.run: its SIGINT handler would only cancel at an await
    try:
        try:
            backend = loop.run_until_complete(create_backend(run.backend, trainer.model_config))
        except Exception as error:  # an unknown backend, or a GPU that could not start
            print(f"error: --backend {run.backend}: {error}", file=sys.stderr)
            return 2
        try:
            source = loop.run_until_complete(trainer.rollout_source(backend))
        except RuntimeError as error:  # gpu.GPUError: e.g. a batch past what this adapter's buffers hold
            if run.engine != "gpu":
                raise
            print(f"error: --engine {run.engine} with --num-envs {ppo.num_envs} x --num-steps {ppo.num_steps}: "
                  f"{error}", file=sys.stderr)
            return 2
        log = Log(run.steps // ppo.batch_size * ppo.batch_size)
        collection = "rollouts on the GPU" if run.engine == "gpu" else f"{run.workers} rollout process(es)"
        print(f"training {run.steps // ppo.batch_size} updates of {ppo.batch_size} steps on {run.backend},"
              f" {collection} -> {run.out}", file=sys.stderr, flush=True)
        loop.run_until_complete(learn(trainer, backend, source, log))
    except KeyboardInterrupt:
        refused = trainer.save()
        said = (f"saved step {trainer.global_step:,} to {run.out}" if refused is None
                else f"nothing saved ({refused}); {run.out} is as it was")
        print(f"\ninterrupted: {said}", file=sys.stderr, flush=True)
        return 130
    finally:
        loop.close()
    if log.in_place:
        print(file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
