"""What the page has told the person: a status line, the problems still open,
and a short log of everything (pure Python, tested in CPython; drawn by
app/message_panel.py).

    tell(text)            an event (an import, an applied setting): it becomes
                          the status line and the newest log entry; it stays
                          until the next one replaces it
    problem(key, text)    something the person must know about (a refused
                          seed, a stopped trainer): the status line and the
                          log show it like an event, and it also stays, under its key,
                          until the person dismisses it or `resolve(key)` is
                          called because the cause went away (a good reset, a
                          trainer producing updates again); a new problem
                          under the same key replaces the old one
    resolve(key)          the problem `key` is over (nothing if none is open); a
                          status line still showing it is cleared

Every change calls `on_change()` once, so a view redraws from `status`,
`problems` and `entries`.
"""

import time
from dataclasses import dataclass

LOG_LENGTH = 20        # entries kept, newest first


@dataclass(frozen=True)
class Entry:
    text: str
    at: float                  # time.time() when it happened
    problem: bool = False      # a problem (shown as an error) rather than an event


class EventLog:
    def __init__(self, on_change=lambda: None, clock=time.time, length: int = LOG_LENGTH):
        self.on_change, self.clock, self.length = on_change, clock, length
        self.status = ""           # the status line: the newest event
        self.problems = {}         # key -> text of each open problem, oldest first
        self.entries = []          # Entry, newest first, at most `length`

    def tell(self, text: str) -> None:
        self.status = text
        self.add(Entry(text, self.clock()))

    def problem(self, key: str, text: str) -> None:
        self.problems.pop(key, None)       # re-raised: it moves to the end (newest)
        self.problems[key] = text
        self.status = text
        self.add(Entry(text, self.clock(), problem=True))

    def resolve(self, key: str) -> None:
        text = self.problems.pop(key, None)
        if text is not None:
            if self.status == text:     # the status line no longer says something that is over
                self.status = ""
            self.on_change()

    dismiss = resolve      # the person closed it

    def add(self, entry: Entry) -> None:
        self.entries.insert(0, entry)
        del self.entries[self.length:]
        self.on_change()
