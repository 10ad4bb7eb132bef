"""The page: boots the GPU, runs the show match in the frame loop, and wires
the controls, keyboard, pointer and `window.dshq` to it.

The match logic lives in `app/show_match.py` (pure Python, tested in
CPython); this file only translates browser events and time into calls on it.
The learner's controls are app/training_panel.py's, the Agents panel
app/agent_panel.py's; both reach the match through `play_agent` and
`play_learner` here.
"""

import asyncio
import math
import time

import js
from pyodide.ffi import create_proxy, to_js

import gpu
from app.agent_panel import AUTOSAVE_SECONDS, AgentPanel
from app.arena_renderer import ArenaRenderer
from app.network_player import BlendingPlayer, NetworkPlayer
from app.run_state import Agent
from app.show_match import SPEEDS, ShowMatch, parse_seed
from app.status import element, hide_loading, set_status, show_problem
from app.training_panel import TrainingPanel
from gpu.selftest import run_selftest
from rl.model import init_params
from rl.policy import Policy
from sim.constants import TICKS_PER_SECOND
from workers.client import PythonWorker
from rl.live.setup import LiveSetup

NOT_ISOLATED = ("This page is not cross-origin isolated, so SharedArrayBuffer (which training needs) is "
                "unavailable. Start it with `python serve.py` and open the address it prints; that server "
                "sends the required Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy headers.")
NO_WEBGPU = ("WebGPU is not available: {reason}. DrillSergeantHQ needs a browser with WebGPU, such as a "
             "current Chrome, Edge or Chromium (Linux: start it with --enable-unsafe-webgpu), with hardware "
             "acceleration enabled.")
SOFTWARE_DRAW_FPS = 30          # on a software rasteriser, 60 fps of presents starve the workers' GPU calls
FAST_BUDGET_SECONDS = 0.012     # fast mode: simulate this long per animation frame ...
FAST_DRAW_EVERY = 15            # ... and draw one frame in this many
NOTICE_SECONDS = 4.0
HINTS = {
    "ai-vs-ai": "Keys: Space play/pause · → step · R reset",
    "human-vs-ai": "You are Blue: W/A/S/D or arrows move · Q/E turn · Space dash  —  P play/pause · . step · R reset",
    "sandbox": "Drag the ball or a player with the mouse or a finger · Space play/pause · → step · R reset",
}


class Page:
    def __init__(self):
        self.canvas = element("arena")
        self.device = None
        self.renderer = None
        self.match = ShowMatch()
        self.fast = False
        self.frame_count = 0
        self.fps_frames, self.fps_start = 0, None   # frames drawn since fps_start (the first frame's time)
        self.frame_ms = 0.0
        self.last_timestamp = None
        self.last_draw = -1e9       # ms, timestamp of the last drawn frame
        self.draw_interval_ms = 0.0
        self.drag = None            # (body, [(time, x, y), ...]) while dragging in sandbox mode
        self.notice_until = 0.0
        self.shown = {}             # what the scoreboard shows, to touch the DOM only on change
        self.proxies = []
        self.side_agents = {}       # side -> the listed Agent its "agent" option plays
        # hot-swap blend window (?blend=SECONDS), in decisions; 0: new weights play from the next decision
        blend_seconds = self.query_number("blend", 0.0)
        self.blend_decisions = max(1, round(blend_seconds * TICKS_PER_SECOND / self.match.config.decision_ticks)) \
            if blend_seconds else 0
        self.learning = TrainingPanel(self)
        self.agents = AgentPanel(self, self.learning, autosave_seconds=self.query_number("autosave", AUTOSAVE_SECONDS))

    # --- GPU -------------------------------------------------------------------------
    async def acquire_gpu(self) -> None:
        self.device = await gpu.request_device(label="page")
        self.device.on_lost(self.on_device_lost)
        software = gpu.is_software_adapter(self.device.adapter_info)
        self.draw_interval_ms = 1000.0 / SOFTWARE_DRAW_FPS - 2.0 if software else 0.0
        self.renderer = await ArenaRenderer.create(self.device, self.canvas)

    def on_device_lost(self, reason: str) -> None:
        """Re-acquire a device and keep drawing the same match (its state is in Python)."""
        js.console.warn(f"GPU device lost ({reason}); acquiring a new one")
        self.renderer = None
        asyncio.ensure_future(self.recover_gpu())

    async def recover_gpu(self, attempts: int = 5) -> None:
        for attempt in range(1, attempts + 1):
            try:
                await self.acquire_gpu()
            except gpu.GPUError as err:
                js.console.warn(f"re-acquiring the GPU, attempt {attempt} of {attempts}: {err}")
                if attempt == attempts:
                    show_problem(f"The GPU device was lost and could not be re-acquired: {err}")
                    return
                await asyncio.sleep(1.0)
            else:
                self.notify("The GPU device was lost and has been re-acquired; the match continues.")
                return

    # --- frame loop -------------------------------------------------------------------
    def frame(self, timestamp) -> None:
        started = time.perf_counter()
        wall = 0.0 if self.last_timestamp is None else (timestamp - self.last_timestamp) / 1000.0
        self.last_timestamp = timestamp
        self.hot_swap()
        if self.fast:
            while self.match.playing and time.perf_counter() - started < FAST_BUDGET_SECONDS:
                self.match.tick()
            draw = self.frame_count % FAST_DRAW_EVERY == 0
        else:
            self.match.advance(wall)
            draw = timestamp - self.last_draw >= self.draw_interval_ms
        if draw and self.renderer is not None and not self.device.lost:
            self.renderer.draw(self.match.view())
            self.last_draw = timestamp
            self.fps_frames += 1
        self.frame_ms = 0.9 * self.frame_ms + 0.1 * (time.perf_counter() - started) * 1000.0
        self.frame_count += 1
        self.update_readouts()
        self.agents.tick()
        js.requestAnimationFrame(self.on_frame)

    def hot_swap(self) -> None:
        """Give learner-controlled sides the newest published weights (match state untouched)."""
        training = self.learning.training
        newer = training.newer_policy() if training is not None else None
        if newer is None:
            return
        version, policy = newer
        for side in ("blue", "red"):
            if element(f"{side}-policy").value == "learner":
                current = self.match.policies[side]
                blend = self.blend_decisions and isinstance(current, NetworkPlayer)
                player = BlendingPlayer(current, policy, self.blend_decisions) if blend else NetworkPlayer(policy)
                self.match.set_policy(side, player, f"v{version}")
        set_status(policies=to_js(dict(self.match.labels), dict_converter=js.Object.fromEntries))

    def update_readouts(self) -> None:
        match = self.match
        score = match.current["score"]
        seconds = int(match.current["time"])
        shown = {"score": score, "clock": seconds, "blue": match.labels["blue"], "red": match.labels["red"],
                 "playing": match.playing}
        if shown != self.shown:
            element("blue-score").textContent = str(score[0])
            element("red-score").textContent = str(score[1])
            element("clock").textContent = f"{seconds // 60}:{seconds % 60:02d}"
            element("blue-label").textContent = f"Blue · {match.labels['blue']}"
            element("red-label").textContent = f"Red · {match.labels['red']}"
            element("play").textContent = "Pause" if match.playing else "Play"
            element("step").disabled = match.playing
            self.shown = shown
        now = time.perf_counter()
        fps = None
        if self.fps_start is None:      # the first frame: boot time is not frame time
            self.fps_frames, self.fps_start = 0, now
        elif now - self.fps_start >= 1.0:
            fps = round(self.fps_frames / (now - self.fps_start), 1)
            self.fps_frames, self.fps_start = 0, now
        fields = {"tick": match.ticks, "score": to_js(list(score)), "playing": match.playing}
        if fps is not None:
            fields.update(fps=fps, frame_ms=round(self.frame_ms, 2))
        set_status(**fields)
        if self.notice_until and now > self.notice_until:
            element("notice").hidden = True
            self.notice_until = 0.0

    def notify(self, text: str) -> None:
        """A short message over the pitch (rejected input, recoveries)."""
        element("notice").textContent = text
        element("notice").hidden = False
        self.notice_until = time.perf_counter() + NOTICE_SECONDS

    # --- controls ---------------------------------------------------------------------
    def toggle_play(self, *_) -> None:
        self.match.playing = not self.match.playing
        self.last_timestamp = None

    def step(self, *_) -> None:
        if self.match.playing:
            self.notify("Pause the match to step it one decision at a time.")
            return
        self.match.step_decision()
        if self.renderer is not None:
            self.renderer.draw(self.match.view())

    def reset(self, *_) -> None:
        try:
            seed = parse_seed(element("seed").value)
        except ValueError as err:
            self.notify(f"Reset refused: {err}.")
            return
        self.match.reset(seed)
        set_status(seed=seed)

    def play_agent(self, side: str, agent: Agent) -> None:
        """Put a listed agent on one side of the show match (its label shows who is who)."""
        self.side_agents[side] = agent
        option = element(f"{side}-policy").querySelector('option[value="agent"]')
        option.textContent, option.hidden = agent.label, False
        element(f"{side}-policy").value = "agent"
        self.change_policy(side)()

    def play_learner(self) -> None:
        """Blue plays the learner unless a side already does; learner sides get its current weights."""
        if element("blue-policy").value != "learner" and element("red-policy").value != "learner":
            element("blue-policy").value = "learner"
        self.refresh_learner_sides()

    def refresh_learner_sides(self) -> None:
        for side in ("blue", "red"):
            if element(f"{side}-policy").value == "learner":
                self.change_policy(side)()

    @staticmethod
    def query_number(key: str, default: float) -> float:
        """A positive number from the page URL's query (?autosave=10), or the default."""
        query = js.URLSearchParams.new(js.location.search)
        if not query.has(key):
            return default
        try:
            value = float(query.get(key))
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value > 0):
            js.console.warn(f"ignoring the URL parameter {key}={query.get(key)!r}: not a positive number")
            return default
        return value

    def change_speed(self, *_) -> None:
        value = element("speed").value
        self.fast = value == "fast"
        if not self.fast:
            speed = float(value)
            if speed not in SPEEDS:
                self.notify(f"Unknown speed {value!r}.")
                return
            self.match.set_speed(speed)
        set_status(speed=value)

    def change_mode(self, *_) -> None:
        mode = element("mode").value
        self.match.set_mode(mode)
        self.drag = None
        element("hint").textContent = HINTS[mode]
        set_status(mode=mode)

    def change_policy(self, side: str):
        def handler(*_):
            choice = element(f"{side}-policy").value
            if choice == "agent":
                agent = self.side_agents[side]
                self.match.set_policy(side, NetworkPlayer(Policy(agent.params, agent.model_config)), agent.label)
            elif choice != "learner":
                self.match.set_baseline(side, choice)
            elif self.learning.training is not None and self.learning.training.policy is not None:
                training = self.learning.training
                self.match.set_policy(side, NetworkPlayer(training.policy), f"v{training.version}")
            else:
                model = (self.learning.setup or LiveSetup()).model_config()   # the shape training will use
                self.match.set_policy(side, NetworkPlayer(Policy(init_params(model, 1), model)), "v0 (untrained)")
            set_status(policies=to_js(dict(self.match.labels), dict_converter=js.Object.fromEntries))
        return handler

    def on_key(self, event) -> None:
        target = event.target.tagName.lower() if event.target and event.target.tagName else ""
        if target in ("input", "select", "textarea") or event.ctrlKey or event.metaKey or event.altKey:
            return
        key = event.key.lower()
        down = event.type == "keydown"
        human = self.match.mode == "human-vs-ai"
        if human and key in ("w", "a", "s", "d", "q", "e", " ", "arrowup", "arrowdown", "arrowleft", "arrowright"):
            (self.match.human_keys.add if down else self.match.human_keys.discard)(key)
            event.preventDefault()
            return
        if not down or event.repeat:
            return
        actions = {"r": self.reset, ("p" if human else " "): self.toggle_play, ("." if human else "arrowright"): self.step}
        if key in actions:
            event.preventDefault()
            actions[key]()

    def on_pointer(self, event) -> None:
        if self.match.mode != "sandbox":
            return
        rect = self.canvas.getBoundingClientRect()
        x, y = self.renderer.css_to_world(event.clientX - rect.left, event.clientY - rect.top)
        now = time.perf_counter()
        if event.type == "pointerdown":
            body = self.match.body_at(x, y)
            if body is not None:
                self.canvas.setPointerCapture(event.pointerId)
                self.drag = (body, [(now, x, y)])
                self.drop(body, x, y)
        elif self.drag is not None:
            body, trail = self.drag
            trail.append((now, x, y))
            del trail[:-6]
            if event.type == "pointermove":
                self.drop(body, x, y)
            else:  # pointerup / pointercancel: let go with the pointer's recent velocity
                (t0, x0, y0), (t1, x1, y1) = trail[0], trail[-1]
                span = max(t1 - t0, 1e-3)
                self.drop(body, x, y, (x1 - x0) / span, (y1 - y0) / span)
                self.drag = None

    def drop(self, body: str, x: float, y: float, vx: float = 0.0, vy: float = 0.0) -> None:
        try:
            self.match.drop(body, x, y, vx, vy)
        except ValueError as err:
            self.notify(f"Ignored a drag: {err}.")

    # --- wiring -----------------------------------------------------------------------
    def listen(self, target, event: str, handler) -> None:
        proxy = create_proxy(handler)
        self.proxies.append(proxy)
        target.addEventListener(event, proxy)

    def wire_controls(self) -> None:
        for element_id, event, handler in (
                ("play", "click", self.toggle_play), ("step", "click", self.step), ("reset", "click", self.reset),
                ("speed", "change", self.change_speed), ("mode", "change", self.change_mode),
                ("blue-policy", "change", self.change_policy("blue")),
                ("red-policy", "change", self.change_policy("red"))):
            self.listen(element(element_id), event, handler)
            element(element_id).disabled = False
        self.learning.wire()
        self.agents.wire()
        element("seed").disabled = False
        element("step").disabled = True
        element("hint").textContent = HINTS[self.match.mode]
        for event in ("keydown", "keyup"):
            self.listen(js.window, event, self.on_key)
        self.listen(js.window, "blur", lambda *_: self.match.human_keys.clear())
        for event in ("pointerdown", "pointermove", "pointerup", "pointercancel"):
            self.listen(self.canvas, event, self.on_pointer)
        self.on_frame = create_proxy(self.frame)

    def expose(self) -> None:
        """`window.dshq` additions: state digest and snapshot, world-to-canvas mapping,
        diagnostics (GPU self-test, a simulated device loss)."""
        dshq = js.window.dshq
        for name, function in (
                ("digest", lambda: self.match.env.state_digest()),
                ("snapshot", lambda: to_js(self.match.current, dict_converter=js.Object.fromEntries)),
                ("world_to_css", self.world_to_css),
                ("action_probabilities", self.action_probabilities),
                ("selftest", lambda n=256: asyncio.ensure_future(self.selftest(int(n)))),
                ("simulate_device_loss", lambda: self.device.destroy()),
                ("simulate_rollout_crash",
                 lambda: self.learning.training is not None and self.learning.training.simulate_rollout_crash(0)),
                ("simulate_trainer_device_loss",
                 lambda: (self.learning.training is not None
                          and self.learning.training.simulate_trainer_device_loss()))):
            proxy = create_proxy(function)
            self.proxies.append(proxy)
            setattr(dshq, name, proxy)
        dshq.adapter = to_js(self.device.adapter_info, dict_converter=js.Object.fromEntries)

    def action_probabilities(self, side: str, obs):
        """Diagnostics: the action probabilities of the network playing `side` for one observation
        (34 floats), blended during a hot-swap blend window; null when a baseline plays that side."""
        player = self.match.policies.get(side)
        if not isinstance(player, NetworkPlayer):
            return None
        return to_js(player.probabilities(obs.to_py()))

    def world_to_css(self, x: float, y: float):
        """World metres -> CSS pixels inside the canvas (for tests and tools)."""
        ratio = self.canvas.width / max(1, self.canvas.clientWidth)
        scale = self.renderer.pixels_per_metre
        return to_js([(x * scale + self.canvas.width / 2) / ratio, (-y * scale + self.canvas.height / 2) / ratio])

    async def selftest(self, n: int = 256):
        """Run the WGSL self-test here and in a fresh module worker."""
        main_values = await run_selftest(self.device, n)
        shared = js.SharedArrayBuffer.new(4)
        worker = PythonWorker("workers.selftest:main", shared=shared, args={"n": n})
        try:
            worker_result = await worker.result
        finally:
            worker.terminate()
        counter = js.Atomics.load(js.Int32Array.new(shared), 0)
        return to_js({"main": main_values, "worker": worker_result["values"],
                      "worker_adapter": worker_result["adapter"], "counter": counter},
                     dict_converter=js.Object.fromEntries)


async def start() -> None:
    try:
        await boot()
    except Exception as err:  # the page must say what broke, not fail silently
        show_problem(f"DrillSergeantHQ hit an internal error while starting: {type(err).__name__}: {err}")
        raise


async def boot() -> None:
    if not js.crossOriginIsolated:
        show_problem(NOT_ISOLATED)
        return
    page = Page()
    try:
        await page.acquire_gpu()
    except gpu.GPUError as err:
        show_problem(NO_WEBGPU.format(reason=err))
        return
    page.wire_controls()
    page.expose()
    js.requestAnimationFrame(page.on_frame)
    hide_loading()
    set_status(ready=True, playing=True, mode=page.match.mode, seed=page.match.seed, speed="1",
               blend_decisions=page.blend_decisions, policies=to_js(dict(page.match.labels), dict_converter=js.Object.fromEntries))
