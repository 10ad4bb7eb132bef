"""The page's session in CPython (app/session.py): side assignments, the learner's
lifecycle, hot-swaps, the history it keeps, snapshots, imports and the events it fires.
A stand-in replaces the browser's live run (app/live_run.py)."""

import asyncio
from array import array

import pytest

from app.network_player import BlendingPlayer, NetworkPlayer
from app.run_state import MAX_CHART_POINTS, POOL_CAPACITY, Agent, RunState
from app.session import EVENTS, HISTORY, Session
from app.show_match import ShowMatch
from rl.files.agent_file import read_agent
from rl.live.engine import choose_engine
from rl.live.setup import LiveSetup
from rl.model import ModelConfig, init_params, num_params
from rl.policy import Policy
from sim import NUM_ACTIONS, OBSERVATION_SIZE, RandomPolicy, ScriptedPolicy

SETUP = LiveSetup(rollout_workers=1, envs_per_worker=4, num_steps=16, hidden_sizes=(8,))


def expected_engine(setup: LiveSetup) -> str:
    """The engine rl/live/engine.py's rule gives `setup` on an adapter that tells nothing about itself."""
    return choose_engine(setup.engine, {}).name


class StandInRun:
    """What the session needs of a live run, without workers: weights are published by `publish`."""

    def __init__(self, setup, on_telemetry, on_notice, on_evaluation, on_league_result, start=None,
                 start_file=None):
        self.setup, self.model = setup, setup.model_config()
        self.on_telemetry, self.on_notice, self.on_evaluation = on_telemetry, on_notice, on_evaluation
        self.on_league_result = on_league_result
        self.league_requests = []       # what the session posted to the evaluator
        self.start_agent, self.start_file = start, start_file
        self.version = start.version if start else 0
        self.train_step = start.train_steps if start else 0
        self.policy = Policy(start.params, self.model) if start else None
        self.running = self.started = self.released = self.shut_down = False
        self.published = None
        self.hyperparameters = []
        self.problem = None
        self.trainer_restarts = 0

    def restart_trainer(self):
        self.problem, self.running = None, True
        self.trainer_restarts += 1

    def engine_name(self):
        return expected_engine(self.setup)

    def start(self):
        self.running = self.started = True

    def stop(self):
        self.running = False

    def release(self):
        self.released = True

    def shutdown(self):
        self.shut_down = True

    def publish(self, version: int, seed: int = 2):
        self.published = (version, 10 * version, init_params(self.model, seed))

    def newer_policy(self):
        if self.published is None or self.published[0] <= self.version:
            return None
        self.version, self.train_step, params = self.published
        self.policy = Policy(params, self.model)
        return self.version, self.policy

    def set_hyperparameters(self, values):
        self.hyperparameters.append(values)

    def play_league_match(self, request):
        self.league_requests.append(request)
        return True

    async def checkpoint(self):
        size = num_params(self.model)
        return {"version": self.version, "train_steps": self.train_step, "params": self.policy.params,
                "m": array("f", [0.0] * size), "v": array("f", [0.0] * size), "step": 3}


def make_session(setup=SETUP, blend_decisions=0, league_matches=True):
    session = Session(ShowMatch(), StandInRun, lambda: setup, expected_engine, blend_decisions, league_matches)
    fired = []
    for event in EVENTS:
        session.subscribe(event, lambda *args, event=event: fired.append((event, *args)))
    return session, fired


def agent(version=7, hidden=(8,), seed=3, label=None):
    model = ModelConfig(OBSERVATION_SIZE, NUM_ACTIONS, hidden_sizes=hidden)
    return Agent(label or f"v{version} (striker)", version, 100 * version, init_params(model, seed), model, 0.5,
                 "striker")


def evaluation(version, win_rate=0.25, params=None):
    return {"policy_version": version, "train_steps": 64 * version, "win_rate": win_rate, "wins": 1, "draws": 2,
            "losses": 1, "params": params or init_params(SETUP.model_config(), version)}


def events(fired, name):
    return [entry[1:] for entry in fired if entry[0] == name]


def test_both_sides_start_scripted_and_baselines_are_assigned_by_name():
    session, fired = make_session()
    assert session.sides == {"blue": "scripted", "red": "scripted"}
    session.assign("red", "random")
    assert isinstance(session.match.policies["red"], RandomPolicy) and session.match.labels["red"] == "random"
    assert isinstance(session.match.policies["blue"], ScriptedPolicy)
    assert session.sides["red"] == "random" and events(fired, "sides") == [()]
    with pytest.raises(ValueError, match="a side plays one of"):
        session.assign("blue", "striker")
    assert session.sides["blue"] == "scripted"


def test_the_learner_before_any_weights_plays_untrained_weights_of_the_setups_shape():
    session, _ = make_session()
    session.setup = SETUP
    session.assign("blue", "learner")
    player = session.match.policies["blue"]
    assert isinstance(player, NetworkPlayer) and session.match.labels["blue"] == "v0 (untrained)"
    assert player.policy.model_config.hidden_sizes == (8,)


def test_a_listed_agent_plays_its_own_weights_under_its_label_and_can_be_chosen_again():
    session, _ = make_session()
    striker = agent()
    session.play_agent("red", striker)
    assert session.sides["red"] == "agent" and session.match.labels["red"] == "v7 (striker)"
    assert list(session.match.policies["red"].policy.params) == list(striker.params)
    session.assign("red", "scripted")
    session.assign("red", "agent")
    assert session.match.labels["red"] == "v7 (striker)"


def test_play_learner_takes_blue_unless_a_side_already_plays_the_learner():
    session, _ = make_session()
    session.play_learner()
    assert session.sides == {"blue": "learner", "red": "scripted"}
    session, _ = make_session()
    session.assign("red", "learner")
    session.assign("blue", "random")
    session.play_learner()
    assert session.sides == {"blue": "random", "red": "learner"}


def test_train_begins_a_learner_on_blue_and_stop_pauses_it():
    session, fired = make_session()
    session.toggle_training()
    run = session.run
    assert run.running and run.setup == SETUP and session.setup == SETUP
    assert session.sides["blue"] == "learner" and session.match.labels["blue"] == "v0 (untrained)"
    session.toggle_training()
    assert not run.running and session.run is run
    session.toggle_training()
    assert run.running
    assert events(fired, "training") == [(True,), (False,), (True,)]
    assert events(fired, "run") == [(None,)]


def test_a_stopped_trainer_is_a_problem_until_train_restarts_it():
    session, fired = make_session()
    session.toggle_training()
    run = session.run
    run.running, run.problem = False, "The trainer stopped because of an internal error."
    run.on_telemetry({"trainer_problem": run.problem})
    assert events(fired, "problem") == [("trainer", "The trainer stopped because of an internal error.")]
    assert "telemetry" not in [entry[0] for entry in fired]
    session.toggle_training()                                 # Train: a new trainer, not a second run
    assert run.trainer_restarts == 1 and run.running and session.run is run
    assert events(fired, "problem")[-1] == ("trainer", None)  # resolved
    assert events(fired, "training")[-1] == (True,)
    run.on_telemetry({"trainer_problem": None})               # a stall that ended by itself: resolved too
    assert events(fired, "problem")[-1] == ("trainer", None)


def test_a_bad_setup_is_reported_and_no_learner_begins():
    def bad_setup():
        raise ValueError("the URL parameter workers must be a whole number, got 'x'")
    session = Session(ShowMatch(), StandInRun, bad_setup, expected_engine)
    notices = []
    session.subscribe("notice", notices.append)
    session.toggle_training()
    assert session.run is None
    assert notices == ["Training not started: the URL parameter workers must be a whole number, got 'x'."]


def test_hot_swap_gives_only_learner_sides_the_new_version():
    session, fired = make_session()
    session.toggle_training()
    session.assign("red", "random")
    session.hot_swap()
    assert session.match.labels["blue"] == "v0 (untrained)"           # nothing published yet
    session.run.publish(3)
    session.hot_swap()
    assert session.match.labels == {"blue": "v3", "red": "random"}
    assert session.match.policies["blue"].policy is session.run.policy
    assert isinstance(session.match.policies["red"], RandomPolicy)
    assert session.learner_agent().version == 3 and session.learner_agent().train_steps == 30


def test_with_a_blend_window_a_hot_swap_blends_from_the_player_on_the_pitch():
    session, _ = make_session(blend_decisions=15)
    session.toggle_training()
    before = session.match.policies["blue"]
    session.run.publish(1)
    session.hot_swap()
    player = session.match.policies["blue"]
    assert isinstance(player, BlendingPlayer) and player.old is before and player.window == 15


def test_evaluations_keep_the_win_rate_the_history_and_a_spread_of_snapshots():
    session, fired = make_session()
    session.toggle_training()
    for version in range(1, POOL_CAPACITY + 6):
        session.on_evaluation(evaluation(version, win_rate=None if version == 2 else 0.25))
    session.on_evaluation(evaluation(3))                              # an older version: no snapshot
    versions = [snapshot.version for snapshot in session.snapshots]
    assert len(versions) == POOL_CAPACITY and versions[0] == 1 and versions[-1] == POOL_CAPACITY + 5
    assert all(label.endswith("(snapshot)") for label in (s.label for s in session.snapshots))
    assert session.win_rate == 0.25
    assert len(session.history["eval/win_rate_vs_scripted"]) == POOL_CAPACITY + 5   # version 2 drew: no point
    assert len(events(fired, "evaluation")) == POOL_CAPACITY + 6
    assert len(events(fired, "agents")) == POOL_CAPACITY + 5
    assert list(session.listed()) == [f"s{version}" for version in reversed(versions)]


def test_telemetry_extends_the_history_and_worker_reports_do_not():
    session, fired = make_session()
    session.toggle_training()
    for step in range(MAX_CHART_POINTS + 5):
        session.on_telemetry({"global_step": step, "losses/value_loss": 0.5, "losses/entropy": float("nan")})
    session.on_telemetry({"stage": "compiling kernels"})
    session.on_telemetry({"worker_restarts": 1})
    assert session.history["losses/value_loss"][-1] == (MAX_CHART_POINTS + 4, 0.5)
    assert len(session.history["losses/value_loss"]) == MAX_CHART_POINTS
    assert session.history["losses/entropy"] == [] and set(session.history) == set(HISTORY)
    assert events(fired, "worker") == [({"stage": "compiling kernels"},), ({"worker_restarts": 1},)]
    assert len(events(fired, "telemetry")) == MAX_CHART_POINTS + 5


def test_new_agent_drops_the_learner_and_its_snapshots():
    session, fired = make_session()
    session.toggle_training()
    run = session.run
    run.publish(2)
    session.hot_swap()
    session.on_evaluation(evaluation(2))
    session.new_agent()
    assert run.released and not run.shut_down and session.run is None and session.snapshots == [] \
        and session.win_rate is None
    assert session.match.labels["blue"] == "v0 (untrained)" and session.learner_agent() is None
    session.toggle_training()
    session.shutdown()                                            # the page goes away: every worker ends
    assert session.run.shut_down and not session.run.released
    assert events(fired, "discarded") == [()]
    assert events(fired, "notice")[-1] == ("New agent: press Train to start learning from fresh weights.",)


def test_an_autosave_restores_the_learner_its_history_and_snapshots():
    session, fired = make_session()
    snapshots = [agent(version, hidden=(8,), label=f"v{version} (snapshot)") for version in (2, 5)]
    restored = RunState(init_params(SETUP.model_config(), 4), None, 6, 600, SETUP,
                        {"losses/value_loss": [[100, 0.75], [200, 0.5]]}, snapshots, 0.5, "striker",
                        evaluations=[{"train_steps": 128, "wins": 0, "draws": 1, "losses": 3, "policy_version": 2}])
    session.restore(restored, b"the autosave's bytes")
    assert session.run.start_file == b"the autosave's bytes" and session.run.version == 6
    assert session.match.labels["blue"] == "v6" and session.win_rate == 0.5
    assert session.history["losses/value_loss"] == [(100, 0.75), (200, 0.5)]
    assert [s.version for s in session.snapshots] == [2, 5]
    assert events(fired, "restored") == [(restored,)]
    assert events(fired, "notice")[-1] == ("Restored striker v6: press Train to continue training it.",)
    saved = asyncio.run(session.run_state("striker"))
    assert (saved.version, saved.train_steps, saved.win_rate, saved.name) == (6, 600, 0.5, "striker")
    assert saved.telemetry["losses/value_loss"] == [[100, 0.75], [200, 0.5]] and saved.snapshots == session.snapshots
    assert saved.evaluations == restored.evaluations              # the progress strip's columns
    session.on_evaluation(evaluation(7))
    session.on_evaluation({**evaluation(8), "wins": 0, "draws": 0, "losses": 0})   # no matches: not kept
    assert asyncio.run(session.run_state("striker")).evaluations == [
        *restored.evaluations, {"train_steps": 448, "wins": 1, "draws": 2, "losses": 1, "policy_version": 7}]
    session.new_agent()
    assert session.evaluations == []


def test_training_from_an_agent_takes_its_shape_and_starts_from_its_file():
    session, _ = make_session()
    striker = agent(version=9, hidden=(16, 16))
    session.train_from(striker)
    run = session.run
    assert run.setup.hidden_sizes == (16, 16) and run.setup.envs_per_worker == SETUP.envs_per_worker
    assert list(read_agent(run.start_file).params) == list(striker.params)
    assert session.match.labels["blue"] == "v9"


def test_hyperparameters_apply_all_or_nothing_and_reach_a_running_trainer():
    session, fired = make_session()
    form = {"learning_rate": "fast", "gamma": "0.99", "gae_lambda": "0.95", "clip_coef": "0.2", "ent_coef": "0.01",
            "update_epochs": "4", "num_minibatches": "1", "envs_per_worker": "", "rollout_workers": ""}
    session.apply_hyperparameters(form)
    assert session.setup == SETUP and "learning_rate must be a number" in events(fired, "notice")[-1][0]
    session.toggle_training()
    session.apply_hyperparameters({**form, "learning_rate": "0.001"})
    assert session.setup.ppo_config("workers").learning_rate == 0.001
    assert session.run.hyperparameters[-1]["learning_rate"] == 0.001


def test_imports_are_listed_after_the_snapshots():
    session, fired = make_session()
    assert session.add_import(agent(version=1)) == 1 and session.add_import(agent(version=2)) == 2
    assert list(session.listed()) == ["i1", "i2"]
    assert len(events(fired, "agents")) == 2


def test_subscribing_to_an_unknown_event_is_refused():
    session, _ = make_session()
    with pytest.raises(ValueError, match="no session event 'snapshot'"):
        session.subscribe("snapshot", print)
