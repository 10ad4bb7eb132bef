"""The page: boots the GPU and the session, runs the show match in the frame
loop, and re-acquires the GPU when the device is lost.

The session (app/session.py, pure Python) owns the match's sides, the live run,
the listed agents and the league; the controls (app/controls.py), the learner
panel (app/learner_panel.py), the Agents panel (app/agent_panel.py) and the
timeline (app/timeline_panel.py) are its views, and app/dshq.py is
`window.dshq`. This file turns animation frames
into ticks and draws; app/message_panel.py shows the session's messages.
"""

import asyncio
import time
from functools import partial

import js
from pyodide.ffi import create_proxy

import gpu
from app.agent_panel import AUTOSAVE_SECONDS, AgentPanel
from app.arena_canvas import CanvasArena
from app.arena_renderer import ArenaRenderer
from app.arena_scene import choose_renderer
from app.champion import load_champion
from app.controls import Controls
from app.dom import element, listen
from app.dshq import expose_diagnostics, publish_adapter, set_status, show_problem
from app.field_overlay import FieldOverlay
from app.learner_panel import LearnerPanel
from app.live_run import KeptTrainer, LiveRun, expected_engine
from app.message_panel import MessagePanel
from app.overlays import overlay_shapes
from app.progress_strip import ProgressStrip
from app.session import Session
from app.show_match import ShowMatch
from app.startup_panel import StartupPanel
from app.timeline_panel import TimelinePanel
from app.url_query import positive_number, setup_from_query, switch, text
from sim.constants import TICKS_PER_SECOND

NOT_ISOLATED = ("This page is not cross-origin isolated, so SharedArrayBuffer (which training needs) is "
                "unavailable. Start it with `python serve.py` and open the address it prints; that server "
                "sends the required Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy headers.")
NO_WEBGPU = ("WebGPU is not available: {reason}. DrillSergeantHQ needs a browser with WebGPU, such as a "
             "current Chrome, Edge or Chromium (Linux: start it with --enable-unsafe-webgpu), with hardware "
             "acceleration enabled.")
SOFTWARE_DRAW_FPS = 30          # on a software rasteriser, 60 fps of presents starve the workers' GPU calls
FAST_BUDGET_SECONDS = 0.012     # fast mode: simulate this long per animation frame ...
FAST_DRAW_EVERY = 15            # ... and draw one frame in this many


class Page:
    def __init__(self):
        self.canvas = element("arena")
        self.device = None
        self.renderer = None        # app/arena_scene.py's Arena: WebGPU or the 2D canvas
        self.render_request = text("render")            # ?render=webgpu|canvas, else by the adapter
        self.boot_notices = []      # said once the message panel listens
        match = ShowMatch()
        # hot-swap blend window (?blend=SECONDS), in decisions; 0: new weights play from the next decision
        blend_seconds = positive_number("blend", 0.0)
        blend_decisions = max(1, round(blend_seconds * TICKS_PER_SECOND / match.config.decision_ticks)) \
            if blend_seconds else 0
        self.kept_trainer = KeptTrainer()     # a dropped run's healthy trainer, for the next run (app/live_run.py)
        listen(js.window, "pagehide", lambda *_: self.kept_trainer.terminate())
        self.session = Session(match, partial(LiveRun, kept_trainer=self.kept_trainer), setup_from_query,
                               expected_engine, blend_decisions, league_matches=switch("league"))
        self.match = match
        self.controls = Controls(self.session, self)
        self.learner = LearnerPanel(self.session)
        self.agents = AgentPanel(self.session, autosave_seconds=positive_number("autosave", AUTOSAVE_SECONDS))
        self.timeline = TimelinePanel(self.session)
        self.progress = ProgressStrip(self.session)
        self.startup = StartupPanel(self.session)
        self.messages = MessagePanel(self.session)
        self.field = FieldOverlay(match)
        self.frame_count = 0
        self.fps_frames, self.fps_start = 0, None   # frames drawn since fps_start (the first frame's time)
        self.frame_ms = 0.0
        self.overlay_ms = 0.0       # of frame_ms, the overlays' part: field requests and answers, overlay shapes
        self.overlay_seconds = 0.0  # spent on the overlays in this frame so far
        self.last_timestamp = None  # of the previous frame while the match plays
        self.last_draw = -1e9       # ms, timestamp of the last drawn frame
        self.draw_interval_ms = 0.0
        self.shown = {}             # what the scoreboard shows, to touch the DOM only on change
        self.reported = {}          # side -> (Decision, advantage) last put in status()

    # --- GPU -------------------------------------------------------------------------
    async def acquire_gpu(self) -> None:
        self.device = await gpu.request_device(label="page")
        self.device.on_lost(self.on_device_lost)
        publish_adapter(self.device.adapter_info)
        software = gpu.is_software_adapter(self.device.adapter_info)
        self.draw_interval_ms = 1000.0 / SOFTWARE_DRAW_FPS - 2.0 if software else 0.0
        if self.renderer is None:
            self.renderer = await self.make_renderer(software)

    async def make_renderer(self, software: bool):
        """The arena's renderer for the URL's ?render= and the adapter; `status().renderer` says which and why."""
        try:
            kind, reason = choose_renderer(self.render_request, software)
        except ValueError as err:
            self.boot_notices.append(f"Ignoring a URL parameter: {err}.")
            self.render_request = None
            kind, reason = choose_renderer(None, software)
        set_status(renderer={"kind": kind, "reason": reason})
        if kind == "canvas":
            return CanvasArena(self.canvas)
        return await ArenaRenderer.create(self.device, self.canvas)

    def on_device_lost(self, reason: str) -> None:
        """Re-acquire a device and keep drawing the same match (its state is in Python; the 2D canvas
        draws on meanwhile)."""
        js.console.warn(f"GPU device lost ({reason}); acquiring a new one")
        if self.renderer is not None and self.renderer.lost:
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
                self.session.notify("The GPU device was lost and has been re-acquired; the match continues.")
                return

    # --- frame loop -------------------------------------------------------------------
    def frame(self, timestamp) -> None:
        started = time.perf_counter()
        wall = 0.0 if self.last_timestamp is None else (timestamp - self.last_timestamp) / 1000.0
        self.last_timestamp = timestamp if self.match.playing else None     # a paused match resumes from now
        self.session.hot_swap()
        self.overlay_seconds = 0.0
        overlay_started = time.perf_counter()
        self.field.tick("field" in self.controls.overlays)
        self.overlay_seconds += time.perf_counter() - overlay_started
        if self.controls.fast:
            while self.match.playing and time.perf_counter() - started < FAST_BUDGET_SECONDS:
                self.match.tick()
            draw = self.frame_count % FAST_DRAW_EVERY == 0
        else:
            self.match.advance(wall)
            draw = timestamp - self.last_draw >= self.draw_interval_ms
        if draw and self.draw():
            self.last_draw = timestamp
            self.fps_frames += 1
        self.frame_ms = 0.9 * self.frame_ms + 0.1 * (time.perf_counter() - started) * 1000.0
        self.overlay_ms = 0.9 * self.overlay_ms + 0.1 * (self.overlay_seconds + self.field.answer_seconds) * 1000.0
        self.field.answer_seconds = 0.0
        self.frame_count += 1
        self.update_readouts()
        self.agents.tick()
        js.requestAnimationFrame(self.on_frame)

    def draw(self) -> bool:
        """Draw the match with the overlays shown; False when there is nothing to draw with (WebGPU's
        device lost and not yet re-acquired)."""
        if self.renderer is None or self.renderer.lost:
            return False
        match, shown = self.match, self.controls.overlays
        view = match.view()
        overlay_started = time.perf_counter()
        shapes = overlay_shapes(view, match.decisions, match.advantages, shown)
        self.overlay_seconds += time.perf_counter() - overlay_started
        self.renderer.draw(view, shapes, self.field.image if "field" in shown else None)
        return True

    def report_decisions(self) -> None:
        """status().intent and .value follow the network players' decisions (null for other players)."""
        match = self.match
        current = {side: (match.decisions.get(side), match.advantages.get(side)) for side in match.policies}
        if current == self.reported:
            return
        self.reported = current
        set_status(intent={side: decision and decision.probabilities for side, (decision, _) in current.items()},
                   value={side: decision and {"value": decision.value, "advantage": advantage}
                          for side, (decision, advantage) in current.items()})

    def update_readouts(self) -> None:
        match = self.match
        score = match.current["score"]
        seconds = int(match.current["time"])
        blue, red = match.shown_label("blue"), match.shown_label("red")
        shown = {"score": score, "clock": seconds, "blue": blue, "red": red, "playing": match.playing}
        if shown != self.shown:
            element("blue-score").textContent = str(score[0])
            element("red-score").textContent = str(score[1])
            element("clock").textContent = f"{seconds // 60}:{seconds % 60:02d}"
            element("blue-label").textContent = f"Blue · {blue}"
            element("red-label").textContent = f"Red · {red}"
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
        fields = {"tick": match.ticks, "score": list(score), "playing": match.playing}
        if fps is not None:
            fields.update(fps=fps, frame_ms=round(self.frame_ms, 2), overlay_ms=round(self.overlay_ms, 3))
        set_status(**fields)
        self.report_decisions()

    def wire(self) -> None:
        self.messages.wire()
        self.controls.wire()
        self.learner.wire()
        self.agents.wire()
        self.timeline.wire()
        self.progress.wire()
        self.startup.wire()
        self.on_frame = create_proxy(self.frame)


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
    page.wire()
    for text in page.boot_notices:
        page.session.notify(text)
    asyncio.ensure_future(load_champion(page.session))
    expose_diagnostics(page)
    js.requestAnimationFrame(page.on_frame)
    element("loading").hidden = True
    set_status(ready=True, playing=True, mode=page.match.mode, movement=page.match.movement, seed=page.match.seed,
               speed="1",
               blend_decisions=page.session.blend_decisions, policies=dict(page.match.labels))
