"""The learning timeline, a view of the session (app/session.py) under the charts.

    strip        the run's env steps left to right: a tick per snapshot (the chosen one
                 highlighted) and a marker per milestone (app/run_league.py)
    scrubber     a range over the same env steps; it snaps to the nearest snapshot
    against      the opponent: the learner now, scripted, random or another listed agent
    Replay       session.replay(snapshot, opponent): the snapshot plays Blue, the opponent
                 Red, from a kickoff at the current seed (same choice and seed, same match)
    Then vs now  the same with the learner's current weights as the opponent
    milestones   the list of milestones with their versions

It redraws on the session's "agents" and "league" events, and keeps
`status().league` and `status().timeline` up to date.
"""

from app.dom import element, listen
from app.dshq import set_status
from app.session import OPPONENTS

MARKS = {"first_goal": "G", "first_win": "W", "passed_scripted": "S", "best_rating": "★"}


class TimelinePanel:
    def __init__(self, session):
        self.session = session
        self.chosen = None              # the listed key of the chosen snapshot

    def wire(self) -> None:
        listen(element("timeline-scrubber"), "input", lambda *_: self.scrub())
        listen(element("timeline-replay"), "click", lambda *_: self.replay(element("timeline-opponent").value))
        listen(element("then-vs-now"), "click", lambda *_: self.replay("learner"))
        for event in ("agents", "league"):
            self.session.subscribe(event, self.render)
        self.render()

    def snapshots(self) -> list:
        """[(key, Agent)] of the snapshots, oldest first."""
        return [(key, agent) for key, agent in reversed(self.session.listed().items()) if key.startswith("s")]

    # --- commands ---------------------------------------------------------------------------
    def scrub(self) -> None:
        """Choose the snapshot nearest the scrubber's env steps (and snap the scrubber to it)."""
        snapshots = self.snapshots()
        if not snapshots:
            return
        steps = float(element("timeline-scrubber").value)
        self.chosen = min(snapshots, key=lambda entry: abs(entry[1].train_steps - steps))[0]
        self.render()

    def replay(self, opponent: str) -> None:
        if self.chosen is None:
            self.session.notify("Nothing to replay yet: the timeline fills as the evaluator plays versions.")
            return
        try:
            self.session.replay(self.chosen, opponent)
        except ValueError as err:
            self.session.notify(f"Replay refused: {err}.")
            return
        match = self.session.match
        set_status(replay={"blue": match.labels["blue"], "red": match.labels["red"], "seed": match.seed})

    # --- views ----------------------------------------------------------------------------------
    def render(self) -> None:
        league, listed = self.session.league, self.session.listed()
        snapshots = self.snapshots()
        if self.chosen not in listed or not self.chosen.startswith("s"):
            self.chosen = snapshots[-1][0] if snapshots else None
        last = max((agent.train_steps for _, agent in snapshots), default=0)
        scrubber = element("timeline-scrubber")
        scrubber.max, scrubber.disabled = str(last), not snapshots
        for element_id in ("timeline-replay", "then-vs-now", "timeline-opponent"):
            element(element_id).disabled = not snapshots
        choice = listed.get(self.chosen)
        if choice is None:
            element("timeline-choice").textContent = "no snapshots yet"
        else:
            scrubber.value = str(choice.train_steps)
            rating = league.table().get(league.name_of(choice))
            rated = "" if rating is None else f" · {rating['rating']:.0f} ± {rating['plus_minus']:.0f}"
            element("timeline-choice").textContent = f"{choice.label} · {choice.train_steps:,} env steps{rated}"
        self.render_opponents(listed)
        timeline = league.timeline()
        element("milestones").innerHTML = "".join(
            f"<li>{MARKS[entry['milestone']]} {entry['label']}: v{entry['version']} "
            f"({entry['train_steps']:,} env steps)</li>" for entry in timeline)
        self.draw_strip(snapshots, timeline, last)
        set_status(league=league.table(), timeline=timeline, league_games=league.games(),
                   league_matches=league.matches_recorded, league_pending=league.pending is not None,
                   timeline_choice=self.chosen)

    def render_opponents(self, listed: dict) -> None:
        select = element("timeline-opponent")
        current = select.value
        names = {"learner": "the learner now", **{name: name for name in OPPONENTS[1:]},
                 **{key: agent.label for key, agent in listed.items()}}
        select.innerHTML = "".join(f'<option value="{key}">{label}</option>' for key, label in names.items())
        select.value = current if current in names else "learner"

    def draw_strip(self, snapshots: list, timeline: list, last: int) -> None:
        canvas = element("timeline-strip")
        ctx = canvas.getContext("2d")
        width, height = canvas.width, canvas.height
        ctx.clearRect(0, 0, width, height)

        def x_of(steps):
            return 6 + steps / max(last, 1) * (width - 12)

        ctx.strokeStyle = "#3a4a58"
        ctx.beginPath()
        ctx.moveTo(6, height - 8)
        ctx.lineTo(width - 6, height - 8)
        ctx.stroke()
        for key, agent in snapshots:
            ctx.fillStyle = "#f2c14e" if key == self.chosen else "#9fb0bd"
            ctx.fillRect(x_of(agent.train_steps) - 1, height - 14, 3 if key == self.chosen else 2, 12)
        ctx.font = "11px system-ui, sans-serif"
        ctx.fillStyle = "#6ea0ff"
        for entry in timeline:
            ctx.fillText(MARKS[entry["milestone"]], x_of(entry["train_steps"]) - 3, 10)
        canvas.title = "; ".join(f"{entry['label']}: v{entry['version']}" for entry in timeline) or "no milestones yet"
