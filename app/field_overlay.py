"""The value field on the page: asks workers/value_field.py for fields, keeps the latest as the
image the renderer draws, and shows its legend and `status().value_field` (browser only).

Each animation frame `tick` looks at the show match; while the field is shown and a network
player is on the pitch (Blue's if both are), it asks for the field of the current state when
app/value_field.py's FieldRefresh allows: at most `refresh_hz` times a second, one request in
flight, only when the state or the weights changed. A request costs the main thread one small
message (20 floats); the weights travel once per policy. The answer (the worker's forward, on
its GPU or in pure Python) becomes viridis colours once, and the renderer uploads them once.
While the field is hidden nothing is asked; the worker starts the first time it is shown, and
is asked nothing before it is ready (boot.mjs has no entry to hand earlier messages to).
"""

import time
from dataclasses import asdict, dataclass
from array import array

from app.colormap import css_gradient
from app.dom import element
from app.dshq import set_status
from app.network_player import NetworkPlayer
from app.python_worker import PythonWorker
from app.value_field import FieldRefresh, ValueFieldConfig, field_colours
from sim import AGENTS


@dataclass
class FieldImage:
    """What the renderer draws: the cells' RGBA [C*R*4], the grid, and a version that changes with them."""
    colours: array
    columns: int
    rows: int
    version: int


class FieldOverlay:
    def __init__(self, match, config: ValueFieldConfig | None = None):
        self.match, self.config = match, config or ValueFieldConfig()
        self.refresh = FieldRefresh(self.config)
        self.worker = None
        self.policy, self.weights = None, 0     # the policy whose weights the worker holds, and their token
        self.requests = {}                      # id -> ((side, token), state, time_left) of the request in flight
        self.next_id = 0
        self.image = None                       # the FieldImage to draw, or None
        self.image_key = None                   # (side, token) the image belongs to
        self.answers = 0
        self.legend_side = None
        self.answer_seconds = 0.0               # main-thread time spent on answers since the page last read it

    def network_side(self):
        """(side, player) of the network player the field is for, or (None, None)."""
        for side in AGENTS:
            player = self.match.policies[side]
            if isinstance(player, NetworkPlayer):
                return side, player
        return None, None

    def tick(self, shown: bool) -> None:
        side, player = self.network_side() if shown else (None, None)
        if side is None:
            self.hide()
            return
        worker = self.start_worker()
        if not worker.ready.done() or worker.ready.exception() is not None:
            return                      # booting (messages before it is ready would be lost), or it failed
        if player.policy is not self.policy:
            self.send_weights(player.policy)
        key = (side, self.weights)
        if self.image_key != key:
            self.image = None           # another player's field is not this one's
        state, time_left = self.match.env.observation_inputs()
        now = time.perf_counter()
        if self.refresh.due(now, (key, state, time_left)):
            self.refresh.asked(now, (key, state, time_left))
            self.next_id += 1
            self.requests = {self.next_id: (key, state, time_left)}
            worker.post({"type": "field", "id": self.next_id, "weights": self.weights, "state": state,
                                      "side": AGENTS.index(side), "time_left": time_left})

    def start_worker(self) -> PythonWorker:
        if self.worker is None:
            self.worker = PythonWorker("workers.value_field:main", args={"config": asdict(self.config)},
                                       on_message=self.on_message)
            self.worker.result.add_done_callback(self.on_worker_end)
        return self.worker

    def on_worker_end(self, result) -> None:
        """The worker only ends when it failed: say so in the legend and status()."""
        text = f"The value field stopped: {result.exception() or 'its worker ended'}"
        element("field-legend-title").textContent = text
        element("field-legend").hidden = False
        set_status(value_field_error=text)

    def send_weights(self, policy) -> None:
        self.policy, self.weights = policy, self.weights + 1
        self.worker.post({"type": "weights", "weights": self.weights,
                                  "model": asdict(policy.model_config), "params": policy.params.tobytes()})

    def hide(self) -> None:
        if self.image is not None or self.legend_side is not None:
            self.image, self.image_key, self.legend_side = None, None, None
            element("field-legend").hidden = True
            set_status(value_field=None)
        self.refresh.forget()

    def on_message(self, message) -> None:
        kind = message.get("type")
        if kind == "error":
            self.refresh.answered()
            set_status(value_field_error=message.get("text"))
        elif kind == "field":
            started = time.perf_counter()
            self.refresh.answered()
            key, state, time_left = self.requests.pop(message["id"], (None, None, None))
            if key is None or key != (self.network_side()[0], self.weights):
                return                  # asked for a player or weights no longer on the pitch
            self.show(key[0], list(message["values"]), message["engine"], message["ms"], state, time_left)
            self.image_key = key
            self.answer_seconds += time.perf_counter() - started

    def show(self, side: str, values: list[float], engine: str, ms: float, state, time_left: float) -> None:
        colours, low, high = field_colours(values, self.config.opacity)
        self.answers += 1
        self.image = FieldImage(colours, self.config.columns, self.config.rows, self.answers)
        if self.legend_side != side:
            element("field-legend-title").textContent = (f"{side.capitalize()}'s value V(s) with the ball in "
                                                         "each cell")
            element("field-legend-bar").style.background = css_gradient()
            element("field-legend").hidden = False
            self.legend_side = side
        element("field-legend-low").textContent = f"{low:+.3f}"
        element("field-legend-high").textContent = f"{high:+.3f}"
        set_status(value_field={"side": side, "columns": self.config.columns, "rows": self.config.rows,
                                "values": values, "low": low, "high": high, "engine": engine,
                                "ms": round(ms, 1), "answers": self.answers, "state": list(state),
                                "time_left": time_left})
