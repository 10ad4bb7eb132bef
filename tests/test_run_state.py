"""app/run_state.py: exports, imports and autosaves of a training run, as .dshq bytes (CPython)."""

from array import array

import pytest

from app.run_state import (POOL_CAPACITY, Agent, RunState, add_snapshot, autosave_bytes, check_name, export_bytes,
                           export_filename, import_agent, read_autosave)
from rl.files.agent_file import read_agent, write_agent
from rl.files.container import CheckpointError
from rl.optimizer_state import OptimizerState
from rl.model import init_params, num_params
from rl.live.setup import LiveSetup

SETUP = LiveSetup(rollout_workers=1, envs_per_worker=4, num_steps=8, hidden_sizes=(16, 8), ppo={"ent_coef": 0.02})
MODEL = SETUP.model_config()


def snapshot(version: int, win_rate=0.25) -> Agent:
    return Agent(f"v{version} (snapshot)", version, version * 100, array("f", init_params(MODEL, version)), MODEL,
                 win_rate)


def a_run() -> RunState:
    size = num_params(MODEL)
    optimizer = OptimizerState(array("f", [0.5] * size), array("f", [0.25] * size), 17)
    return RunState(array("f", init_params(MODEL, 9)), optimizer, version=9, train_steps=1234, setup=SETUP,
                    telemetry={"charts/episodic_return": [[10, -1.5], [20, 0.5]], "losses/entropy": []},
                    snapshots=[snapshot(3, None), snapshot(6, 0.5)], win_rate=0.5, name="striker",
                    evaluations=[evaluation(3, 0, 1, 3), evaluation(6, 2, 0, 2)])


def evaluation(version: int, wins: int, draws: int, losses: int) -> dict:
    return {"train_steps": version * 100, "wins": wins, "draws": draws, "losses": losses, "policy_version": version}


def test_an_autosave_restores_everything():
    run = a_run()
    back = read_autosave(autosave_bytes(run, "workers"))
    assert (back.params, back.version, back.train_steps, back.win_rate, back.name) == (run.params, 9, 1234, 0.5,
                                                                                       "striker")
    assert (back.optimizer.m, back.optimizer.v, back.optimizer.step) == (run.optimizer.m, run.optimizer.v, 17)
    assert back.setup == SETUP
    assert back.telemetry == run.telemetry
    assert [(s.label, s.version, s.train_steps, s.win_rate) for s in back.snapshots] == [
        ("v3 (snapshot)", 3, 300, None), ("v6 (snapshot)", 6, 600, 0.5)]
    assert [s.params for s in back.snapshots] == [s.params for s in run.snapshots]
    assert back.evaluations == run.evaluations
    assert back.created is not None


def test_an_older_autosave_without_evaluations_restores_with_none():
    run = a_run()
    metadata = read_agent(autosave_bytes(run, "workers")).metadata
    metadata.pop("data_sha256")
    del metadata["evaluations"]
    data = write_agent(run.params, MODEL, metadata, optimizer=run.optimizer,
                       snapshots={s.version: s.params for s in run.snapshots})
    back = read_autosave(data)
    assert back.evaluations == [] and back.version == 9


def test_an_export_imports_with_its_label_and_weights():
    agent = Agent("v9", 9, 1234, array("f", init_params(MODEL, 9)), MODEL, 0.75, "striker")
    data = export_bytes(agent, SETUP, "workers")
    imported = import_agent(data)
    assert (imported.label, imported.version, imported.train_steps, imported.win_rate, imported.name) == (
        "v9 (striker)", 9, 1234, 0.75, "striker")
    assert imported.params == agent.params and imported.model_config == MODEL
    metadata = read_agent(data).metadata
    assert metadata["ppo_config"]["ent_coef"] == 0.02
    assert metadata["ppo_config"]["num_envs"] == 4                  # the rollout workers' batch: 1 x 4
    assert read_agent(export_bytes(agent, SETUP, "gpu")).metadata["ppo_config"]["num_envs"] == SETUP.gpu_envs
    assert read_agent(data).optimizer is None and read_agent(data).snapshots == {}


def test_an_autosave_imports_as_an_agent_too():
    assert import_agent(autosave_bytes(a_run(), "workers")).label == "v9 (striker)"


def test_a_file_without_our_metadata_imports_as_version_0():
    data = write_agent(array("f", init_params(MODEL, 1)), MODEL, {})
    assert import_agent(data).label == "v0 (agent)"


def test_an_export_is_not_an_autosave():
    agent = Agent("v9", 9, 1234, array("f", init_params(MODEL, 9)), MODEL)
    with pytest.raises(CheckpointError, match="kind"):
        read_autosave(export_bytes(agent, SETUP, "workers"))


@pytest.mark.parametrize("change, message", [
    (lambda m: m.update(live_setup={"rollout_workers": 0}), "live_setup"),
    (lambda m: m.update(live_setup={**m["live_setup"], "hidden_sizes": [4]}), "does not describe"),
    (lambda m: m.update(pool=[{"version": 3, "train_step": 300, "win_rate": None}]), "pool"),
    (lambda m: m.update(pool=[{"version": 3, "train_step": 300, "win_rate": 2.0},
                              {"version": 6, "train_step": 600, "win_rate": 0.5}]), "pool"),
    (lambda m: m.update(telemetry={"x": [[1, "high"]]}), "telemetry"),
    (lambda m: m.update(telemetry=[1, 2]), "telemetry"),
    (lambda m: m.update(evaluations={"wins": 1}), "'evaluations'"),
    (lambda m: m.update(evaluations=[{**evaluation(3, 1, 0, 0), "wins": -1}]), "'evaluations'"),
    (lambda m: m.update(evaluations=[evaluation(3, 0, 0, 0)]), "'evaluations'"),
    (lambda m: m.update(evaluations=[{"train_steps": 300, "wins": 1, "draws": 0, "losses": 0}]), "'evaluations'"),
    (lambda m: m.update(evaluations=[{**evaluation(3, 1, 0, 0), "wins": 1.5}]), "'evaluations'"),
])
def test_an_inconsistent_autosave_is_refused(change, message):
    run = a_run()
    metadata = read_agent(autosave_bytes(run, "workers")).metadata
    metadata.pop("data_sha256")
    change(metadata)
    data = write_agent(run.params, MODEL, metadata, optimizer=run.optimizer,
                       snapshots={s.version: s.params for s in run.snapshots})
    with pytest.raises(CheckpointError, match=message):
        read_autosave(data)


@pytest.mark.parametrize("name", ["", "a b", "x" * 41, "../evil", "näme"])
def test_bad_agent_names_are_refused(name):
    with pytest.raises(ValueError, match="agent name"):
        check_name(name)


def test_export_filename():
    assert export_filename(" striker_2 ", 12) == "striker_2-v12.dshq"


def test_the_snapshot_pool_keeps_the_first_the_newest_and_a_spread():
    pool = []
    for version in range(1, 41):
        add_snapshot(pool, snapshot(version))
        assert len(pool) <= POOL_CAPACITY
    versions = [s.version for s in pool]
    assert versions[0] == 1 and versions[-1] == 40 and len(versions) == POOL_CAPACITY
    gaps = [b - a for a, b in zip(versions, versions[1:-1])]   # the newest follows whenever it came
    assert max(gaps) <= 2 * min(gaps), versions
