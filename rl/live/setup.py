"""What the page sends to the training workers, and how each side reads it.

The page builds one `LiveSetup` (model, PPO and self-play hyperparameters,
worker counts), sends `asdict(setup)` to every worker, and every worker
rebuilds the same objects with `setup_from_args` — so the ring layout, the
board size and the model agree everywhere.
"""

from dataclasses import asdict, dataclass, field

from rl.live.layout import SegmentLayout, ring_bytes
from rl.config import SOCCER_PPO, PPOConfig
from rl.live.training import LiveTrainingConfig
from rl.model import ModelConfig, num_params
from rl.soccer.selfplay import SelfPlayConfig
from sim import NUM_ACTIONS, OBSERVATION_SIZE

ENGINES = ("auto", "gpu", "workers")   # rl/live/engine.py says what each runs
RUNNING_ENGINES = ("gpu", "workers")  # what `auto` turns into

WHOLE_NUMBER_RANGES = {"rollout_workers": (1, 16), "envs_per_worker": (1, 256), "gpu_envs": (1, 4096),
                       "num_steps": (1, 1024), "ring_slots": (1, 64), "eval_episodes": (0, 256),
                       "seed": (0, 2**32 - 1)}
"""(lowest, highest) of each whole-number field, for the URL, the panel (app/hyperparameters.py) and the
workers alike: browser threads, matches per batch, and a seed the GPU's hashes take whole."""
MAX_GPU_ENGINE_ROWS = 4096 * 128
"""The most rows (gpu_envs x num_steps) of a GPU-engine rollout: its observations ([rows, 34] f32, 71 MB
here) stay within the 128 MiB a WebGPU storage buffer binding holds by default."""
MAX_PARAMS = 2**21
"""The largest network (parameters) the page trains: the GPU engine's snapshot pool keeps pool_size + 1 of
them in one storage buffer (9 x 8 MiB at the most), and every worker holds a few copies."""
MAX_RING_BYTES = 256 * 2**20
"""The largest rollout ring (a SharedArrayBuffer of ring_slots segments of num_steps x envs_per_worker
rows) the page allocates; a larger one fails in the browser, or takes memory the page needs."""


@dataclass
class LiveSetup:
    rollout_workers: int = 2
    """Rollout workers (module workers, each with its own GPU device for acting)."""
    envs_per_worker: int = 16
    """Soccer matches each rollout worker steps together (its EnvBatch size)."""
    gpu_envs: int = 64
    """Soccer matches the GPU engine steps together (its batch is gpu_envs x num_steps). Its rollout costs
    a chain of dispatches per decision whatever the env count, so more envs than the rollout workers' 2 x 16
    amortise it (docs/gpu_engine.md: measured through Dawn on SwiftShader, 64 envs trained 1.5x the env
    steps/s of 16)."""
    num_steps: int = 64
    """Decisions per env in one ring segment, and per GPU-engine rollout (T)."""
    ring_slots: int = 8
    """Segments the rollout ring holds before producers wait."""
    hidden_sizes: tuple = (64, 64)
    """Policy MLP hidden layer widths."""
    activation: str = "tanh"
    """Policy MLP activation, "tanh" or "relu" (rl/model.py)."""
    seed: int = 1
    """Seeds the initial weights, the workers' envs and the minibatch order."""
    eval_episodes: int = 4
    """One-minute matches per evaluation against the scripted baseline (0: no evaluator worker)."""
    eval_share: float = 1.0
    """The largest share of one CPU core the evaluator worker takes (0 < share <= 1): after each evaluation
    or league match it rests until its busy time is at most this share of its time. On a machine with few
    cores the page lowers it (app/live_run.py's default_eval_share): there the evaluator's Python competes
    with the trainer's software GPU for the same cores (docs/gpu_engine.md)."""
    ppo: dict = field(default_factory=dict)
    """PPOConfig overrides (CleanRL names), e.g. {"learning_rate": 3e-4}."""
    selfplay: dict = field(default_factory=dict)
    """SelfPlayConfig overrides, e.g. {"snapshot_prob": 0.0, "scripted_prob": 0.7, "random_prob": 0.3}."""
    engine: str = "auto"
    """Where the trainer's rollouts come from: "gpu" (on its own device), "workers" (the rollout workers
    over the ring) or "auto" (rl/live/engine.py's rule: gpu on a hardware adapter, else the faster measured)."""

    def __post_init__(self):
        self.hidden_sizes = tuple(self.hidden_sizes)
        for name, (lowest, highest) in WHOLE_NUMBER_RANGES.items():
            value = getattr(self, name)
            if not (isinstance(value, int) and not isinstance(value, bool) and lowest <= value <= highest):
                raise ValueError(f"{name} must be a whole number from {lowest} to {highest:,}, got {value!r}")
        if (count := num_params(self.model_config())) > MAX_PARAMS:
            raise ValueError(f"hidden_sizes {','.join(map(str, self.hidden_sizes))} make a network of {count:,} "
                             f"parameters; the page trains at most {MAX_PARAMS:,}")
        if self.gpu_envs * self.num_steps > MAX_GPU_ENGINE_ROWS:
            raise ValueError(f"the GPU engine's batch gpu_envs x num_steps must be at most {MAX_GPU_ENGINE_ROWS:,} "
                             f"rows, got {self.gpu_envs} x {self.num_steps}")
        if (size := ring_bytes(self.ring_slots, self.segment_layout().nbytes)) > MAX_RING_BYTES:
            raise ValueError(f"the rollout ring (ring_slots x num_steps x envs_per_worker) must fit in "
                             f"{MAX_RING_BYTES // 2**20} MiB, got {size / 2**20:,.0f} MiB for "
                             f"{self.ring_slots} x {self.num_steps} x {self.envs_per_worker}")
        if not (isinstance(self.eval_share, (int, float)) and not isinstance(self.eval_share, bool)
                and 0 < self.eval_share <= 1):
            raise ValueError(f"eval_share must be a number above 0 and at most 1, got {self.eval_share!r}")
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        for engine in RUNNING_ENGINES:      # PPO overrides (e.g. num_minibatches) must suit either batch
            try:
                self.ppo_config(engine)
            except ValueError as err:
                raise ValueError(f"{err} (the {engine} engine's batch)") from None
        self.selfplay_config()

    def model_config(self) -> ModelConfig:
        return ModelConfig(OBSERVATION_SIZE, NUM_ACTIONS, hidden_sizes=self.hidden_sizes, activation=self.activation)

    def num_envs(self, engine: str) -> int:
        """The envs of one PPO batch when `engine` ("gpu" or "workers") runs: the GPU engine's own, or one
        segment from each rollout worker."""
        if engine not in RUNNING_ENGINES:
            raise ValueError(f"the running engine is one of {', '.join(RUNNING_ENGINES)}, got {engine!r}")
        return self.gpu_envs if engine == "gpu" else self.rollout_workers * self.envs_per_worker

    def ppo_config(self, engine: str) -> PPOConfig:
        """The trainer's PPO config when `engine` runs: its batch (num_envs); SOCCER_PPO's learning rate,
        entropy bonus and minibatch size, 4 epochs, a constant learning rate (live training has no end to anneal
        to). Annealing by env steps (PPOConfig.anneal_steps, lr_floor: 1e-3 to 1e-4 over 8M) held the win rate
        steadier past 3M env steps headless, but in the page its first wins came later (one session's three runs;
        docs/learning_curve.md, "The learning rate past 3M env steps"), and the early minutes come first.
        Two epochs learned faster per env step headless at this shape, but not in the page: there the GPU engine
        with 2 epochs stalled near 0.4 of decided matches, with 4 it passed 0.6 (docs/learning_curve.md)."""
        num_envs = self.num_envs(engine)
        values = {"num_envs": num_envs, "num_steps": self.num_steps,
                  "num_minibatches": soccer_minibatches(num_envs * self.num_steps), "update_epochs": 4,
                  "learning_rate": SOCCER_PPO.learning_rate, "ent_coef": SOCCER_PPO.ent_coef, "anneal_lr": False,
                  "seed": self.seed, **self.ppo}
        return PPOConfig(**values)

    def selfplay_config(self) -> SelfPlayConfig:
        return SelfPlayConfig(**self.selfplay)

    def eval_rest_seconds(self, busy: float) -> float:
        """How long the evaluator rests after `busy` seconds of matches so that they are `eval_share` of its
        time: busy x (1 - share) / share (0 at share 1)."""
        return busy * (1 - self.eval_share) / self.eval_share

    def live_config(self) -> LiveTrainingConfig:
        return LiveTrainingConfig(segments_per_update=self.rollout_workers)

    def segment_layout(self) -> SegmentLayout:
        return SegmentLayout(self.num_steps, self.envs_per_worker, OBSERVATION_SIZE)

    def to_args(self) -> dict:
        return asdict(self)


def soccer_minibatches(batch_size: int) -> int:
    """The most minibatches that split the batch evenly with at least SOCCER_PPO's minibatch size (256)
    each, and at most its count (32, rl.train's); 1 for a smaller batch.

    Up to rl.train's batch (8,192) the minibatches hold 256 rows (the page's 4,096: 16 of them); past it the
    count stays at 32 and the minibatches grow, as `rl.train --num-envs N` does. Each minibatch step is a
    chain of ~17 dispatches that a GPU runs one after another (about 0.45 ms on an H200 at 256 rows,
    docs/kernels.md), so 256-row minibatches would cap the update near 135k rows/s on any GPU; at 1,024 envs
    x 64 steps the 32 larger ones learned as much per env step or more over three seeds
    (docs/learning_curve.md, "Minibatches at large batches")."""
    most = max(1, min(SOCCER_PPO.num_minibatches, batch_size // SOCCER_PPO.minibatch_size))
    return max(count for count in range(1, most + 1) if batch_size % count == 0)


def setup_from_args(args: dict) -> LiveSetup:
    return LiveSetup(**{**args, "hidden_sizes": tuple(args["hidden_sizes"])})
