"""Line charts of training metrics, drawn on 2D canvases by the learner panel.

Each chart is a <figure>: a caption (title with its unit, the latest value,
and an ⓘ, a circled "i" drawn by app/page.css, that opens one plain line on what the metric means and what good
looks like, from `HELP`), a canvas with a scaled y axis (its lowest and
highest value) and an env-steps x axis, and until there are points the words
"appears when training starts". One `Chart` per metric draws that metric's
history (the session keeps it, app/session.py) as one polyline when
telemetry arrives (1-2 Hz). The `RatingChart` draws the snapshots' league
ratings against env steps, each with its +-1.96 sd bar, and the scripted
anchor's fixed rating as a dashed line (app/run_league.py).

Canvases keep a backing store of devicePixelRatio times their CSS size, so
text and lines stay sharp.
"""

from dataclasses import dataclass

import js

from app.progress_estimate import steps_text

EMPTY_TEXT = "appears when training starts"
WAITING_TEXT = "waiting for its first value"      # training, but nothing to show yet (no episode ended, ...)
CSS_WIDTH, CSS_HEIGHT = 300, 130            # each chart's canvas, in CSS pixels
LEFT, RIGHT, TOP, BOTTOM = 58, 8, 8, 18     # the plot's margins: y labels left, x labels below
FONT = "12px system-ui, sans-serif"
AXIS_COLOUR = "#9fb0bd"


@dataclass(frozen=True)
class ChartHelp:
    """What the ⓘ of a chart says, and how its values read."""
    unit: str               # of the y axis, shown after the title ("" for a pure number)
    meaning: str            # one plain line: what is measured
    good: str               # what good looks like
    percent: bool = False   # the values are fractions, shown as percentages


HELP = {
    "charts/episodic_return": ChartHelp(
        "reward per episode", "The learner's mean reward per training episode (a goal is +-1, plus the small "
        "rewards for closing on the ball and moving it forward), over its latest 200 episodes.",
        "rising, then levelling off."),
    "eval/win_rate_vs_scripted": ChartHelp(
        "of decided matches", "The share of decided one-minute matches each new version won against the scripted "
        "player (greedy play, a few matches per version, so it jumps).", "rising toward and past 60%.", True),
    "charts/win_rate": ChartHelp(
        "of decided episodes", "The share of decided training episodes won against the training opponents "
        "(scripted, random and past versions of itself).", "rising; it dips when the past versions get stronger.",
        True),
    "losses/policy_loss": ChartHelp(
        "", "PPO's clipped surrogate loss: how strongly the last update pushed toward actions that did better than "
            "expected.", "small and noisy around 0; its level alone says little."),
    "losses/value_loss": ChartHelp(
        "", "How wrong the value head's predictions of future reward were (mean squared error).",
        "falling, then small; a jump when the learner starts scoring is normal."),
    "losses/entropy": ChartHelp(
        "nats", "How spread out the policy's choices are: ln 30 = 3.4 nats for 30 equally likely actions, 0 for "
                "always the same one.", "falling slowly as the learner grows sure; a fall to near 0 early means it "
                                        "stopped exploring."),
    "losses/approx_kl": ChartHelp(
        "nats", "How far one update moved the policy (approximate KL divergence between the action probabilities "
                "before and after).", "small, about 0.001 to 0.02; above 0.05 the steps are too big (lower the "
                                      "learning rate)."),
    "losses/clipfrac": ChartHelp(
        "of samples", "The share of samples whose probability changed by more than PPO's clip (20%), so the update "
                      "stopped pushing them.", "about 5% to 20%; far above means the steps are too big.", True),
    "losses/explained_variance": ChartHelp(
        "", "How well the value head predicts the rewards that followed: 1 perfectly, 0 no better than their "
            "average.", "rising toward 1; below 0 it predicts worse than the average."),
}
RATING_HELP = ChartHelp(
    "", "Each snapshot's league rating with its 95% interval; the dashed line is the scripted player, fixed at "
           "1000 (a 200-point lead means winning about 3 of 4 decided games).",
    "snapshots climbing above the dashed line.")


def value_text(value: float, about: ChartHelp, digits: int = 4) -> str:
    """A value as the chart shows it: a percentage, or `digits` significant digits."""
    return f"{value:.0%}" if about.percent else f"{value:.{digits}g}"


def axis_texts(low: float, high: float, about: ChartHelp) -> tuple[str, str]:
    """The y axis's two labels: whole numbers from 100 up, else as few significant digits (3 or more) as
    tell them apart."""
    if about.percent:
        return value_text(low, about), value_text(high, about)
    if max(abs(low), abs(high)) >= 100:
        return f"{low:,.0f}", f"{high:,.0f}"
    digits = 3
    while digits < 7 and f"{low:.{digits}g}" == f"{high:.{digits}g}":
        digits += 1
    return f"{low:.{digits}g}", f"{high:.{digits}g}"


class ChartFrame:
    """A chart's figure: caption with its ⓘ, a sharp canvas, the empty-state line."""

    def __init__(self, container, title: str, about: ChartHelp):
        self.title, self.about = title, about
        document = js.document
        self.figure = document.createElement("figure")
        self.figure.className = "chart"
        caption = document.createElement("figcaption")
        label = f"{title} ({about.unit})" if about.unit else title
        caption.innerHTML = (f'<span class="chart-title">{label}</span> <b class="chart-latest">—</b>'
                             f'<details class="chart-help"><summary aria-label="What is {title}?" '
                             f'title="What is {title}?">i</summary><p>{about.meaning} '
                             f'<b>Good:</b> {about.good}</p></details>')
        self.latest = caption.querySelector(".chart-latest")
        self.canvas = document.createElement("canvas")
        ratio = js.window.devicePixelRatio or 1
        self.canvas.width, self.canvas.height = round(CSS_WIDTH * ratio), round(CSS_HEIGHT * ratio)
        self.canvas.setAttribute("aria-label", f"{title} chart")
        self.empty_line = document.createElement("p")
        self.empty_line.className = "chart-empty"
        self.empty_line.textContent = EMPTY_TEXT
        for child in (caption, self.canvas, self.empty_line):
            self.figure.appendChild(child)
        container.appendChild(self.figure)

    def empty(self, started: bool) -> None:
        """No points: a clear canvas and what the person is waiting for."""
        self.begin(None, None, (0, 1))
        self.empty_line.textContent = WAITING_TEXT if started else EMPTY_TEXT

    def begin(self, latest: str | None, x_range: tuple[float, float] | None, y_range: tuple[float, float]):
        """Clear the canvas, show the latest value (None: the empty state) and draw both axes' labels;
        returns at(x, y) -> canvas pixels (in CSS pixels, the context is scaled)."""
        ctx = self.canvas.getContext("2d")
        ratio = self.canvas.width / CSS_WIDTH
        ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
        ctx.clearRect(0, 0, CSS_WIDTH, CSS_HEIGHT)
        self.latest.textContent = latest or "—"
        self.empty_line.hidden = latest is not None
        self.ctx = ctx
        if x_range is None:
            return None
        (x0, x1), (y0, y1) = x_range, y_range
        bottom, right = CSS_HEIGHT - BOTTOM, CSS_WIDTH - RIGHT
        ctx.font = FONT
        ctx.fillStyle = AXIS_COLOUR
        for y, text in zip((y0, y1), axis_texts(y0, y1, self.about)):
            ctx.fillText(text, LEFT - 4 - ctx.measureText(text).width,
                         bottom - (y - y0) / (y1 - y0) * (bottom - TOP) + 4)
        ctx.fillText(steps_text(x0), LEFT, CSS_HEIGHT - 4)
        end = f"{steps_text(x1)} env steps"
        ctx.fillText(end, right - ctx.measureText(end).width, CSS_HEIGHT - 4)
        ctx.strokeStyle = "#3a4a58"
        ctx.lineWidth = 1
        ctx.beginPath()
        ctx.moveTo(LEFT, TOP)
        ctx.lineTo(LEFT, bottom)
        ctx.lineTo(right, bottom)
        ctx.stroke()

        def at(x, y):
            return (LEFT + (x - x0) / (x1 - x0) * (right - LEFT), bottom - (y - y0) / (y1 - y0) * (bottom - TOP))
        return at


def padded(low: float, high: float, pad: float) -> tuple[float, float]:
    """A range that is never empty: (low, high), widened by `pad` on each side if they are equal."""
    return (low - pad, high + pad) if high - low < 1e-12 else (low, high)


class Chart(ChartFrame):
    def __init__(self, container, title: str, metric: str, colour: str = "#f2c14e"):
        super().__init__(container, title, HELP[metric])
        self.metric, self.colour = metric, colour
        self.canvas.title = metric     # CleanRL's name as the tooltip

    def draw(self, points: list[tuple[float, float]], started: bool = False) -> None:
        """points: [(env steps, value)]; `started`: training has begun (what an empty chart waits for)."""
        if not points:
            self.empty(started)
            return
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        y_range = (0.0, 1.0) if self.about.percent else padded(min(ys), max(ys), 1)
        at = self.begin(value_text(ys[-1], self.about), padded(xs[0], xs[-1], 1), y_range)
        ctx = self.ctx
        ctx.strokeStyle = ctx.fillStyle = self.colour
        ctx.lineWidth = 1.5
        if len(points) == 1:
            x, y = at(*points[0])
            ctx.fillRect(x - 2, y - 2, 4, 4)
            return
        ctx.beginPath()
        for i, point in enumerate(points):
            (ctx.moveTo if i == 0 else ctx.lineTo)(*at(*point))
        ctx.stroke()


class RatingChart(ChartFrame):
    title = "Elo rating"

    def __init__(self, container, colour: str = "#6ea0ff", anchor_colour: str = "#9fb0bd"):
        super().__init__(container, self.title, RATING_HELP)
        self.colour, self.anchor_colour = colour, anchor_colour
        self.canvas.title = "league rating (+-1.96 sd) of each snapshot; dashed: the scripted player"

    def draw(self, ratings: list[tuple[float, float, float]], anchor_rating: float, started: bool = False) -> None:
        """ratings: [(env steps, rating, plus_minus)] in training order."""
        if not ratings:
            self.empty(started)
            return
        xs = [x for x, _, _ in ratings]
        y0 = min([anchor_rating - 50, *(y - pm for _, y, pm in ratings)])
        y1 = max([anchor_rating + 50, *(y + pm for _, y, pm in ratings)])
        latest = f"{ratings[-1][1]:.0f} ± {ratings[-1][2]:.0f}"
        at = self.begin(latest, padded(min(xs), max(xs), 1), (y0, y1))
        ctx = self.ctx
        ctx.strokeStyle = self.anchor_colour
        ctx.lineWidth = 1
        ctx.setLineDash(js.Array.of(4, 3))
        ctx.beginPath()
        ctx.moveTo(*at(min(xs), anchor_rating))
        ctx.lineTo(CSS_WIDTH - RIGHT, at(min(xs), anchor_rating)[1])
        ctx.stroke()
        ctx.setLineDash(js.Array.of())
        ctx.strokeStyle = self.colour
        ctx.lineWidth = 1.5
        ctx.beginPath()
        for i, (x, y, _) in enumerate(ratings):
            (ctx.moveTo if i == 0 else ctx.lineTo)(*at(x, y))
        for x, y, pm in ratings:
            ctx.moveTo(*at(x, y - pm))
            ctx.lineTo(*at(x, y + pm))
        ctx.stroke()


def make_charts(container_id: str, titles: dict) -> tuple[list[Chart], RatingChart]:
    """Empty the container, then one chart per metric -> title in `titles` and the rating chart, drawn empty."""
    container = js.document.getElementById(container_id)
    container.innerHTML = ""
    charts = [Chart(container, title, metric) for metric, title in titles.items()]
    rating = RatingChart(container)
    for chart in charts:
        chart.draw([])
    rating.draw([], 0.0)
    return charts, rating
