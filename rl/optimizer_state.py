"""Adam's state, as the backends hand it out and agent files store it (standard library only)."""

from array import array
from dataclasses import dataclass


@dataclass
class OptimizerState:
    """Adam state in the learner's flat parameter order (rl/model.py's layout)."""

    m: array  # first moment, array("f") [P]
    v: array  # second moment, array("f") [P]
    step: int  # Adam updates taken so far (t in the bias corrections 1 - beta^t)

    def check(self, num_params: int) -> None:
        """Raise ValueError unless m and v hold num_params values each and step is an int >= 0."""
        for name, values in (("m", self.m), ("v", self.v)):
            if len(values) != num_params:
                raise ValueError(f"optimizer state: {name} has {len(values)} values, the model has {num_params}")
        if not (isinstance(self.step, int) and not isinstance(self.step, bool) and self.step >= 0):
            raise ValueError(f"optimizer state: step must be an int >= 0, got {self.step!r}")
