"""The run's league and the milestones of its learning timeline (pure Python, tested in CPython).

Members of the league (rl/soccer/league.py, the scripted player anchored at 1000):
    scripted, random   the baselines, who play by name
    "v12"              each snapshot the session keeps (app/run_state.add_snapshot); one that leaves
                       the pool leaves the league with its results, so the fit stays small
    "v30 (striker) #a1b2c3"   each imported agent (its label and the hash of its weights, so the
                       same file is the same member); it joins with its file's league_rating as prior

Results: every evaluation (a version against scripted, `record_evaluation`) and every league match
the evaluator played for a request (`next_request`, `record_match`): the league's most informative
pairing among the members that can play now, LEAGUE_EPISODES one-minute matches, one request in
flight at a time. Members whose weights are not here (an import of an earlier page) keep their
results but are not paired.

Milestones, each a version (and its env steps), in the order they happen:
    first_goal        the first version that scored in an evaluation against scripted
    first_win         the first version that won an evaluation match against scripted
    passed_scripted   the first snapshot seen rated above the anchor (checked after every result)
    best_rating       the snapshot rated highest now (it moves when another overtakes it)

`to_json` / `from_json` carry members, priors, results and milestones through the autosave.
"""

import hashlib
import itertools
import math

from rl.soccer.league import ANCHOR, League

RANDOM = "random"
LEAGUE_EPISODES = 2             # per request: each player on each side once, a few seconds of the evaluator
MILESTONES = {"first_goal": "first goal", "first_win": "first win vs scripted",
              "passed_scripted": "passed the scripted player's rating", "best_rating": "best rating so far"}


def snapshot_name(version: int) -> str:
    return f"v{version}"


def import_name(agent) -> str:
    return f"{agent.label} #{hashlib.sha256(agent.params.tobytes()).hexdigest()[:6]}"


class RunLeague:
    def __init__(self, league: League | None = None, milestones: dict | None = None):
        self.league = league or League()
        self.league.add(RANDOM)
        self.agents = {}                  # member -> the Agent it plays with (snapshots and imports here)
        self.snapshot_steps = {}          # snapshot member -> its env steps
        self.milestones = dict(milestones or {})    # kind -> {"version", "train_steps"[, "rating"]}
        self.pending = None               # the request in flight: {"id", "players": [a, b]}
        self.request_ids = itertools.count(1)
        self.matches_recorded = 0         # league replies counted in this page (not saved: for the bench)

    # --- members ------------------------------------------------------------------------------
    def keep_snapshots(self, snapshots: list) -> None:
        """Members follow the session's snapshot pool: new snapshots join, dropped ones leave."""
        kept = {snapshot_name(agent.version): agent for agent in snapshots}
        for name in [name for name in self.snapshot_steps if name not in kept]:
            self.league.remove(name)
            del self.agents[name], self.snapshot_steps[name]
        for name, agent in kept.items():
            self.league.add(name)
            self.agents[name], self.snapshot_steps[name] = agent, agent.train_steps

    def add_import(self, agent) -> str:
        """An imported agent joins (its file's rating, if any, is its prior); returns its member name."""
        name = import_name(agent)
        self.league.add(name, agent.league_prior)
        self.agents[name] = agent
        return name

    def name_of(self, agent) -> str | None:
        """The member that plays with these weights: a listed agent, or the learner at a snapshot's version."""
        for name, member in self.agents.items():
            if member is agent:
                return name
        snapshot = self.agents.get(snapshot_name(agent.version))
        return snapshot_name(agent.version) if snapshot is not None and snapshot.params == agent.params else None

    def file_rating(self, agent) -> dict | None:
        """metadata["league_rating"] for an export of `agent`, None if it is not a member."""
        name = self.name_of(agent)
        return None if name is None else self.league.file_rating(name)

    # --- results ------------------------------------------------------------------------------
    def record_evaluation(self, report: dict) -> None:
        """An evaluation of a snapshot against scripted: a result (if the version is a member) and milestones."""
        version, steps = report["policy_version"], report["train_steps"]
        name = snapshot_name(version)
        if name in self.snapshot_steps:
            self.league.record(name, ANCHOR, report["wins"], report["draws"], report["losses"])
        if report.get("goals_for", 0) > 0:
            self.reach("first_goal", version, steps)
        if report["wins"] > 0:
            self.reach("first_win", version, steps)
        self.rated()

    def next_request(self, seed: int) -> dict | None:
        """The evaluator's next league match (workers/league_matches.py), or None while one is in flight or
        fewer than two members can play."""
        if self.pending is not None:
            return None
        pair = self.league.next_pairing(among={ANCHOR, RANDOM, *self.agents})
        if pair is None:
            return None
        request = {"type": "league", "id": next(self.request_ids), "episodes": LEAGUE_EPISODES, "seed": seed,
                   "players": [self.player(name) for name in pair]}
        self.pending = {"id": request["id"], "players": list(pair)}
        return request

    def player(self, name: str) -> dict:
        agent = self.agents.get(name)
        if agent is None:
            return {"name": name}
        model = agent.model_config
        return {"name": name, "params": agent.params.tobytes(),
                "model": {"hidden_sizes": list(model.hidden_sizes), "activation": model.activation}}

    def record_match(self, report: dict) -> None:
        """The evaluator's reply to the request in flight; ValueError says why it is not a result
        (a late reply, an error, a member that has left)."""
        pending, self.pending = self.pending, None
        if pending is None or report.get("id") != pending["id"]:
            self.pending = pending
            raise ValueError(f"league result {report.get('id')!r} answers no request in flight")
        if "error" in report:
            raise ValueError(f"{' vs '.join(pending['players'])} could not be played: {report['error']}")
        if report.get("players") != pending["players"]:
            raise ValueError(f"league result for {report.get('players')!r}, asked for {pending['players']!r}")
        self.league.record(*pending["players"], report["wins"], report["draws"], report["losses"])
        self.matches_recorded += 1
        self.rated()

    def cancel(self) -> None:
        """Forget the request in flight (its reply, if it comes, is refused)."""
        self.pending = None

    # --- milestones ---------------------------------------------------------------------------
    def reach(self, kind: str, version: int, train_steps: int) -> None:
        if kind not in self.milestones:
            self.milestones[kind] = {"version": version, "train_steps": train_steps}

    def rated(self) -> None:
        """The milestones that depend on ratings, after a result."""
        ratings = self.league.ratings()
        snapshots = sorted(self.snapshot_steps, key=lambda name: self.snapshot_steps[name])
        for name in snapshots:
            if ratings[name].rating > self.league.config.anchor_rating:
                self.reach("passed_scripted", int(name[1:]), self.snapshot_steps[name])
                break
        if snapshots:
            best = max(snapshots, key=lambda name: ratings[name].rating)
            self.milestones["best_rating"] = {"version": int(best[1:]), "train_steps": self.snapshot_steps[best],
                                              "rating": ratings[best].rating}

    def timeline(self) -> list:
        """[{milestone, label, version, train_steps}], in the order they happened."""
        entries = [{"milestone": kind, "label": MILESTONES[kind], **entry} for kind, entry in self.milestones.items()]
        return sorted(entries, key=lambda entry: (entry["train_steps"], list(MILESTONES).index(entry["milestone"])))

    # --- views and persistence --------------------------------------------------------------
    def table(self) -> dict:
        """name -> {rating, plus_minus, games} (status().league)."""
        return {name: {"rating": round(r.rating, 1), "plus_minus": round(r.plus_minus, 1), "games": r.games}
                for name, r in self.league.ratings().items()}

    def snapshot_ratings(self) -> list:
        """[(env steps, rating, +-)] of the snapshots, in training order (the Elo chart)."""
        ratings = self.league.ratings()
        return sorted((self.snapshot_steps[name], ratings[name].rating, ratings[name].plus_minus)
                      for name in self.snapshot_steps)

    def games(self) -> int:
        return sum(sum(tally) for tally in self.league.results.values())

    def to_json(self) -> dict:
        return {"league": self.league.to_json(), "milestones": self.milestones}

    @classmethod
    def from_json(cls, data) -> "RunLeague":
        """The inverse of to_json; ValueError says what is malformed."""
        if not isinstance(data, dict):
            raise ValueError(f"not a league: {type(data).__name__}")
        milestones = data.get("milestones")
        if not (isinstance(milestones, dict) and all(
                kind in MILESTONES and isinstance(entry, dict) and is_count(entry.get("version"))
                and is_count(entry.get("train_steps")) for kind, entry in milestones.items())):
            raise ValueError("not a league: 'milestones' is not {kind: {version, train_steps}}")
        if "best_rating" in milestones and not is_finite(milestones["best_rating"].get("rating")):
            raise ValueError("not a league: the best rating is not a number")
        return cls(League.from_json(data.get("league")), milestones)


def is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def is_finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
