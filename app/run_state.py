"""What the page keeps of a training run, as .dshq bytes and back (pure Python, tested in CPython).

Two kinds of file, both written by rl.files.agent_file (so `python -m rl.evaluate`
reads either):

    export    name-vN.dshq: the agent's weights + metadata (model config, spec
              versions, hyperparameters, train step, policy version, created
              time, win rate vs scripted at export, and its league rating with
              the anchor, `league_rating`, the keys rl.train writes)
    autosave  the same, plus Adam's state, the snapshot pool (weights of
              each snapshot), the charts' history, the page's LiveSetup and
              the league (app/run_league.py: members, priors, results,
              milestones) and the evaluations against the scripted player
              (`evaluations`: [{train_steps, wins, draws, losses,
              policy_version}], the progress strip's columns), so a reload
              resumes the run where it was

An imported file's `league_rating` becomes its prior in the league: N(rating,
sd^2), moved by the difference of the two anchors' ratings; a league_rating
that is not {rating, sd > 0, games, anchor: "scripted", anchor_rating} refuses
the import.

An `Agent` is one set of weights the show match can play: the learner's
snapshots, imported files, a restored run.
"""

import math
import re
from array import array
from dataclasses import asdict, dataclass, field

from rl.files.agent_file import AgentFile, read_agent, write_agent
from rl.files.container import CheckpointError
from rl.optimizer_state import OptimizerState
from rl.model import ModelConfig
from rl.live.setup import LiveSetup
from rl.soccer.league import ANCHOR, LeagueConfig

NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,40}")
MAX_CHART_POINTS = 300          # per metric, as the session keeps (app/session.py)
POOL_CAPACITY = 12              # snapshots kept; when full, the most crowded one goes
EVALUATION_KEYS = ("train_steps", "wins", "draws", "losses", "policy_version")   # one evaluation vs scripted


@dataclass
class Agent:
    """Weights the show match can play, with what is known about them."""
    label: str                  # shown on the pitch: "v12", "v12 (snapshot)", "v30 (striker)"
    version: int
    train_steps: int
    params: array
    model_config: ModelConfig
    win_rate: float | None = None
    name: str = "agent"
    league_prior: tuple | None = None    # (rating, sd) on this page's scale, from an imported file


@dataclass
class RunState:
    """Everything an autosave restores."""
    params: array
    optimizer: OptimizerState | None
    version: int
    train_steps: int
    setup: LiveSetup
    telemetry: dict = field(default_factory=dict)    # CleanRL metric -> [[x, y], ...]
    snapshots: list = field(default_factory=list)    # [Agent], oldest first
    win_rate: float | None = None                    # latest evaluation vs scripted
    name: str = "agent"
    created: str | None = None                       # when it was saved (ISO 8601, UTC)
    league: dict | None = None                       # app/run_league.RunLeague.to_json(); None in older saves
    evaluations: list = field(default_factory=list)  # [{EVALUATION_KEYS}] vs scripted, oldest first; [] in older saves


def check_name(text: str) -> str:
    """An agent name for file names: 1-40 letters, digits, '-' or '_'."""
    name = str(text).strip()
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(f"the agent name must be 1 to 40 letters, digits, '-' or '_', got {name!r}")
    return name


def export_filename(name: str, version: int) -> str:
    return f"{check_name(name)}-v{version}.dshq"


def common_metadata(name: str, version: int, train_steps: int, setup: LiveSetup, engine: str, win_rate) -> dict:
    """`engine`: the one the run trains with ("gpu" or "workers"), whose batch `ppo_config` records."""
    metadata = {"name": check_name(name), "policy_version": version, "train_step": train_steps,
                "ppo_config": asdict(setup.ppo_config(engine))}
    if win_rate is not None:
        metadata["win_rate_vs_scripted"] = win_rate
    return metadata


def export_bytes(agent: Agent, setup: LiveSetup, engine: str, league_rating: dict | None = None) -> bytes:
    """An export: the agent's weights and metadata (no optimizer state, no pool), with its league rating
    (rl.soccer.league.League.file_rating) when it has one."""
    metadata = common_metadata(agent.name, agent.version, agent.train_steps, setup, engine, agent.win_rate)
    if league_rating is not None:
        metadata["league_rating"] = league_rating
    return write_agent(agent.params, agent.model_config, metadata)


def agent_from_file(agent_file: AgentFile) -> Agent:
    """A file's weights as a playable Agent, labelled "vN (name)"."""
    metadata = agent_file.metadata
    version = metadata.get("policy_version", 0)
    name = metadata.get("name")
    name = name if isinstance(name, str) and NAME_PATTERN.fullmatch(name) else "agent"
    return Agent(f"v{version} ({name})", version, metadata.get("train_step", 0), agent_file.params,
                 agent_file.model_config, metadata.get("win_rate_vs_scripted"), name,
                 league_prior(metadata.get("league_rating")))


def league_prior(rating, anchor_rating: float = LeagueConfig().anchor_rating) -> tuple | None:
    """A file's metadata["league_rating"] -> (rating, sd) against this page's anchor; None if absent."""
    if rating is None:
        return None
    numbers = ("rating", "sd", "anchor_rating")
    if not (isinstance(rating, dict) and rating.get("anchor") == ANCHOR
            and all(isinstance(rating.get(key), (int, float)) and not isinstance(rating.get(key), bool)
                    and math.isfinite(rating[key]) for key in numbers) and rating["sd"] > 0
            and _is_count(rating.get("games"))):
        raise CheckpointError("metadata 'league_rating' is not {rating, sd > 0, games, anchor: 'scripted', "
                              "anchor_rating}")
    return rating["rating"] - rating["anchor_rating"] + anchor_rating, rating["sd"]


def import_agent(data: bytes) -> Agent:
    """A file a person picked or dropped -> Agent; CheckpointError says which check failed."""
    return agent_from_file(read_agent(data))


def autosave_bytes(run: RunState, engine: str) -> bytes:
    metadata = common_metadata(run.name, run.version, run.train_steps, run.setup, engine, run.win_rate)
    metadata.update(kind="autosave", live_setup=asdict(run.setup),
                    telemetry={metric: points[-MAX_CHART_POINTS:] for metric, points in run.telemetry.items()},
                    pool=[{"version": s.version, "train_step": s.train_steps, "win_rate": s.win_rate}
                          for s in run.snapshots])
    if run.league is not None:
        metadata["league"] = run.league
    metadata["evaluations"] = [evaluation_entry(report) for report in run.evaluations]
    return write_agent(run.params, run.setup.model_config(), metadata, optimizer=run.optimizer,
                       snapshots={s.version: s.params for s in run.snapshots})


def run_from_file(agent_file: AgentFile) -> RunState:
    """An autosave's AgentFile -> RunState; CheckpointError if it is not a consistent autosave."""
    metadata = agent_file.metadata
    if metadata.get("kind") != "autosave":
        raise CheckpointError("autosave: metadata 'kind' is not 'autosave'")
    try:
        setup = LiveSetup(**{**metadata["live_setup"], "hidden_sizes": tuple(metadata["live_setup"]["hidden_sizes"])})
    except (KeyError, TypeError, ValueError) as err:
        raise CheckpointError(f"autosave: metadata 'live_setup' is invalid: {err}") from None
    if setup.model_config() != agent_file.model_config:
        raise CheckpointError("autosave: metadata 'live_setup' does not describe the saved model")
    pool = _check_pool(metadata.get("pool"), agent_file.snapshots)
    telemetry = metadata.get("telemetry")
    if not isinstance(telemetry, dict) or not all(_is_series(points) for points in telemetry.values()):
        raise CheckpointError("autosave: metadata 'telemetry' is not {metric: [[x, y], ...]}")
    snapshots = [Agent(f"v{entry['version']} (snapshot)", entry["version"], entry["train_step"],
                       agent_file.snapshots[entry["version"]], agent_file.model_config, entry["win_rate"])
                 for entry in pool]
    return RunState(agent_file.params, agent_file.optimizer, metadata.get("policy_version", 0),
                    metadata.get("train_step", 0), setup, telemetry, snapshots,
                    metadata.get("win_rate_vs_scripted"), agent_from_file(agent_file).name,
                    metadata.get("created") if isinstance(metadata.get("created"), str) else None,
                    metadata.get("league"), check_evaluations(metadata.get("evaluations", [])))


def evaluation_entry(report: dict) -> dict:
    """What an autosave keeps of one evaluation vs scripted (the evaluator's report has more)."""
    return {key: report[key] for key in EVALUATION_KEYS}


def read_autosave(data: bytes) -> RunState:
    return run_from_file(read_agent(data))


def _check_pool(pool, saved: dict) -> list:
    """metadata 'pool' must list exactly the saved snapshots: [{version, train_step, win_rate}], ascending."""
    def valid(entry):
        return (isinstance(entry, dict) and _is_count(entry.get("version")) and _is_count(entry.get("train_step"))
                and (entry.get("win_rate") is None or (isinstance(entry["win_rate"], (int, float))
                                                       and 0.0 <= entry["win_rate"] <= 1.0)))
    if not isinstance(pool, list) or not all(valid(entry) for entry in pool):
        raise CheckpointError("autosave: metadata 'pool' is not [{version, train_step, win_rate}, ...]")
    versions = [entry["version"] for entry in pool]
    if versions != sorted(saved) or len(set(versions)) != len(versions):
        raise CheckpointError(f"autosave: metadata 'pool' lists versions {versions}, the file holds {sorted(saved)}")
    return pool


def check_evaluations(evaluations) -> list:
    """metadata 'evaluations' must be [{train_steps, wins, draws, losses, policy_version}] of counts, each with
    at least one match (absent in older saves: no evaluations)."""
    def valid(entry):
        return (isinstance(entry, dict) and set(entry) == set(EVALUATION_KEYS)
                and all(_is_count(entry[key]) for key in EVALUATION_KEYS)
                and entry["wins"] + entry["draws"] + entry["losses"] > 0)
    if not isinstance(evaluations, list) or not all(valid(entry) for entry in evaluations):
        raise CheckpointError("autosave: metadata 'evaluations' is not [{train_steps, wins, draws, losses, "
                              "policy_version}, ...] of counts with at least one match each")
    return evaluations


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_series(points) -> bool:
    return isinstance(points, list) and all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(v, (int, float)) and math.isfinite(v) for v in p)
        for p in points)


def add_snapshot(pool: list, snapshot: Agent, capacity: int = POOL_CAPACITY) -> None:
    """Append; when over capacity drop the inner snapshot closest (in version) to its predecessor,
    so the pool keeps the first, the newest and an even spread in between."""
    pool.append(snapshot)
    while len(pool) > capacity:
        gaps = [(pool[i].version - pool[i - 1].version, i) for i in range(1, len(pool) - 1)]
        del pool[min(gaps)[1]]
