"""The page's elements and event listeners, from Python (browser only)."""

import js
from pyodide.ffi import create_proxy

kept = []       # proxies handed to JavaScript live as long as the page


def element(element_id: str):
    """The page element with this id (index.html)."""
    return js.document.getElementById(element_id)


def proxy(function):
    """`function` as a JavaScript function that stays valid for the page's lifetime."""
    handle = create_proxy(function)
    kept.append(handle)
    return handle


def listen(target, event: str, handler) -> None:
    target.addEventListener(event, proxy(handler))
