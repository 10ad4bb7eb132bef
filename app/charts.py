"""Small line charts of training metrics, drawn on 2D canvases by the learner panel.

One `Chart` per metric draws that metric's history (the session keeps it,
app/session.py) as one polyline, when telemetry arrives (1-2 Hz).
"""

import js


class Chart:
    def __init__(self, canvas, title: str, metric: str, colour: str = "#f2c14e"):
        self.canvas, self.title, self.metric, self.colour = canvas, title, metric, colour
        canvas.title = metric     # CleanRL's name as the tooltip

    def draw(self, points: list[tuple[float, float]]) -> None:
        ctx = self.canvas.getContext("2d")
        width, height = self.canvas.width, self.canvas.height
        ctx.clearRect(0, 0, width, height)
        ctx.fillStyle = "#9fb0bd"
        ctx.font = "11px system-ui, sans-serif"
        latest = f"{points[-1][1]:.4g}" if points else "—"
        ctx.fillText(f"{self.title}: {latest}", 4, 12)
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


def make_charts(container_id: str, titles: dict) -> list[Chart]:
    """One canvas per metric -> title in `titles`, appended to the container."""
    container = js.document.getElementById(container_id)
    charts = []
    for metric, title in titles.items():
        canvas = js.document.createElement("canvas")
        canvas.width, canvas.height = 220, 80
        canvas.className = "chart"
        canvas.setAttribute("aria-label", f"{title} chart")
        container.appendChild(canvas)
        charts.append(Chart(canvas, title, metric))
    return charts
