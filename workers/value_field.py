"""The value-field worker: answers the page's field requests (app/field_overlay.py) with one batched
forward each (app/value_field.py's `field_values`), off the main thread.

The forward runs on this worker's GPU when it gets a hardware device (rl/wgsl/network.py's
GPUForward: float32, the learner's own linear_forward kernel, the only one built here), otherwise
in pure Python (rl.policy.Policy.forward). A software adapter (SwiftShader, llvmpipe) counts as
none: there the GPU is the browser's one GPU process on the CPU, and a field's forward on it
(about 4 s for 512 rows on this project's 2-core machines) stalled the page's frames to 1-2 fps;
the Python forward runs on this worker's own thread instead. Requests
arrive faster than answers when the forward is slow; only the newest waiting one is answered.

Messages from the page:
    {"type": "weights", "weights": token, "model": ModelConfig fields, "params": float32 bytes}
    {"type": "field", "id", "weights": token, "state": [20 floats], "side": 0 | 1, "time_left"}
The weights come once per token (an int that grows), before the first request that names it.
Messages to the page:
    {"type": "field", "id", "values": [C*R floats], "engine": "gpu" | "python", "ms"}
    {"type": "engine", "engine"}       once started
    {"type": "error", "id", "text"}    (a request that could not be answered: bad weights or state)
"""

import asyncio
import time
from array import array

import gpu
from app.value_field import ValueFieldConfig, field_values
from rl.model import ModelConfig, num_params
from rl.policy import Policy
from rl.wgsl import kernels as k
from rl.wgsl.network import GPUForward

weights = {}            # token -> (ModelConfig, params array('f'))
waiting = {"request": None}
wake = asyncio.Event()  # set when a request arrives (even while main is still getting its device)


def on_message(data) -> None:
    message = data.to_py() if hasattr(data, "to_py") else data
    if message.get("type") == "weights":
        params = array("f")
        params.frombytes(bytes(message["params"]))
        weights[message["weights"]] = (ModelConfig(**message["model"]), params)
    elif message.get("type") == "field":
        waiting["request"] = message
        wake.set()


class Forward:
    """forward(obs, n) of one token's weights, on the GPU backend when there is one."""

    def __init__(self, device):
        self.device, self.engine = device, "gpu" if device is not None else "python"
        self.token, self.forward = None, None
        self.kernels, self.gpu = None, {}       # linear_forward; ModelConfig -> (params buffer, GPUForward)

    async def use(self, token) -> None:
        if token == self.token:
            return
        if token not in weights:
            raise ValueError(f"no weights were sent for token {token!r}")
        model, params = weights[token]
        if len(params) != num_params(model):
            raise ValueError(f"weights {token!r} hold {len(params)} floats, the model needs {num_params(model)}")
        if self.device is None:
            self.forward = Policy(params, model).forward
        else:
            if self.kernels is None:
                self.kernels = await k.build_kernels(self.device, names=("linear_forward",))
            if model not in self.gpu:
                buffer = k.storage_buffer(self.device, num_params(model), "value field params")
                self.gpu[model] = buffer, GPUForward(self.device, self.kernels, model, buffer)
            buffer, gpu_forward = self.gpu[model]
            self.device.queue.write_buffer(buffer, 0, params)
            self.forward = gpu_forward.forward
        self.token = token
        for old in [t for t in weights if t < token]:     # tokens grow: older weights are not asked for again
            del weights[old]


async def main(shared, args, post):
    config = ValueFieldConfig(**dict(args.get("config") or {}))
    try:
        device = await gpu.request_device(label="dshq-value-field")
    except gpu.GPUError:
        device = None
    if device is not None and gpu.is_software_adapter(device.adapter_info):
        device.destroy()
        device = None
    forward = Forward(device)
    post({"type": "engine", "engine": forward.engine})
    while True:
        await wake.wait()
        wake.clear()
        request, waiting["request"] = waiting["request"], None
        if request is None:
            continue
        started = time.perf_counter()
        try:
            await forward.use(request["weights"])
            values = await field_values(forward.forward, request["state"], request["side"], request["time_left"],
                                        config)
        except gpu.GPUError as err:         # a lost or failing device: the pure-Python forward from now on
            post({"type": "error", "id": request["id"], "text": f"the GPU forward failed ({err}); using Python"})
            forward = Forward(None)
            waiting["request"] = waiting["request"] or request
            wake.set()
            continue
        except (ValueError, KeyError, TypeError) as err:
            post({"type": "error", "id": request.get("id"), "text": str(err)})
            continue
        post({"type": "field", "id": request["id"], "values": values, "engine": forward.engine,
              "ms": (time.perf_counter() - started) * 1000.0})
