"""The messages under the match controls, a view of app/event_log.py (browser only).

    #notice     the status line: the newest message; it stays until the next one
    #problems   each open problem with a Dismiss button; a problem goes when the
                person dismisses it or its cause is resolved (session "problem"
                event with text None)
    #event-log  the last few messages with their times (a <details>)

The session's "notice" events are told; its "problem" events (key, text or
None) open or resolve a problem. Messages never cover the pitch.
"""

import html
from datetime import datetime

from app.dom import element, listen
from app.dshq import set_status
from app.event_log import EventLog


class MessagePanel:
    def __init__(self, session):
        self.session = session
        self.log = EventLog(on_change=self.draw)

    def wire(self) -> None:
        self.session.subscribe("notice", self.log.tell)
        self.session.subscribe("problem", self.on_problem)
        listen(element("problems"), "click", self.on_click)

    def on_problem(self, key: str, text: str | None) -> None:
        if text is None:
            self.log.resolve(key)
        else:
            self.log.problem(key, text)

    def on_click(self, event) -> None:
        key = event.target.dataset.dismiss
        if key:
            self.log.dismiss(key)

    def draw(self) -> None:
        log = self.log
        element("notice").textContent = log.status
        element("problems").innerHTML = "".join(
            f'<li><span>{html.escape(text)}</span> <button type="button" data-dismiss="{html.escape(key)}" '
            f'aria-label="Dismiss: {html.escape(text[:60])}">Dismiss</button></li>'
            for key, text in log.problems.items())
        element("event-entries").innerHTML = "".join(
            f'<li class="{"problem" if entry.problem else ""}"><time>{datetime.fromtimestamp(entry.at):%H:%M:%S}'
            f'</time> {html.escape(entry.text)}</li>' for entry in log.entries)
        set_status(notice=log.status, problems=dict(log.problems))
