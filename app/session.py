"""The page's session: the live run, who plays each side of the show match,
the listed agents, what the evaluator found and the league that rates them
(app/run_league.py). Pure Python, tested in CPython.

The browser parts come in as arguments: `new_run` builds the live run
(app/live_run.py's `LiveRun` on the page, a stand-in in the tests) and
`default_setup` reads the LiveSetup of the URL. The panels and the controls
are views: they command the session and redraw on its events.

    event        arguments         fired when
    notice       text              there is something to tell the person
    problem      key, text|None    a problem the person must see until it is resolved (text None) or
                                   dismissed (app/event_log.py); key "trainer": the trainer stopped or stalled
    sides        -                 a side's player or its label changed
    run          start: Agent|None a new learner began (fresh charts)
    discarded    -                 the learner was dropped
    training     running: bool     Train or Stop took effect
    telemetry    report            the trainer reported metrics
    worker       report            a worker reported {stage | error | worker_restarts | restored_opponents | engine |
                                   trainer_kernels}
    evaluation   report            the evaluator played a version against scripted
    agents       -                 the listed agents (snapshots, imports) changed
    league       -                 the league's members, results or milestones changed
    restored     run: RunState     an autosave came back

The league: each evaluation is a result, and while training (with
`league_matches`) the session keeps one league match in flight in the
evaluator worker (`run.play_league_match`), the pairing the league finds
most informative; its reply (`on_league_result`) is a result, and the next
request goes out.

Replays (the learning timeline): `replay(key, opponent)` puts a listed agent
on Blue and the opponent on Red, and restarts the match from the current
seed, so the same agent, opponent and seed replay the same match.

Sides: each side plays "scripted", "random", "learner" (the learner's
newest weights; untrained ones of the setup's shape before the first update),
"champion" (the ready-trained agent that ships with the page, app/champion.py,
once it has loaded) or "agent" (the listed Agent last put on that side). In
Human vs AI the person plays Blue whatever its side plays (app/show_match.py).
"""

import itertools
import math
from dataclasses import replace
from typing import Protocol

from app.hyperparameters import apply_panel
from app.network_player import BlendingPlayer, NetworkPlayer
from app.run_league import RunLeague
from app.run_state import (MAX_CHART_POINTS, Agent, RunState, add_snapshot, check_evaluations, evaluation_entry,
                           export_bytes)
from rl.files.container import CheckpointError
from rl.optimizer_state import OptimizerState
from rl.live.setup import LiveSetup
from rl.model import ModelConfig, init_params
from rl.policy import Policy

EVENTS = ("notice", "problem", "sides", "run", "discarded", "training", "telemetry", "worker", "evaluation", "agents",
          "league", "restored")
CHOICES = ("scripted", "random", "learner", "champion", "agent")
OPPONENTS = ("learner", "scripted", "random", "champion")  # a replay's opponent: one of these or a listed key
WORKER_REPORTS = ("stage", "error", "worker_restarts", "restored_opponents", "engine", "trainer_kernels")
EVALUATION_METRIC = "eval/win_rate_vs_scripted"
# The metrics whose history a run keeps (charted, autosaved): CleanRL name -> chart title
HISTORY = {"charts/episodic_return": "mean episodic return", EVALUATION_METRIC: "win rate vs scripted",
           "charts/win_rate": "win rate (training opponents)", "losses/policy_loss": "policy loss",
           "losses/value_loss": "value loss", "losses/entropy": "entropy", "losses/approx_kl": "approx KL",
           "losses/clipfrac": "clip fraction", "losses/explained_variance": "explained variance"}


class Run(Protocol):
    """A live run as the session drives it (app/live_run.py's LiveRun)."""
    setup: LiveSetup
    model: ModelConfig
    policy: Policy | None       # the newest weights read from the trainer, None before the first
    version: int                # of `policy`
    train_step: int             # of `policy`
    running: bool
    started: bool               # its workers exist (Train was pressed once)

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def release(self) -> None: ...              # dropped: its workers end (a healthy trainer may be kept)
    def shutdown(self) -> None: ...             # the page is going away: every worker ends
    def newer_policy(self) -> tuple[int, Policy] | None: ...
    def set_hyperparameters(self, values: dict) -> None: ...
    def play_league_match(self, request: dict) -> bool: ...    # False: no evaluator to play it
    async def checkpoint(self) -> dict: ...
    problem: str | None         # why the trainer stopped or stalled (None: it is fine)
    def restart_trainer(self) -> None: ...
    def engine_name(self) -> str: ...     # "gpu" or "workers": the trainer's rollout engine (rl/live/engine.py)


def add_point(points: list, x: float, y) -> None:
    """Append (x, y) to a metric's history unless y is missing or not finite; keep the newest MAX_CHART_POINTS."""
    if y is None or not math.isfinite(y):
        return
    points.append((x, float(y)))
    del points[:-MAX_CHART_POINTS]


class Session:
    def __init__(self, match, new_run, default_setup, expected_engine, blend_decisions: int = 0,
                 league_matches: bool = True):
        self.match = match                    # app/show_match.py's ShowMatch
        self.new_run = new_run                # (setup, on_telemetry, on_notice, on_evaluation, on_league_result,
                                              #  start, start_file) -> Run
        self.default_setup = default_setup    # () -> LiveSetup; may raise ValueError
        self.expected_engine = expected_engine    # (LiveSetup) -> the engine a run of it would train with
        self.blend_decisions = blend_decisions    # hot-swaps blend over this many decisions (0: switch at once)
        self.listeners = {event: [] for event in EVENTS}
        self.sides = {side: "scripted" for side in match.policies}
        self.side_agents = {}                 # side -> the Agent its "agent" choice plays
        self.champion: Agent | None = None     # the shipped champion, once loaded (app/champion.py)
        self.run: Run | None = None
        self.setup: LiveSetup | None = None   # the URL's, then the hyperparameter panel's
        self.history = {metric: [] for metric in HISTORY}    # metric -> [(train step, value)]
        self.win_rate = None                  # the learner's latest evaluation vs scripted
        self.evaluations = []                 # every evaluation vs scripted, oldest first (run_state.EVALUATION_KEYS)
        self.snapshots = []                   # Agents the evaluator played, oldest first
        self.imports = {}                     # "i3" -> the third imported Agent
        self.import_count = itertools.count(1)
        self.league_matches = league_matches  # play league matches while training (URL ?league=0: no)
        self.league_seeds = itertools.count(1)
        self.league = self.fresh_league()

    # --- events ------------------------------------------------------------------------
    def subscribe(self, event: str, callback) -> None:
        if event not in self.listeners:
            raise ValueError(f"no session event {event!r}; the events are {', '.join(EVENTS)}")
        self.listeners[event].append(callback)

    def emit(self, event: str, *args) -> None:
        for callback in self.listeners[event]:
            callback(*args)

    def notify(self, text: str) -> None:
        self.emit("notice", text)

    def report_problem(self, key: str, text: str) -> None:
        """A problem that stays shown until `resolve(key)` (or the person dismisses it)."""
        self.emit("problem", key, text)

    def resolve(self, key: str) -> None:
        self.emit("problem", key, None)

    # --- sides ---------------------------------------------------------------------------
    def assign(self, side: str, choice: str) -> None:
        """Put one of CHOICES on `side` of the show match (the module docstring says what each plays)."""
        if choice not in CHOICES:
            raise ValueError(f"a side plays one of {', '.join(CHOICES)}, got {choice!r}")
        if choice == "champion" and self.champion is None:
            self.notify("The champion is still loading; try again in a moment.")
            self.emit("sides")      # the select shows the side's current player again
            return
        if choice in ("agent", "champion"):
            agent = self.side_agents[side] if choice == "agent" else self.champion
            self.match.set_policy(side, NetworkPlayer(Policy(agent.params, agent.model_config)), agent.label)
        elif choice == "learner" and self.run is not None and self.run.policy is not None:
            self.match.set_policy(side, NetworkPlayer(self.run.policy, self.learner_gamma()), f"v{self.run.version}")
        elif choice == "learner":
            model = (self.setup or LiveSetup()).model_config()     # the shape training will use
            self.match.set_policy(side, NetworkPlayer(Policy(init_params(model, 1), model), self.learner_gamma()),
                                  "v0 (untrained)")
        else:
            self.match.set_baseline(side, choice)
        self.sides[side] = choice
        self.emit("sides")

    def play_agent(self, side: str, agent: Agent) -> None:
        """Put a listed agent on one side (its label shows who is who)."""
        self.side_agents[side] = agent
        self.assign(side, "agent")

    def play_learner(self) -> None:
        """Blue plays the learner unless a side already does; learner sides get its current weights."""
        if "learner" not in self.sides.values():
            self.sides["blue"] = "learner"
        self.refresh_learner_sides()

    def refresh_learner_sides(self) -> None:
        for side, choice in self.sides.items():
            if choice == "learner":
                self.assign(side, "learner")

    def learner_gamma(self) -> float:
        """The discount of the learner's PPO config (the run's, else the setup it will start from)."""
        setup = self.run.setup if self.run is not None else self.setup or LiveSetup()
        return setup.ppo_config(self.expected_engine(setup)).gamma

    def engine_name(self) -> str:
        """The engine the learner trains with ("gpu" or "workers"): the run's, else the one it would get."""
        return self.run.engine_name() if self.run is not None else self.expected_engine(self.current_setup())

    def hot_swap(self) -> None:
        """Give learner sides the newest published weights (called every frame; the match state is untouched)."""
        newer = self.run.newer_policy() if self.run is not None else None
        if newer is None:
            return
        version, policy = newer
        for side, choice in self.sides.items():
            if choice == "learner":
                current = self.match.policies[side]
                blend = self.blend_decisions and isinstance(current, NetworkPlayer)
                gamma = self.learner_gamma()
                player = BlendingPlayer(current, policy, self.blend_decisions, gamma) if blend \
                    else NetworkPlayer(policy, gamma)
                self.match.set_policy(side, player, f"v{version}")
        self.emit("sides")

    # --- the learner ---------------------------------------------------------------------
    def current_setup(self) -> LiveSetup:
        if self.setup is None:
            self.setup = self.default_setup()
        return self.setup

    def toggle_training(self) -> None:
        """Train or Stop; the first Train begins a learner with the current setup."""
        if self.run is None:
            try:
                self.begin(self.current_setup())
            except (TypeError, ValueError) as err:
                self.notify(f"Training not started: {err}.")
                return
        if self.run.running:
            self.run.stop()
        elif self.run.problem:      # the trainer stopped: Train restarts it
            self.restart_trainer()
            return
        else:
            self.play_learner()
            self.run.start()
        self.emit("training", self.run.running)

    def begin(self, setup: LiveSetup, start_file: bytes | None = None, start: Agent | None = None,
              history: dict | None = None, evaluations: list | None = None) -> None:
        """A new learner (fresh, or starting from `start`, whose .dshq bytes are `start_file`), its history and
        its evaluations vs scripted."""
        self.run = self.new_run(setup, self.on_telemetry, self.notify, self.on_evaluation, self.on_league_result,
                                start=start, start_file=start_file)
        self.setup = setup
        self.evaluations = list(evaluations or [])
        self.history = {metric: [] for metric in HISTORY}
        for metric, points in self.history.items():
            for x, y in (history or {}).get(metric, []):
                add_point(points, x, y)
        self.emit("run", start)
        if start is not None:
            self.play_learner()

    def discard(self) -> None:
        """Stop and drop the learner and its snapshots."""
        if self.run is not None:
            self.run.release()
        self.run = None
        self.win_rate = None
        self.evaluations = []
        self.snapshots = []
        self.league = self.fresh_league()
        self.emit("discarded")
        self.emit("agents")
        self.emit("league")

    def new_agent(self) -> None:
        """Throw the learner away (the caller asked the person); Train starts from fresh weights."""
        self.discard()
        self.refresh_learner_sides()
        self.notify("New agent: press Train to start learning from fresh weights.")

    def restore(self, run: RunState, data: bytes) -> None:
        """An autosave back: weights, Adam state (in `data`, for the trainer), train step, hyperparameters,
        history and snapshots; Train continues from there."""
        self.discard()
        self.win_rate = run.win_rate
        self.emit("restored", run)
        self.begin(run.setup, data, Agent(f"v{run.version}", run.version, run.train_steps, run.params,
                                          run.setup.model_config(), run.win_rate, run.name), run.telemetry,
                   run.evaluations)
        self.snapshots = list(run.snapshots)
        self.notify(f"Restored {run.name} v{run.version}: press Train to continue training it.")
        if run.league is not None:
            try:
                self.league = self.fresh_league(RunLeague.from_json(run.league))
            except ValueError as err:
                self.notify(f"The autosave's league could not be read ({err}); its ratings start afresh, "
                            f"everything else was restored.")
        self.league.keep_snapshots(self.snapshots)
        self.emit("agents")
        self.emit("league")

    def train_from(self, agent: Agent) -> None:
        """Make a listed agent the learner's starting point (the caller asked first if there is a learner)."""
        setup = replace(self.current_setup(), hidden_sizes=agent.model_config.hidden_sizes,
                        activation=agent.model_config.activation)
        self.discard()
        self.begin(setup, export_bytes(agent, setup, self.expected_engine(setup)), agent)
        self.notify(f"The learner starts from {agent.label}: press Train.")

    def restart_trainer(self) -> None:
        """A new trainer from the last published weights, after the old one stopped or stalled (app/live_run.py)."""
        self.run.restart_trainer()
        self.resolve("trainer")
        self.play_learner()
        self.emit("training", self.run.running)

    def learner_agent(self) -> Agent | None:
        """The learner's current weights as an Agent (None before there are any)."""
        run = self.run
        if run is None or run.policy is None:
            return None
        return Agent(f"v{run.version}", run.version, run.train_step, run.policy.params, run.model, self.win_rate)

    def apply_hyperparameters(self, values: dict) -> None:
        """The hyperparameter panel's Apply: all of it or nothing (app/hyperparameters.py)."""
        try:
            self.setup, ppo = apply_panel(self.current_setup(), values, self.engine_name())
        except (TypeError, ValueError) as err:
            self.notify(f"Hyperparameters refused: {err}.")
            return
        if self.run is not None:
            self.run.set_hyperparameters(ppo)
            self.notify("PPO settings apply from the next update; worker settings at the next New agent.")
        else:
            self.notify("Settings saved; they apply when you press Train.")

    async def run_state(self, name: str) -> RunState:
        """What an autosave keeps, with the trainer's weights and Adam state as of its last update."""
        run = self.run
        state = await run.checkpoint()
        return RunState(state["params"], OptimizerState(state["m"], state["v"], state["step"]), state["version"],
                        state["train_steps"], run.setup,
                        {metric: [list(point) for point in points] for metric, points in self.history.items()},
                        list(self.snapshots), self.win_rate, name, league=self.league.to_json(),
                        evaluations=list(self.evaluations))

    def shutdown(self) -> None:
        """Release the run's workers (the page is going away)."""
        if self.run is not None:
            self.run.shutdown()

    # --- reports from the run --------------------------------------------------------------
    def on_telemetry(self, report: dict) -> None:
        """A trainer report (rl/loop.py's entry: global_step, update, charts/*, losses/*) or a worker's."""
        if "trainer_problem" in report:
            if report["trainer_problem"] is None:
                self.resolve("trainer")
            else:
                self.report_problem("trainer", report["trainer_problem"])
            return
        if any(key in report for key in WORKER_REPORTS):
            self.emit("worker", report)
            return
        for metric, points in self.history.items():
            add_point(points, report.get("global_step", 0), report.get(metric))
        self.emit("telemetry", report)

    def on_evaluation(self, report: dict) -> None:
        """The evaluator played version N: its win rate is the learner's, N joins the snapshots (and the
        league, with this result), and the league's next match is asked for."""
        win_rate = report.get("win_rate")
        if win_rate is not None:
            self.win_rate = win_rate
        add_point(self.history[EVALUATION_METRIC], report["train_steps"], win_rate)   # all draws: no point
        try:
            self.evaluations += check_evaluations([evaluation_entry(report)])
        except CheckpointError:
            pass                # not kept (an autosave could not be read back); the progress strip says why
        version = report["policy_version"]
        if not self.snapshots or self.snapshots[-1].version < version:
            add_snapshot(self.snapshots, Agent(f"v{version} (snapshot)", version, report["train_steps"],
                                               report["params"], self.run.model, win_rate))
            self.league.keep_snapshots(self.snapshots)
            self.emit("agents")
        self.league.record_evaluation(report)
        self.emit("evaluation", report)
        self.emit("league")
        self.request_league_match()

    def on_league_result(self, report: dict) -> None:
        """The evaluator's reply to a league request: a result, then the next request."""
        try:
            self.league.record_match(report)
        except ValueError as err:
            self.notify(f"League match not counted: {err}.")
            return
        self.emit("league")
        self.request_league_match()

    def request_league_match(self) -> None:
        """While training, keep one league match in flight in the evaluator (each seeded by its number)."""
        run = self.run
        if not (self.league_matches and run is not None and run.running):
            return
        request = self.league.next_request(seed=self.current_setup().seed + next(self.league_seeds))
        if request is not None and not run.play_league_match(request):
            self.league.cancel()

    # --- the listed agents ------------------------------------------------------------------
    def add_import(self, agent: Agent) -> int:
        """List an imported agent (it joins the league); returns how many have been imported."""
        number = next(self.import_count)
        self.imports[f"i{number}"] = agent
        self.league.add_import(agent)
        self.emit("agents")
        self.emit("league")
        return number

    def listed(self) -> dict:
        """key -> Agent: snapshots ("s12"), newest first, then imports ("i3")."""
        return {**{f"s{agent.version}": agent for agent in reversed(self.snapshots)}, **self.imports}

    # --- the league and the timeline ---------------------------------------------------------
    def fresh_league(self, league: RunLeague | None = None) -> RunLeague:
        """`league` (a new one by default) with this page's imports as members."""
        league = league or RunLeague()
        for agent in self.imports.values():
            league.add_import(agent)
        return league

    def league_rating(self, agent: Agent) -> dict | None:
        """What an export of `agent` carries as metadata["league_rating"] (None if it is not rated)."""
        return self.league.file_rating(agent)

    def replay(self, key: str, opponent: str) -> None:
        """Blue plays the listed agent `key`, Red plays `opponent` (one of OPPONENTS or a listed key; "learner"
        is the learner's weights now, held fixed), from a kickoff at the current seed."""
        listed = self.listed()
        if key not in listed:
            raise ValueError(f"no listed agent {key!r} to replay")
        if opponent == "learner":
            now = self.learner_agent()
            if now is None:
                raise ValueError("there is no learner yet: press Train first")
            self.play_agent("red", replace(now, label=f"{now.label} (now)"))
        elif opponent in OPPONENTS:
            self.assign("red", opponent)
        elif opponent in listed:
            self.play_agent("red", listed[opponent])
        else:
            raise ValueError(f"the opponent is one of {', '.join(OPPONENTS)} or a listed agent, got {opponent!r}")
        self.play_agent("blue", listed[key])
        self.match.reset(self.match.seed)
