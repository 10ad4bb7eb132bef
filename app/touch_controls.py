"""The on-screen stick and Dash button for Human vs AI on a touch screen (browser only).

Shown under the pitch in Human vs AI on a device with a touch screen. They
work with pointer events (touch, pen or mouse): dragging inside the stick
sets the show match's `human_stick` to the drag's direction (app/human_input.py
turns it into the sim's moves, relative to the screen), letting go centres
it; holding Dash sets `human_dash`.

    offset = (pointer - stick centre) / stick radius, clamped to length 1
    human_stick = stick_direction(offset)      # world direction, y up the screen
"""

from math import sqrt

import js

from app.dom import element, listen
from app.human_input import stick_direction


def has_touch_screen() -> bool:
    return bool(js.navigator.maxTouchPoints) or bool(js.window.matchMedia("(pointer: coarse)").matches)


class TouchControls:
    def __init__(self, match):
        self.match = match
        self.stick_pointer = None   # the pointerId dragging the stick

    def wire(self) -> None:
        stick = element("stick")
        for event in ("pointerdown", "pointermove", "pointerup", "pointercancel"):
            listen(stick, event, self.on_stick)
        dash = element("dash")
        for event in ("pointerdown", "pointerup", "pointercancel", "pointerleave"):
            listen(dash, event, self.on_dash)
        listen(dash, "contextmenu", lambda event: event.preventDefault())     # a long press is a held dash

    def show(self, mode: str) -> None:
        element("touch-controls").hidden = not (mode == "human-vs-ai" and has_touch_screen())

    def on_stick(self, event) -> None:
        stick = element("stick")
        if event.type == "pointerdown":
            stick.setPointerCapture(event.pointerId)
            self.stick_pointer = event.pointerId
        elif event.pointerId != self.stick_pointer:
            return
        event.preventDefault()
        if event.type in ("pointerup", "pointercancel"):
            self.stick_pointer = None
            self.match.human_stick = None
            self.place_knob(0.0, 0.0)
            return
        rect = stick.getBoundingClientRect()
        radius = rect.width / 2
        x = (event.clientX - rect.left - radius) / radius
        y = (event.clientY - rect.top - radius) / radius
        length = sqrt(x * x + y * y)
        if length > 1.0:
            x, y = x / length, y / length
        self.match.human_stick = stick_direction(x, y)
        self.place_knob(x * radius, y * radius)

    def place_knob(self, x: float, y: float) -> None:
        element("stick-knob").style.transform = f"translate({x:.0f}px, {y:.0f}px)"

    def on_dash(self, event) -> None:
        event.preventDefault()
        held = event.type == "pointerdown"
        self.match.human_dash = held
        element("dash").classList.toggle("held", held)
