"""Viridis: the value field's colormap (perceptually uniform, readable with the common colour-vision
deficiencies and in greyscale: its lightness rises monotonically from dark purple to yellow).

    viridis(t) = linear interpolation between STOPS[k] and STOPS[k+1],  k = floor(t * 8),  t in [0, 1]

STOPS are matplotlib's viridis at t = 0, 1/8, ..., 1. `css_gradient` is the same ramp for the
legend, so the legend and the pitch agree stop for stop. Pure Python.
"""

STOPS = ((0x44, 0x01, 0x54), (0x47, 0x2d, 0x7b), (0x3b, 0x52, 0x8b), (0x2c, 0x72, 0x8e), (0x21, 0x91, 0x8c),
         (0x28, 0xae, 0x80), (0x5e, 0xc9, 0x62), (0xad, 0xdc, 0x30), (0xfd, 0xe7, 0x25))


def viridis(t: float) -> tuple[float, float, float]:
    """RGB in [0, 1] at t (clamped to [0, 1])."""
    t = min(1.0, max(0.0, t)) * (len(STOPS) - 1)
    k = min(int(t), len(STOPS) - 2)
    f = t - k
    return tuple((a + (b - a) * f) / 255.0 for a, b in zip(STOPS[k], STOPS[k + 1]))


def css_gradient() -> str:
    """`linear-gradient(to right, ...)` of the same stops, low on the left."""
    stops = ", ".join(f"rgb({r}, {g}, {b}) {100 * k / (len(STOPS) - 1):g}%" for k, (r, g, b) in enumerate(STOPS))
    return f"linear-gradient(to right, {stops})"
