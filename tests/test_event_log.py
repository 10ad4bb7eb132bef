"""app/event_log.py: the status line, problems that stay until resolved or dismissed, the short log."""

from app.event_log import EventLog


def test_events_replace_the_status_line_and_problems_stay_until_resolved():
    changes = []
    log = EventLog(on_change=lambda: changes.append(1), clock=iter(range(100)).__next__, length=3)
    log.problem("seed", "Reset refused: the seed must be a whole number.")
    log.tell("Exported agent-v3.dshq.")
    assert log.status == "Exported agent-v3.dshq."
    assert log.problems == {"seed": "Reset refused: the seed must be a whole number."}   # still shown
    log.resolve("seed")                                       # a good reset
    assert log.problems == {} and log.status == "Exported agent-v3.dshq."
    log.problem("seed", "Reset refused again.")
    log.resolve("seed")
    assert log.status == ""                                   # it said what is now over
    log.resolve("seed")                                       # nothing open: no redraw
    assert len(changes) == 5


def test_a_problem_raised_again_replaces_the_old_one_and_dismiss_closes_it():
    log = EventLog()
    log.problem("trainer", "stalled")
    log.problem("import", "not an agent file")
    log.problem("trainer", "stopped")
    assert list(log.problems.items()) == [("import", "not an agent file"), ("trainer", "stopped")]
    assert log.status == "stopped"
    log.dismiss("import")
    assert list(log.problems) == ["trainer"]


def test_the_log_keeps_the_newest_entries_first():
    log = EventLog(clock=iter(range(100)).__next__, length=2)
    for text in ("one", "two", "three"):
        log.tell(text)
    log.problem("x", "four")
    assert [(entry.text, entry.at, entry.problem) for entry in log.entries] == [("four", 3, True), ("three", 2, False)]
