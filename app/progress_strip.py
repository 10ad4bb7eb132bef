"""The progress strip, a view of the session (app/session.py) at the top of the telemetry: how the
learner does against the scripted player, and when it should beat it (app/progress_estimate.py).

    strip   one column per evaluation at its env steps, split into wins (green), draws (grey)
            and losses (red); the share of decided matches won over the newest RECENT_MATCHES
            matches (yellow line); the target (dashed, 60%); the measured run's curve (faint)
    tally   the newest evaluation's wins, draws and losses
    ETA     estimate(): "about 2 h 40 min at the current 310 env steps/s ...", "beaten at ...",
            "measuring…" before the first rate

It listens to the session's run, discarded, training, telemetry and evaluation events, and keeps
`status().progress` ({eta, evaluations, beaten_at}) up to date. A new learner starts from the session's
evaluations: none for a fresh one, a restored autosave's (app/run_state.py) for a restored one.
"""

import js

from app.dom import element
from app.dshq import set_status
from app.progress_estimate import PAGE_CURVE, TARGET_WIN_RATE, ScriptedProgress, estimate, steps_text

HEIGHT = 72         # CSS pixels (app/page.css)
BEFORE_TRAIN = "press Train: the estimate appears once training runs"
COLOURS = {"wins": "#5cc27a", "draws": "#6b7a86", "losses": "#e06060", "rate": "#f2c14e", "axis": "#9fb0bd",
           "curve": "#56707f"}


class ProgressStrip:
    def __init__(self, session):
        self.session = session
        self.progress = ScriptedProgress()
        self.env_steps, self.steps_per_second = 0, None

    def wire(self) -> None:
        for event, view in (("run", lambda *_: self.reset()), ("discarded", self.reset),
                            ("training", lambda *_: self.render()), ("telemetry", self.on_telemetry),
                            ("evaluation", self.on_evaluation)):
            self.session.subscribe(event, view)
        self.reset()

    def reset(self) -> None:
        """A new (or no) learner: the session's evaluations (a restored run's, else none), no rate."""
        run = self.session.run
        self.progress = ScriptedProgress()
        self.env_steps, self.steps_per_second = (run.train_step if run is not None else 0), None
        element("progress-tally").textContent = "no evaluations yet"
        for report in self.session.evaluations:
            self.count(report)
        self.render()

    def on_telemetry(self, report: dict) -> None:
        self.env_steps = report.get("global_step", self.env_steps)
        self.steps_per_second = report.get("charts/SPS") or self.steps_per_second
        self.render()

    def on_evaluation(self, report: dict) -> None:
        self.count(report)
        self.render()

    def count(self, report: dict) -> None:
        """One evaluation's column, and the tally of it."""
        try:
            self.progress.add(report["train_steps"], report["wins"], report["draws"], report["losses"])
        except ValueError as err:
            self.session.notify(f"An evaluation was not counted: {err}.")
            return
        element("progress-tally").textContent = (f"v{report['policy_version']}: {report['wins']} won, "
                                                 f"{report['draws']} drawn, {report['losses']} lost")

    def render(self) -> None:
        run = self.session.run
        eta = BEFORE_TRAIN if run is None or not run.started else \
            estimate(self.env_steps, self.steps_per_second, self.progress)
        element("progress-eta").textContent = eta
        set_status(progress={"eta": eta, "evaluations": len(self.progress.evaluations),
                             "beaten_at": self.progress.beaten_at})
        self.draw()

    def draw(self) -> None:
        canvas = element("progress-strip")
        ratio = js.window.devicePixelRatio or 1
        width, height = canvas.clientWidth or canvas.width, HEIGHT     # CSS pixels; the backing store is sharp
        canvas.width, canvas.height = round(width * ratio), round(height * ratio)
        ctx = canvas.getContext("2d")
        ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
        ctx.clearRect(0, 0, width, height)
        left, right, top, bottom = 34, width - 8, 6, height - 16
        evaluations = self.progress.evaluations
        last = max([PAGE_CURVE.steps_to_beat(), *(steps for steps, *_ in evaluations)])

        def x_of(steps):
            return left + steps / last * (right - left)

        def y_of(fraction):
            return bottom - fraction * (bottom - top)

        ctx.font = "11px system-ui, sans-serif"
        ctx.fillStyle = COLOURS["axis"]
        for fraction in (0.0, TARGET_WIN_RATE, 1.0):
            ctx.fillText(f"{fraction:.0%}", 2, y_of(fraction) + 4)
        ctx.fillText("0", left, height - 3)
        label = f"{steps_text(last)} env steps"
        ctx.fillText(label, right - ctx.measureText(label).width, height - 3)
        column = max(2.0, min(8.0, (right - left) / max(len(evaluations), 1) - 1))
        for steps, *counts in evaluations:
            y = bottom
            for name, count in zip(("wins", "draws", "losses"), counts):
                share = count / sum(counts) * (bottom - top)
                ctx.fillStyle = COLOURS[name]
                ctx.fillRect(x_of(steps) - column / 2, y - share, column, share)
                y -= share
        self.line([(steps, PAGE_CURVE.win_rate(i)) for i, (steps, *_) in enumerate(PAGE_CURVE.points)
                   if steps <= last], ctx, x_of, y_of, COLOURS["curve"])
        self.line(self.pooled_rates(), ctx, x_of, y_of, COLOURS["rate"])
        ctx.strokeStyle = COLOURS["axis"]
        ctx.lineWidth = 1
        ctx.setLineDash(js.Array.of(4, 3))
        ctx.beginPath()
        ctx.moveTo(left, y_of(TARGET_WIN_RATE))
        ctx.lineTo(right, y_of(TARGET_WIN_RATE))
        ctx.stroke()
        ctx.setLineDash(js.Array.of())

    def pooled_rates(self) -> list[tuple[int, float]]:
        """(env steps, wins / decided over the newest RECENT_MATCHES matches up to that evaluation)."""
        rates = []
        for index, (steps, *_) in enumerate(self.progress.evaluations):
            wins, _, losses = self.progress.recent(index + 1)
            if wins + losses:
                rates.append((steps, wins / (wins + losses)))
        return rates

    @staticmethod
    def line(points, ctx, x_of, y_of, colour: str) -> None:
        ctx.strokeStyle = colour
        ctx.lineWidth = 1.5
        ctx.beginPath()
        for i, (steps, rate) in enumerate(points):
            (ctx.moveTo if i == 0 else ctx.lineTo)(x_of(steps), y_of(rate))
        ctx.stroke()
