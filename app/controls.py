"""The match controls: Play/Pause, Step, Reset and its seed, Speed, Mode, how
keys move the person's player, who plays Blue and Red, the Show menu's
overlays (keys I, V and F), the keyboard, the on-pitch legend of Human vs AI,
the touch stick (app/touch_controls.py) and dragging in Sandbox mode.

They command the session's show match (`session.match`) and its sides, and
show the sides on the Blue/Red selects when the session says they changed.
The page (app/page.py) gives them its canvas, renderer (pointer coordinates)
and redraw (after Step), and reads `fast` and `overlays` in its frame loop.

Keys act only while the focus is on the pitch or the page itself: a focused
button, field, select or link keeps its own keys (Space presses a focused
Train). A mode change, and a mouse or touch click on Play, Step or Reset,
move the focus to the pitch, so the game keys work at once (and the arrows no
longer change the Mode select); Play, Step or Reset pressed from the keyboard
keep the focus.
"""

import time

import js
from pyodide.ffi import to_js

from app.arena_scene import css_to_world
from app.dom import element, listen
from app.dshq import set_status
from app.human_input import HUMAN_KEYS
from app.overlays import OVERLAYS
from app.show_match import SPEEDS, parse_seed
from app.touch_controls import TouchControls, has_touch_screen

HINTS = {
    "ai-vs-ai": "Keys (click the pitch first): Space play/pause · → step · R reset · I intent · V value · F value field",
    "human-vs-ai": "You are Blue, attacking the goal on the right. \"Keys move: on screen\": W/A/S/D or the arrows"
                   " move Blue up, left, down and right on the screen (keys combine into diagonals) and Blue turns"
                   " to face where it goes. \"Keys move: by heading\" uses the players' own moves, relative to where"
                   " Blue faces (the white dot is its front): W forward, S back, A/D sidestep. Q/E turn, Space"
                   " dashes along the heading. P play/pause · . step · R reset · I intent · V value · F value field."
                   " On a touch screen: the stick and Dash under the pitch.",
    "sandbox": "Drag the ball or a player with the mouse or a finger · Space play/pause · → step · R reset"
               " · I intent · V value · F value field",
}
LEGENDS = {     # the on-pitch legend in Human vs AI, by how keys move Blue
    "screen": "You are Blue → attack the right goal\nW A S D / arrows: move on screen (Blue turns that way)\n"
              "Q E: turn · Space: dash · P: pause · R: reset",
    "heading": "You are Blue → attack the right goal\nW / ↑ forward · S / ↓ back · A D / ← →: sidestep\n"
               "(relative to where Blue faces: the white dot is its front)\n"
               "Q E: turn · Space: dash · P: pause · R: reset",
    "touch": "You are Blue → attack the right goal · the stick moves you · Dash dashes\n"
             "Keys: W A S D move · Space dash · P pause (\"Keys move\" above: on screen or by heading)",
}
OVERLAY_KEYS = {"i": "intent", "v": "value", "f": "field"}
PITCH_TARGETS = ("body", "html")    # besides the pitch itself: where the page's keys act


class Controls:
    def __init__(self, session, page):
        self.session = session
        self.match = session.match
        self.page = page
        self.fast = False           # the "fast" speed: as many ticks as a frame's budget allows
        self.drag = None            # (body, [(time, x, y), ...]) while dragging in sandbox mode
        self.overlays = set()       # the overlays shown (app/overlays.py's OVERLAYS)
        self.touch = TouchControls(self.match)

    def wire(self) -> None:
        for element_id, event, handler in (
                ("play", "click", self.toggle_play), ("step", "click", self.step), ("reset", "click", self.reset),
                ("speed", "change", self.change_speed), ("mode", "change", self.change_mode),
                ("movement", "change", self.change_movement),
                ("blue-policy", "change", lambda *_: self.session.assign("blue", element("blue-policy").value)),
                ("red-policy", "change", lambda *_: self.session.assign("red", element("red-policy").value))):
            listen(element(element_id), event, handler)
            element(element_id).disabled = False
        for element_id in ("play", "step", "reset"):
            listen(element(element_id), "click", self.after_click)
        for name in OVERLAYS:
            listen(element(f"show-{name}"), "change", lambda *_, name=name: self.show_overlay(
                name, element(f"show-{name}").checked))
        self.session.subscribe("sides", self.show_sides)
        element("seed").disabled = False
        element("step").disabled = True
        self.show_help()
        for event in ("keydown", "keyup"):
            listen(js.window, event, self.on_key)
        listen(js.window, "blur", lambda *_: self.match.release_human_input())
        self.touch.wire()
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
            self.session.report_problem("seed", f"Reset refused: {err}.")     # stays until a good reset
            return
        self.match.reset(seed)
        self.session.resolve("seed")
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
        self.page.canvas.style.cursor = ""
        self.show_help()
        self.focus_pitch()
        set_status(mode=mode)

    def change_movement(self, *_) -> None:
        movement = element("movement").value
        try:
            self.match.set_movement(movement)
        except ValueError as err:
            self.session.notify(f"Ignored: {err}.")
            return
        self.show_help()
        self.focus_pitch()
        set_status(movement=movement)

    def after_click(self, event) -> None:
        """A mouse or touch click (detail > 0; 0 from the keyboard) on a match button hands the keys to the pitch."""
        if event.detail > 0:
            self.focus_pitch()

    def focus_pitch(self) -> None:
        """Give the pitch the keyboard focus (without scrolling), so the page's keys act."""
        self.page.canvas.focus(to_js({"preventScroll": True}, dict_converter=js.Object.fromEntries))

    def show_help(self) -> None:
        """The hint under the page, and in Human vs AI the legend on the pitch and the touch controls."""
        mode = self.match.mode
        element("hint").textContent = HINTS[mode]
        legend = element("legend")
        legend.hidden = mode != "human-vs-ai"
        legend.textContent = LEGENDS["touch" if has_touch_screen() else self.match.movement]
        self.touch.show(mode)

    def show_overlay(self, name: str, on: bool) -> None:
        """Show or hide one of OVERLAYS; the Show menu's checkbox follows."""
        (self.overlays.add if on else self.overlays.discard)(name)
        element(f"show-{name}").checked = on
        set_status(overlays=sorted(self.overlays))

    # --- keyboard and pointer -------------------------------------------------------------
    def on_key(self, event) -> None:
        key = event.key.lower()
        down = event.type == "keydown"
        if not down:                        # a key let go counts wherever the focus went meanwhile
            self.match.human_keys.discard(key)
        if not self.on_pitch(event.target) or event.ctrlKey or event.metaKey or event.altKey:
            return
        human = self.match.mode == "human-vs-ai"
        if human and key in HUMAN_KEYS:
            if down:
                self.match.human_keys.add(key)
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

    def on_pitch(self, target) -> bool:
        """Whether keys sent to `target` are the page's: the pitch or the page itself has the focus."""
        return not target or target.id == self.page.canvas.id or (target.tagName or "").lower() in PITCH_TARGETS

    def on_pointer(self, event) -> None:
        if self.match.mode != "sandbox" or self.page.renderer is None:
            return
        canvas = self.page.canvas
        rect = canvas.getBoundingClientRect()
        x, y = css_to_world(event.clientX - rect.left, event.clientY - rect.top, canvas,
                            self.page.renderer.pixels_per_metre)
        now = time.perf_counter()
        if event.type == "pointerdown":
            body = self.match.body_at(x, y)
            if body is not None:
                canvas.setPointerCapture(event.pointerId)
                self.drag = (body, [(now, x, y)])
                self.drop(body, x, y)
                canvas.style.cursor = "grabbing"
        elif self.drag is None:             # hovering: a hand over what can be dragged
            canvas.style.cursor = "grab" if self.match.body_at(x, y) is not None else ""
        else:
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
                canvas.style.cursor = "grab"

    def drop(self, body: str, x: float, y: float, vx: float = 0.0, vy: float = 0.0) -> None:
        try:
            self.match.drop(body, x, y, vx, vy)
        except ValueError as err:
            self.session.notify(f"Ignored a drag: {err}.")
