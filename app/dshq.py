"""Python's side of `window.dshq` (app/status.mjs holds `status()` itself):
status fields, the plain-words problem panel, and the diagnostics that tests
and tools call (`digest`, `snapshot`, `world_to_css`, `action_probabilities`,
`decision`, `selftest`, `simulate_*`) and the page's GPU `adapter`."""

import asyncio

import js
from pyodide.ffi import jsnull, to_js

from app.arena_scene import world_to_css as arena_world_to_css
from app.dom import proxy
from app.network_player import NetworkPlayer
from app.python_worker import PythonWorker
from gpu.selftest import run_selftest


def to_js_value(value):
    """None -> null, dicts -> plain objects, lists -> arrays; other values as they are."""
    if value is None:
        return jsnull
    if isinstance(value, (dict, list, tuple)):
        return to_js(value, dict_converter=js.Object.fromEntries)
    return value


def set_status(**fields) -> None:
    """Set status fields."""
    state = js.window.dshq._state
    for name, value in fields.items():
        setattr(state, name, to_js_value(value))


def show_problem(text: str) -> None:
    """Show `text` in the problem panel and as `status().error`."""
    js.window.dshq._showProblem(text)
    js.console.error(f"DrillSergeantHQ: {text}")


def expose_diagnostics(page) -> None:
    """`window.dshq` additions over the page (app/page.py) and its session."""
    session, dshq = page.session, js.window.dshq
    for name, function in (
            ("digest", lambda: session.match.env.state_digest()),
            ("snapshot", lambda: to_js_value(session.match.current)),
            ("world_to_css", lambda x, y: world_to_css(page, x, y)),
            ("action_probabilities", lambda side, obs: action_probabilities(session.match, side, obs)),
            ("decision", lambda side: decision(session.match, side)),
            ("selftest", lambda n=256: asyncio.ensure_future(selftest(page.device, int(n)))),
            ("simulate_device_loss", lambda: page.device.destroy()),
            ("simulate_rollout_crash", lambda: session.run is not None and session.run.simulate_rollout_crash(0)),
            ("simulate_trainer_device_loss",
             lambda: session.run is not None and session.run.simulate_trainer_device_loss()),
            ("simulate_trainer_failure",      # "stall" or "raise"
             lambda kind: session.run is not None and session.run.simulate_trainer_failure(kind))):
        setattr(dshq, name, proxy(function))


def publish_adapter(adapter_info: dict) -> None:
    """`window.dshq.adapter`: the page's GPU adapter (the workers' is the same GPU; app/live_run.py reads it)."""
    js.window.dshq.adapter = to_js_value(adapter_info)


def action_probabilities(match, side: str, obs):
    """The action probabilities of the network playing `side` for one observation (34 floats), blended
    during a hot-swap blend window; null when a baseline plays that side."""
    player = match.policies.get(side)
    if not isinstance(player, NetworkPlayer):
        return None
    return to_js(player.probabilities(obs.to_py()))


def decision(match, side: str):
    """The current decision of the network player on `side` (app/show_match.py's `decisions`): its
    observation, probabilities, value and action (`acted` false for a Sandbox what-if), and the side's last
    advantage; null when there is none."""
    current = match.decisions.get(side)
    if current is None:
        return None
    return to_js_value({"observation": current.observation, "probabilities": current.probabilities,
                        "value": current.value, "action": current.action, "acted": current.acted,
                        "advantage": match.advantages.get(side)})


def world_to_css(page, x: float, y: float):
    """World metres -> CSS pixels inside the canvas."""
    return to_js(list(arena_world_to_css(x, y, page.canvas, page.renderer.pixels_per_metre)))


async def selftest(device, n: int = 256):
    """Run the WGSL self-test on the page's device and in a fresh module worker."""
    main_values = await run_selftest(device, n)
    shared = js.SharedArrayBuffer.new(4)
    worker = PythonWorker("workers.selftest:main", shared=shared, args={"n": n})
    try:
        worker_result = await worker.result
    finally:
        worker.terminate()
    counter = js.Atomics.load(js.Int32Array.new(shared), 0)
    return to_js_value({"main": main_values, "worker": worker_result["values"],
                        "worker_adapter": worker_result["adapter"], "counter": counter})

