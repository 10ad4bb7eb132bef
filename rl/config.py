"""PPO hyperparameters: one dataclass with CleanRL's names and defaults.

Defaults are CleanRL's `ppo.py` (classic control). Every field is checked in
`validate()`, which runs on construction; a bad value raises ValueError naming
the field.
"""

import math
from dataclasses import dataclass, fields


@dataclass
class PPOConfig:
    learning_rate: float = 2.5e-4
    """Adam step size at the start of training (annealed linearly to lr_floor x it when `anneal_lr`)."""
    num_envs: int = 4
    """Parallel environments in the vector env; must equal the env's `num_envs`."""
    num_steps: int = 128
    """Steps collected per environment per update (the rollout length T)."""
    gamma: float = 0.99
    """Discount factor, in [0, 1]."""
    gae_lambda: float = 0.95
    """Lambda of generalized advantage estimation, in [0, 1]."""
    num_minibatches: int = 4
    """Minibatches per epoch; must divide batch_size = num_envs * num_steps."""
    update_epochs: int = 4
    """Passes over the rollout per update."""
    norm_adv: bool = True
    """Normalise advantages per minibatch to zero mean and unit (unbiased) std."""
    clip_coef: float = 0.2
    """PPO surrogate clipping: the ratio is clipped to [1 - clip_coef, 1 + clip_coef]."""
    clip_vloss: bool = True
    """Clip the value prediction to within clip_coef of the rollout value (CleanRL's clipped value loss)."""
    ent_coef: float = 0.01
    """Weight of the entropy bonus in the loss."""
    vf_coef: float = 0.5
    """Weight of the value loss in the loss."""
    max_grad_norm: float = 0.5
    """The global L2 norm of the gradient is clipped to this value."""
    target_kl: float | None = None
    """Stop the update epochs early once approx_kl exceeds this value (None: never)."""
    anneal_lr: bool = True
    """Anneal the learning rate linearly from learning_rate to lr_floor x learning_rate over anneal_steps."""
    anneal_steps: int = 0
    """Env steps the annealing takes, then the rate holds at its floor. 0: over the whole run (CleanRL);
    a run with no planned end (live training) then keeps learning_rate constant."""
    lr_floor: float = 0.0
    """Where the annealing ends, as a fraction of learning_rate, in [0, 1] (CleanRL: 0)."""
    seed: int = 1
    """Seeds parameter init, env reset, action sampling and minibatch shuffling."""

    def __post_init__(self):
        self.validate()

    @property
    def batch_size(self) -> int:
        """Transitions per rollout: num_envs * num_steps."""
        return self.num_envs * self.num_steps

    @property
    def minibatch_size(self) -> int:
        """Transitions per minibatch: batch_size // num_minibatches."""
        return self.batch_size // self.num_minibatches

    def validate(self) -> None:
        """Raise ValueError naming the first field with an invalid value."""
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type is bool:
                ok, kind = isinstance(value, bool), "a bool"
            elif f.type is int:
                ok, kind = isinstance(value, int) and not isinstance(value, bool), "an int"
            else:  # float, or float | None for target_kl
                ok = (value is None and f.name == "target_kl") or (
                    isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value))
                kind = "a finite number"
            if not ok:
                raise ValueError(f"PPOConfig.{f.name} must be {kind}, got {value!r}")

        def require(name, condition, rule):
            if not condition:
                raise ValueError(f"PPOConfig.{name} must be {rule}, got {getattr(self, name)!r}")

        require("learning_rate", self.learning_rate > 0, "> 0")
        require("num_envs", self.num_envs >= 1, ">= 1")
        require("num_steps", self.num_steps >= 1, ">= 1")
        require("gamma", 0 <= self.gamma <= 1, "in [0, 1]")
        require("gae_lambda", 0 <= self.gae_lambda <= 1, "in [0, 1]")
        require("num_minibatches", self.num_minibatches >= 1, ">= 1")
        require("num_minibatches", self.batch_size % self.num_minibatches == 0,
                f"a divisor of batch_size = num_envs * num_steps = {self.batch_size}")
        require("num_minibatches", not self.norm_adv or self.minibatch_size >= 2,
                "small enough that minibatches hold >= 2 samples (norm_adv needs a std)")
        require("update_epochs", self.update_epochs >= 1, ">= 1")
        require("clip_coef", self.clip_coef > 0, "> 0")
        require("ent_coef", self.ent_coef >= 0, ">= 0")
        require("vf_coef", self.vf_coef >= 0, ">= 0")
        require("max_grad_norm", self.max_grad_norm > 0, "> 0")
        require("target_kl", self.target_kl is None or self.target_kl > 0, "None or > 0")
        require("anneal_steps", self.anneal_steps >= 0, ">= 0")
        require("lr_floor", 0 <= self.lr_floor <= 1, "in [0, 1]")


SOCCER_PPO = PPOConfig(num_envs=64, num_steps=128, num_minibatches=32, learning_rate=1e-3, ent_coef=0.001)
"""The soccer-tuned defaults (rl.train's; the page takes its learning rate, entropy bonus and minibatch
size of 256): with CleanRL's 2.5e-4 and 0.01 the 30-action policy stayed near uniform for 3M steps under
observation spec 1, and at the page's batch shape under spec 2 it won 0.64 of decided matches against the
scripted player instead of 0.88 (one seed; docs/learning_curve.md)."""
