"""The match controls: Play/Pause, Step, Reset and its seed, Speed, Mode, who
plays Blue and Red, the Show menu's overlays (keys I, V and F), the keyboard, and
dragging in Sandbox mode.

They command the session's show match (`session.match`) and its sides, and
show the sides on the Blue/Red selects when the session says they changed.
The page (app/page.py) gives them its canvas, renderer (pointer coordinates)
and redraw (after Step), and reads `fast` and `overlays` in its frame loop.
"""

import time

import js

from app.dom import element, listen
from app.dshq import set_status
from app.overlays import OVERLAYS
from app.show_match import SPEEDS, parse_seed

HINTS = {
    "ai-vs-ai": "Keys: Space play/pause · → step · R reset · I intent · V value · F value field",
    "human-vs-ai": "You are Blue: W/A/S/D or arrows move · Q/E turn · Space dash  —  P play/pause · . step · R reset"
                   " · I intent · V value · F value field",
    "sandbox": "Drag the ball or a player with the mouse or a finger · Space play/pause · → step · R reset"
               " · I intent · V value · F value field",
}
OVERLAY_KEYS = {"i": "intent", "v": "value", "f": "field"}
HUMAN_KEYS = ("w", "a", "s", "d", "q", "e", " ", "arrowup", "arrowdown", "arrowleft", "arrowright")


class Controls:
    def __init__(self, session, page):
        self.session = session
        self.match = session.match
        self.page = page
        self.fast = False           # the "fast" speed: as many ticks as a frame's budget allows
        self.drag = None            # (body, [(time, x, y), ...]) while dragging in sandbox mode
        self.overlays = set()       # the overlays shown (app/overlays.py's OVERLAYS)

    def wire(self) -> None:
        for element_id, event, handler in (
                ("play", "click", self.toggle_play), ("step", "click", self.step), ("reset", "click", self.reset),
                ("speed", "change", self.change_speed), ("mode", "change", self.change_mode),
                ("blue-policy", "change", lambda *_: self.session.assign("blue", element("blue-policy").value)),
                ("red-policy", "change", lambda *_: self.session.assign("red", element("red-policy").value))):
            listen(element(element_id), event, handler)
            element(element_id).disabled = False
        for name in OVERLAYS:
            listen(element(f"show-{name}"), "change", lambda *_, name=name: self.show_overlay(
                name, element(f"show-{name}").checked))
        self.session.subscribe("sides", self.show_sides)
        element("seed").disabled = False
        element("step").disabled = True
        element("hint").textContent = HINTS[self.match.mode]
        for event in ("keydown", "keyup"):
            listen(js.window, event, self.on_key)
        listen(js.window, "blur", lambda *_: self.match.human_keys.clear())
        for event in ("pointerdown", "pointermove", "pointerup", "pointercancel"):
            listen(self.page.canvas, event, self.on_pointer)

    def show_sides(self) -> None:
        """The Blue/Red selects and status().policies follow the session's sides."""
        for side, choice in self.session.sides.items():
            select = element(f"{side}-policy")
            if side in self.session.side_agents:
                option = select.querySelector('option[value="agent"]')
                option.textContent, option.hidden = self.session.side_agents[side].label, False
            if select.value != choice:
                select.value = choice
        set_status(policies=dict(self.match.labels))

    # --- buttons and selects -------------------------------------------------------------
    def toggle_play(self, *_) -> None:
        self.match.playing = not self.match.playing

    def step(self, *_) -> None:
        if self.match.playing:
            self.session.notify("Pause the match to step it one decision at a time.")
            return
        self.match.step_decision()
        self.page.draw()

    def reset(self, *_) -> None:
        try:
            seed = parse_seed(element("seed").value)
        except ValueError as err:
            self.session.notify(f"Reset refused: {err}.")
            return
        self.match.reset(seed)
        set_status(seed=seed)

    def change_speed(self, *_) -> None:
        value = element("speed").value
        self.fast = value == "fast"
        if not self.fast:
            speed = float(value)
            if speed not in SPEEDS:
                self.session.notify(f"Unknown speed {value!r}.")
                return
            self.match.set_speed(speed)
        set_status(speed=value)

    def change_mode(self, *_) -> None:
        mode = element("mode").value
        self.match.set_mode(mode)
        self.drag = None
        element("hint").textContent = HINTS[mode]
        set_status(mode=mode)

    def show_overlay(self, name: str, on: bool) -> None:
        """Show or hide one of OVERLAYS; the Show menu's checkbox follows."""
        (self.overlays.add if on else self.overlays.discard)(name)
        element(f"show-{name}").checked = on
        set_status(overlays=sorted(self.overlays))

    # --- keyboard and pointer -------------------------------------------------------------
    def on_key(self, event) -> None:
        target = event.target.tagName.lower() if event.target and event.target.tagName else ""
        if target in ("input", "select", "textarea") or event.ctrlKey or event.metaKey or event.altKey:
            return
        key = event.key.lower()
        down = event.type == "keydown"
        human = self.match.mode == "human-vs-ai"
        if human and key in HUMAN_KEYS:
            (self.match.human_keys.add if down else self.match.human_keys.discard)(key)
            event.preventDefault()
            return
        if not down or event.repeat:
            return
        if key in OVERLAY_KEYS:
            event.preventDefault()
            name = OVERLAY_KEYS[key]
            self.show_overlay(name, name not in self.overlays)
            return
        actions = {"r": self.reset, ("p" if human else " "): self.toggle_play, ("." if human else "arrowright"): self.step}
        if key in actions:
            event.preventDefault()
            actions[key]()

    def on_pointer(self, event) -> None:
        if self.match.mode != "sandbox":
            return
        canvas = self.page.canvas
        rect = canvas.getBoundingClientRect()
        x, y = self.page.renderer.css_to_world(event.clientX - rect.left, event.clientY - rect.top)
        now = time.perf_counter()
        if event.type == "pointerdown":
            body = self.match.body_at(x, y)
            if body is not None:
                canvas.setPointerCapture(event.pointerId)
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
            self.session.notify(f"Ignored a drag: {err}.")
