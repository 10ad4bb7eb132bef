"""Python's side of `window.dshq` (see app/status.mjs): fill status fields,
show the plain-words problem panel, and find the page's elements."""

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


def element(element_id: str):
    """The page element with this id (index.html)."""
    return js.document.getElementById(element_id)


def hide_loading() -> None:
    element("loading").hidden = True
