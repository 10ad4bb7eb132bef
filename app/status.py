"""Python's side of `window.dshq` (see app/status.mjs): fill status fields and
show the plain-words problem panel."""

import js


def set_status(**fields) -> None:
    state = js.window.dshq._state
    for name, value in fields.items():
        setattr(state, name, value)


def show_problem(text: str) -> None:
    """Show `text` in the problem panel and as `status().error`."""
    js.window.dshq._showProblem(text)
    js.console.error(f"DrillSergeantHQ: {text}")


def hide_loading() -> None:
    js.document.getElementById("loading").hidden = True
