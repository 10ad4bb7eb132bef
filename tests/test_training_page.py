"""Live training in real headless Chromium with the rollout workers' engine
(`?engine=workers`; the GPU engine is tests/test_gpu_engine_page.py's): Train,
hot-swap, Stop, resume, and the browser trainer's numbers against CPython's. SwiftShader on 2 cores
is slow, so the model and batches are tiny (URL parameters)."""

import asyncio
import math
import re
import threading
from pathlib import Path

import pytest

from harness import PageSession
from rl.config import SOCCER_PPO
from rl.files.agent_file import write_agent
from rl.live.setup import LiveSetup
from rl.model import ModelConfig, init_params
from rl.soccer.spec import NUM_ACTIONS, OBS_SIZE
from trainer_check import first_update

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SMALL = "/?engine=workers&workers=1&envs=4&steps=16&hidden=32,32&slots=4&eval=2&blend=0.5"  # blends over 15 decisions


@pytest.fixture(scope="module")
def session(browser, browser_log, server_url):
    session = PageSession(browser, server_url, browser_log)
    status = session.open(SMALL)
    assert status["ready"] and status["error"] is None and status["blend_decisions"] == 15
    yield session
    session.close()


def wait_for_version(session, at_least: int, timeout_s: float = 150):
    session.page.wait_for_function(f"(window.dshq.status().policy_version || 0) >= {at_least}"
                                   f" || window.dshq.status().error", timeout=timeout_s * 1000)
    status = session.status()
    assert status["error"] is None, status["error"]
    return status


def set_training(session, on: bool):
    if session.status()["training"] != on:
        session.page.click("#train")
    assert session.status()["training"] is on


def test_train_publishes_versions_that_the_match_plays_with(session):
    session.page.click("#train")
    assert session.status()["training"] is True
    assert session.page.get_by_role("button", name="Stop").count() == 1
    status = wait_for_version(session, 3)
    assert status["sps"] > 0 and status["updates"] >= 2 and status["train_steps"] > 0
    assert (status["engine"]["name"], status["engine"]["requested"]) == ("workers", "workers")
    assert session.page.inner_text("#t-ring") != "—"          # the rollout workers fill the ring
    assert all(value is None or math.isfinite(value) for value in status["losses"].values())
    assert status["losses"]["value_loss"] is not None
    session.page.wait_for_function("window.dshq.status().policies.blue.startsWith('v')")
    label = session.status()["policies"]["blue"]
    assert int(label[1:]) >= 3
    session.page.wait_for_function(    # the on-pitch label follows in the next frame (and versions keep coming)
        "Number((document.getElementById('blue-label').textContent.match(/· v(\\d+)$/) || [0, 0])[1]) >= 3",
        timeout=10_000)
    probabilities = session.page.evaluate(f"window.dshq.action_probabilities('blue', Array({OBS_SIZE}).fill(0.1))")
    assert len(probabilities) == 30 and abs(sum(probabilities) - 1) < 1e-9   # a blend of two softmaxes


def test_evaluator_plays_published_versions_against_scripted(session):
    session.page.wait_for_function("window.dshq.status().evaluated_version >= 1", timeout=150_000)
    status = session.status()
    assert status["evaluated_version"] <= status["policy_version"]
    assert status["win_rate_vs_scripted"] is None or 0.0 <= status["win_rate_vs_scripted"] <= 1.0
    text = session.page.inner_text("#t-eval")
    assert "vs scripted" in text and text.startswith(f"v{status['evaluated_version']}:")


def test_stop_freezes_the_version_and_train_resumes_from_it(session):
    session.page.click("#train")  # Stop
    assert session.status()["training"] is False
    session.page.wait_for_function("window.dshq.status().stage === 'paused'",   # an update already computing
                                   timeout=120_000)                              # lands before this
    frozen = session.status()["policy_version"]
    session.page.wait_for_timeout(5000)
    assert session.status()["policy_version"] == frozen
    session.page.click("#train")  # Train again
    status = wait_for_version(session, frozen + 1)
    assert status["train_steps"] > 0
    session.page.click("#train")


def test_trainer_recovers_from_a_lost_gpu_device(session):
    set_training(session, True)
    before = wait_for_version(session, 1)["policy_version"]
    session.page.evaluate("window.dshq.simulate_trainer_device_loss()")
    session.page.wait_for_function("document.getElementById('notice').textContent.includes('re-acquired')",
                                   timeout=120_000)
    status = wait_for_version(session, before + 2)
    assert status["train_steps"] > 0
    set_training(session, False)


def test_a_crashed_rollout_worker_is_restarted_and_training_goes_on(session):
    set_training(session, True)
    before = wait_for_version(session, 1)["policy_version"]
    session.page.evaluate("window.dshq.simulate_rollout_crash()")
    session.page.wait_for_function("window.dshq.status().worker_restarts >= 1", timeout=60_000)
    assert "restarted" in session.page.inner_text("#notice")
    status = wait_for_version(session, before + 2)
    assert status["error"] is None
    set_training(session, False)


def test_a_stalled_or_failed_trainer_is_reported_in_plain_words_and_restarted(session, tmp_path):
    page = session.page
    set_training(session, True)
    wait_for_version(session, (session.status()["policy_version"] or 0) + 3, timeout_s=400)   # the watchdog learns
                                                                                            # the update time
    model = ModelConfig(OBS_SIZE, NUM_ACTIONS, hidden_sizes=(16,))
    imported = tmp_path / "sparring-v2.dshq"
    imported.write_bytes(write_agent(init_params(model, 5), model, {"policy_version": 2, "name": "sparring"}))
    page.set_input_files("#import-file", str(imported))                    # mid-training: listed, not played
    page.wait_for_function("(window.dshq.status().notice || '').includes('in the Agents list')")
    assert session.status()["policies"]["blue"].startswith("v") and "sparring" not in session.status()["policies"]["blue"]

    page.evaluate("window.dshq.simulate_trainer_failure('stall')")
    page.wait_for_function("(window.dshq.status().trainer_problem || '').includes('no update')", timeout=120_000)
    assert page.is_visible("#restart-trainer") and "no update" in page.inner_text("#problems")
    page.click("#restart-trainer")
    status = session.status()
    assert status["trainer_problem"] is None and status["training"] is True and page.is_hidden("#restart-trainer")
    wait_for_version(session, status["policy_version"] + 2, timeout_s=400)   # a new trainer compiles its kernels

    page.evaluate("window.dshq.simulate_trainer_failure('raise')")
    page.wait_for_function("(window.dshq.status().trainer_problem || '').includes('internal error')",
                           timeout=60_000)
    status = session.status()
    problems = page.inner_text("#problems")
    assert status["training"] is False and status["error"] is None and page.is_visible("#restart-trainer")
    kept = int(re.search(r"last published weights v(\d+)", problems).group(1))    # the board's newest
    assert kept >= status["policy_version"] and "Traceback" not in problems and "RuntimeError" not in problems
    failures = [text for text in session.errors if "the trainer failed" in text]
    assert len(failures) == 1 and "simulated trainer failure" in failures[0]    # the details: in the console
    session.errors.remove(failures[0])
    page.click("#train")                                                   # Train restarts the trainer
    wait_for_version(session, status["policy_version"] + 2, timeout_s=400)
    assert session.status()["trainer_problem"] is None and page.inner_text("#problems") == ""
    set_training(session, False)


def test_settings_show_the_run_and_bad_values_are_refused_as_typed(session):
    page = session.page
    page.click("#hyper-panel summary")

    def field(name):
        return page.locator(f"#hyper-form input[name={name}]")

    setup = LiveSetup(rollout_workers=1, envs_per_worker=4, num_steps=16)
    assert field("learning_rate").input_value() == str(SOCCER_PPO.learning_rate)      # what the trainer uses
    assert field("ent_coef").input_value() == str(SOCCER_PPO.ent_coef)
    assert field("num_minibatches").input_value() == str(setup.ppo_config("workers").num_minibatches)
    assert (field("rollout_workers").input_value(), field("envs_per_worker").input_value()) == ("1", "4")
    for name, text in (("update_epochs", "1000000000"), ("learning_rate", "1e300")):
        field(name).fill(text)
        assert field(name).get_attribute("aria-invalid") == "true"
        assert f"{name} must be" in page.inner_text(f"#{name}-error")
        assert page.is_disabled("#apply-hyper")
    assert set(session.status()["hyperparameter_errors"]) == {"update_epochs", "learning_rate"}
    field("update_epochs").fill("4")
    field("learning_rate").fill("0.001")
    field("num_minibatches").fill("3")                         # does not divide the batch of 64
    assert "num_minibatches" in page.inner_text("#num_minibatches-error") and page.is_disabled("#apply-hyper")
    field("num_minibatches").fill("4")
    assert page.is_enabled("#apply-hyper") and field("learning_rate").get_attribute("aria-invalid") == "false"
    assert session.status()["hyperparameter_errors"] == {}
    page.click("#apply-hyper")
    assert "next update" in page.inner_text("#notice")
    page.click("#reset-hyper")
    assert field("num_minibatches").input_value() == str(setup.ppo_config("workers").num_minibatches)

    page.fill("#agent-name", "my agent!")                      # names are checked as they are typed
    assert page.get_attribute("#agent-name", "aria-invalid") == "true"
    assert "agent name" in page.inner_text("#agent-name-error")
    page.fill("#agent-name", "striker")
    assert page.get_attribute("#agent-name", "aria-invalid") == "false" and page.is_hidden("#agent-name-error")

    page.fill("#seed", "seven")                                # a refused seed stays until a good reset
    page.click("#reset")
    page.wait_for_timeout(5000)
    assert "Reset refused" in page.inner_text("#problems")
    page.fill("#seed", "7")
    page.click("#reset")
    assert page.inner_text("#problems") == "" and session.status()["problems"] == {}


def test_new_agent_asks_first_and_starts_from_fresh_weights(session):
    version = session.status()["policy_version"]
    session.page.once("dialog", lambda dialog: dialog.dismiss())
    session.page.click("#new-agent")
    assert session.status()["policy_version"] == version         # refused: nothing changed
    session.page.once("dialog", lambda dialog: dialog.accept())
    session.page.click("#new-agent")
    assert session.status()["policy_version"] is None and session.status()["training"] is False
    session.page.click("#train")
    status = wait_for_version(session, 2)
    assert status["train_steps"] <= 2 * 4 * 16 * 2                 # counting from zero again
    assert status["trainer_kernels"] == {"compilations": 1, "reused": True}    # the paused trainer was kept
    session.page.click("#train")


def test_no_console_errors_while_training(session):
    assert session.errors == []


def test_browser_trainer_matches_cpython_for_the_first_update(session):
    setup = LiveSetup(rollout_workers=1, envs_per_worker=4, num_steps=16, hidden_sizes=(32, 32), seed=5)
    check_source = (Path(__file__).parent / "trainer_check.py").read_text()
    browser = session.page.evaluate("""([setup, source]) => new Promise((resolve) => {
        const worker = new Worker("/workers/boot.mjs", {type: "module"});
        worker.onmessage = (event) => {
            if (event.data.type === "result" || event.data.type === "error") { worker.terminate(); resolve(event.data); }
        };
        worker.postMessage({type: "start", entry: "trainer_check:main", modules: {"trainer_check.py": source},
                            args: {setup}});
    })""", [setup.to_args(), check_source])
    assert browser["type"] == "result", browser
    result = []
    thread = threading.Thread(target=lambda: result.append(asyncio.run(first_update(setup, "numpy"))))
    thread.start()
    thread.join()
    native = result[0]
    browser = browser["value"]
    assert browser["actions"] == native["actions"]               # identical rollout (pure-Python acting)
    assert browser["rewards_sum"] == pytest.approx(native["rewards_sum"], rel=1e-6)
    for name in ("losses/policy_loss", "losses/value_loss", "losses/entropy", "losses/approx_kl",
                 "losses/clipfrac", "losses/explained_variance"):
        assert browser[name] == pytest.approx(native[name], rel=2e-3, abs=2e-4), name
