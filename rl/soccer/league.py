"""The league: Elo ratings with an uncertainty, anchored to the scripted player (standard library only).

    league = League()                                   # the scripted player is the anchor, at 1000
    league.add("v40")                                   # a member; optional prior (rating, sd) for imports
    league.record("v40", "scripted", wins=5, draws=2, losses=1)
    league.ratings()                                    # {name: Rating(rating, sd, games)}
    league.next_pairing()                               # the most informative match to play next
    league.remove("v40")                                # a member leaves, with its results

The model is Elo's: member i has a rating R_i, and against member j it scores

    p_ij = 1 / (1 + 10^((R_j - R_i) / 400))             (expected score; a win is 1, a draw 1/2, a loss 0)

Ratings are not updated game by game (that depends on the order of games);
they are the maximum a posteriori fit to every result so far, the same
whatever order they came in:

    maximise  L(R) = sum over games g=(i,j,s)  s ln p_ij + (1 - s) ln(1 - p_ij)
                     - sum over members i != anchor  (R_i - mu_i)^2 / (2 sd_i^2)

with R_anchor fixed at anchor_rating and a Gaussian prior N(mu_i, sd_i^2) per
member (mu = anchor_rating, sd = prior_sd unless the member brought its own,
e.g. an imported agent's saved rating). With k = ln(10) / 400:

    dL/dR_i      = k sum_{g involving i} (s_i - p_i) - (R_i - mu_i) / sd_i^2
    d2L/dR_i^2   = -k^2 sum_{g involving i} p(1 - p) - 1 / sd_i^2
    d2L/dR_i dR_j = +k^2 sum_{g between i and j} p(1 - p)

L is concave, so Newton's method R <- R - H^-1 g converges; it stops when no
rating moves by more than 1e-6. The uncertainty is the posterior standard
deviation sd_i = sqrt((-H)^-1)_ii at the optimum (the Laplace approximation);
the page shows +-1.96 sd, a 95% interval.

Pairings: the next match is the pair whose result is expected to teach most:
the largest k^2 p(1 - p) Var(R_i - R_j), the Fisher information of one game
weighted by how unsure the difference of the two ratings is,
Var(R_i - R_j) = C_ii + C_jj - 2 C_ij with C = (-H)^-1 (the anchor's row is 0);
close ratings and few games between the two win.
"""

import math
from dataclasses import dataclass, field

ANCHOR = "scripted"
K = math.log(10.0) / 400.0        # d ln-odds / d rating


@dataclass(frozen=True)
class LeagueConfig:
    anchor_rating: float = 1000.0
    """The scripted player's fixed rating: numbers compare across runs and machines."""
    prior_sd: float = 350.0
    """Standard deviation of a new member's prior around the anchor's rating (Elo points)."""


@dataclass(frozen=True)
class Rating:
    rating: float
    """The MAP rating (Elo points)."""
    sd: float
    """Posterior standard deviation (0 for the anchor); the page shows +-1.96 sd."""
    games: int
    """Games played (a draw counts as one game)."""

    @property
    def plus_minus(self) -> float:
        return 1.96 * self.sd


def expected_score(rating: float, opponent: float) -> float:
    """p = 1 / (1 + 10^((R_opponent - R) / 400))."""
    return 1.0 / (1.0 + 10.0 ** ((opponent - rating) / 400.0))


@dataclass
class League:
    """Members, their priors and every result; ratings are a function of these (fit on demand)."""

    config: LeagueConfig = field(default_factory=LeagueConfig)
    priors: dict = field(default_factory=dict)      # name -> (mu, sd); the anchor has none
    results: dict = field(default_factory=dict)     # (a, b) with a < b -> [wins of a, draws, losses of a]

    def __post_init__(self):
        self.priors.pop(ANCHOR, None)

    @property
    def members(self) -> list[str]:
        return [ANCHOR, *self.priors]

    def add(self, name: str, prior: tuple[float, float] | None = None) -> None:
        """A new member with prior (rating, sd), by default (anchor_rating, prior_sd). Adding a member
        twice keeps the first prior."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"a member's name must be a non-empty str, got {name!r}")
        if name == ANCHOR or name in self.priors:
            return
        mu, sd = prior if prior is not None else (self.config.anchor_rating, self.config.prior_sd)
        if not (math.isfinite(mu) and math.isfinite(sd) and sd > 0):
            raise ValueError(f"{name}: a prior needs a finite rating and an sd > 0, got ({mu!r}, {sd!r})")
        self.priors[name] = (float(mu), float(sd))

    def record(self, a: str, b: str, wins: int, draws: int, losses: int) -> None:
        """Add a's wins, draws and losses against b (both members; a != b)."""
        for name in (a, b):
            if name not in self.members:
                raise ValueError(f"{name!r} is not a member of the league")
        if a == b:
            raise ValueError(f"a member cannot play itself ({a!r})")
        if not all(isinstance(n, int) and n >= 0 for n in (wins, draws, losses)):
            raise ValueError(f"wins, draws and losses must be ints >= 0, got {(wins, draws, losses)}")
        key, tally = ((a, b), (wins, draws, losses)) if a < b else ((b, a), (losses, draws, wins))
        total = self.results.setdefault(key, [0, 0, 0])
        for k in range(3):
            total[k] += tally[k]

    def remove(self, name: str) -> None:
        """A member leaves the league with every result it took part in (the anchor stays)."""
        if name == ANCHOR or name not in self.priors:
            raise ValueError(f"{name!r} is not a member the league can remove")
        del self.priors[name]
        self.results = {pair: tally for pair, tally in self.results.items() if name not in pair}

    def games(self, name: str) -> int:
        return sum(sum(tally) for pair, tally in self.results.items() if name in pair)

    def ratings(self) -> dict:
        """{name: Rating}: the MAP fit of the module docstring, the anchor fixed."""
        rating, covariance = self.fit()
        return {name: Rating(rating[name], math.sqrt(covariance[name][name]), self.games(name))
                for name in self.members}

    def fit(self) -> tuple[dict, dict]:
        """(MAP ratings {name: R}, posterior covariance {name: {name: C}}); the anchor's row is 0."""
        free = list(self.priors)
        index = {name: i for i, name in enumerate(free)}
        rating = {ANCHOR: self.config.anchor_rating, **{name: mu for name, (mu, _) in self.priors.items()}}
        hessian = None
        for _ in range(100):
            gradient = [-(rating[name] - mu) / sd ** 2 for name, (mu, sd) in self.priors.items()]
            hessian = [[0.0] * len(free) for _ in free]
            for i, (_, sd) in enumerate(self.priors.values()):
                hessian[i][i] = -1.0 / sd ** 2
            for (a, b), (wins, draws, losses) in self.results.items():
                n = wins + draws + losses
                p = expected_score(rating[a], rating[b])
                score = wins + 0.5 * draws
                curvature = K * K * n * p * (1.0 - p)
                for name, sign in ((a, 1.0), (b, -1.0)):
                    if name in index:
                        gradient[index[name]] += sign * K * (score - n * p)
                        hessian[index[name]][index[name]] -= curvature
                if a in index and b in index:
                    hessian[index[a]][index[b]] += curvature
                    hessian[index[b]][index[a]] += curvature
            step = solve(hessian, gradient)
            for name, delta in zip(free, step):
                rating[name] -= delta
            if max(map(abs, step), default=0.0) < 1e-6:
                break
        inverse = invert([[-h for h in row] for row in hessian]) if free else []
        covariance = {a: {b: inverse[index[a]][index[b]] if a in index and b in index else 0.0
                          for b in self.members} for a in self.members}
        return rating, covariance

    def next_pairing(self, among=None) -> tuple[str, str] | None:
        """The pair to play next (module docstring), of members in `among` if given (those that can play
        now); None with fewer than two such members."""
        rating, c = self.fit()
        members = [name for name in self.members if among is None or name in among]
        best, best_value = None, -1.0
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                p = expected_score(rating[a], rating[b])
                value = K * K * p * (1.0 - p) * (c[a][a] + c[b][b] - 2.0 * c[a][b])
                if value > best_value:
                    best, best_value = (a, b), value
        return best

    def file_rating(self, name: str) -> dict:
        """What a .dshq file carries of a member's rating: metadata["league_rating"]."""
        rating = self.ratings()[name]
        return {"rating": rating.rating, "sd": rating.sd, "games": rating.games, "anchor": ANCHOR,
                "anchor_rating": self.config.anchor_rating}

    def to_json(self) -> dict:
        """Members' priors and the results: everything the ratings come from."""
        return {"anchor": ANCHOR, "anchor_rating": self.config.anchor_rating, "prior_sd": self.config.prior_sd,
                "priors": {name: list(prior) for name, prior in self.priors.items()},
                "results": [[a, b, *tally] for (a, b), tally in self.results.items()]}

    @classmethod
    def from_json(cls, data: dict) -> "League":
        """The inverse of to_json; a malformed league raises ValueError naming what is wrong."""
        try:
            league = cls(LeagueConfig(float(data["anchor_rating"]), float(data["prior_sd"])))
            for name, (mu, sd) in data["priors"].items():
                league.add(name, (float(mu), float(sd)))
            for a, b, wins, draws, losses in data["results"]:
                league.record(a, b, wins, draws, losses)
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"not a league: {error}") from None
        return league


def solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """x with matrix x = vector, by Gaussian elimination with partial pivoting (matrix is n x n, small)."""
    n = len(vector)
    rows = [list(row) + [value] for row, value in zip(matrix, vector)]
    for column in range(n):
        pivot = max(range(column, n), key=lambda r: abs(rows[r][column]))
        rows[column], rows[pivot] = rows[pivot], rows[column]
        for r in range(column + 1, n):
            factor = rows[r][column] / rows[column][column]
            for c in range(column, n + 1):
                rows[r][c] -= factor * rows[column][c]
    x = [0.0] * n
    for r in reversed(range(n)):
        x[r] = (rows[r][n] - sum(rows[r][c] * x[c] for c in range(r + 1, n))) / rows[r][r]
    return x


def invert(matrix: list[list[float]]) -> list[list[float]]:
    """The inverse of a small n x n matrix, column by column."""
    n = len(matrix)
    columns = [solve(matrix, [1.0 if r == c else 0.0 for r in range(n)]) for c in range(n)]
    return [[columns[c][r] for c in range(n)] for r in range(n)]
