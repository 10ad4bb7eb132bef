"""Python's side of `window.dshq` (see app/status.mjs): fill status fields and
show the plain-words problem panel."""

import js
from pyodide.ffi import jsnull


def set_status(**fields) -> None:
    """Set status fields; None becomes JavaScript null (not undefined)."""
    state = js.window.dshq._state
    for name, value in fields.items():
        setattr(state, name, jsnull if value is None else value)


def show_problem(text: str) -> None:
    """Show `text` in the problem panel and as `status().error`."""
    js.window.dshq._showProblem(text)
    js.console.error(f"DrillSergeantHQ: {text}")


def hide_loading() -> None:
    js.document.getElementById("loading").hidden = True
