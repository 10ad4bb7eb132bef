"""SplitMix64: the project's own tiny random generator (Steele, Lea, Flood 2014).

    state <- state + 0x9E3779B97F4A7C15                    (mod 2^64)
    z = state
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9               (mod 2^64)
    z = (z ^ (z >> 27)) * 0x94D049BB133111EB               (mod 2^64)
    out = z ^ (z >> 31)

Python integers never overflow, so every step masks to 64 bits explicitly; the
stream is identical in CPython and Pyodide. Each env owns one generator; the
global `random` module is never touched.
"""

MASK64 = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15


class SplitMix64:
    __slots__ = ("state",)

    def __init__(self, seed: int = 0):
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ValueError(f"seed must be an int, got {seed!r}")
        self.state = seed & MASK64

    def next_u64(self) -> int:
        """Next 64-bit unsigned integer."""
        self.state = (self.state + GOLDEN_GAMMA) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def uniform(self, low: float = 0.0, high: float = 1.0) -> float:
        """Float in [low, high): the top 53 bits scaled by 2^-53 (exact)."""
        return low + (high - low) * ((self.next_u64() >> 11) * (1.0 / 9007199254740992.0))

    def below(self, n: int) -> int:
        """Integer in [0, n) (multiply-shift; bias < n / 2^64, irrelevant for n = 30)."""
        return (self.next_u64() * n) >> 64
