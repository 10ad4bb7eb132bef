"""Small line charts of training metrics, drawn on 2D canvases by the learner panel.

One `Chart` per metric draws that metric's history (the session keeps it,
app/session.py) as one polyline, when telemetry arrives (1-2 Hz). The
`RatingChart` draws the snapshots' league ratings against env steps, each
with its +-1.96 sd bar, and the scripted anchor's fixed rating as a dashed
line (app/run_league.py).
"""

import js


def titled(canvas, title: str):
    """Clear a chart's canvas and write its title line; returns (2D context, width, height)."""
    ctx = canvas.getContext("2d")
    width, height = canvas.width, canvas.height
    ctx.clearRect(0, 0, width, height)
    ctx.fillStyle = "#9fb0bd"
    ctx.font = "11px system-ui, sans-serif"
    ctx.fillText(title, 4, 12)
    return ctx, width, height


class Chart:
    def __init__(self, canvas, title: str, metric: str, colour: str = "#f2c14e"):
        self.canvas, self.title, self.metric, self.colour = canvas, title, metric, colour
        canvas.title = metric     # CleanRL's name as the tooltip

    def draw(self, points: list[tuple[float, float]]) -> None:
        latest = f"{points[-1][1]:.4g}" if points else "—"
        ctx, width, height = titled(self.canvas, f"{self.title}: {latest}")
        if len(points) < 2:
            return
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        x0, x1 = xs[0], xs[-1] if xs[-1] > xs[0] else xs[0] + 1
        y0, y1 = min(ys), max(ys)
        if y1 - y0 < 1e-12:
            y0, y1 = y0 - 1, y1 + 1
        top, bottom = 18, height - 4
        ctx.strokeStyle = self.colour
        ctx.lineWidth = 1.5
        ctx.beginPath()
        for i, (x, y) in enumerate(points):
            px = 4 + (x - x0) / (x1 - x0) * (width - 8)
            py = bottom - (y - y0) / (y1 - y0) * (bottom - top)
            (ctx.moveTo if i == 0 else ctx.lineTo)(px, py)
        ctx.stroke()


class RatingChart:
    title = "Elo rating"

    def __init__(self, canvas, colour: str = "#6ea0ff", anchor_colour: str = "#9fb0bd"):
        self.canvas, self.colour, self.anchor_colour = canvas, colour, anchor_colour
        canvas.title = "league rating (+-1.96 sd) of each snapshot; dashed: the scripted player"

    def draw(self, ratings: list[tuple[float, float, float]], anchor_rating: float) -> None:
        """ratings: [(env steps, rating, plus_minus)] in training order."""
        latest = f"{ratings[-1][1]:.0f} ± {ratings[-1][2]:.0f}" if ratings else "—"
        ctx, width, height = titled(self.canvas, f"{self.title}: {latest}")
        xs = [x for x, _, _ in ratings] or [0.0]
        x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
        y0 = min([anchor_rating - 50, *(y - pm for _, y, pm in ratings)])
        y1 = max([anchor_rating + 50, *(y + pm for _, y, pm in ratings)])
        top, bottom = 18, height - 4

        def at(x, y):
            return 4 + (x - x0) / (x1 - x0) * (width - 8), bottom - (y - y0) / (y1 - y0) * (bottom - top)

        ctx.strokeStyle = self.anchor_colour
        ctx.lineWidth = 1
        ctx.setLineDash(js.Array.of(4, 3))
        ctx.beginPath()
        ctx.moveTo(4, at(x0, anchor_rating)[1])
        ctx.lineTo(width - 4, at(x0, anchor_rating)[1])
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


def make_canvas(container, title: str):
    canvas = js.document.createElement("canvas")
    canvas.width, canvas.height = 220, 80
    canvas.className = "chart"
    canvas.setAttribute("aria-label", f"{title} chart")
    container.appendChild(canvas)
    return canvas


def make_charts(container_id: str, titles: dict) -> tuple[list[Chart], RatingChart]:
    """One canvas per metric -> title in `titles`, then the rating chart, appended to the container."""
    container = js.document.getElementById(container_id)
    charts = [Chart(make_canvas(container, title), title, metric) for metric, title in titles.items()]
    return charts, RatingChart(make_canvas(container, RatingChart.title))
