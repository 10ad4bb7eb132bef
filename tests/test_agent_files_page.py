"""Agent files in real headless Chromium: export of the learner, import by file picker and
drag-and-drop (strictly checked: a bad file changes nothing), an imported agent as the
learner's starting point, and files crossing between the page and CPython (rl.train,
rl.evaluate). Tiny model and batches (URL parameters)."""

import hashlib
import json
import math
import struct
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from harness import PageSession
from rl.files.agent_file import MAX_AGENT_BYTES, read_agent, write_agent
from rl.model import ModelConfig, init_params
from rl.soccer.spec import NUM_ACTIONS, OBS_SIZE, OBS_SPEC_VERSION
from test_agent_file import assemble, header_and_data, with_raw_metadata

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SMALL = "/?workers=1&envs=4&gpuenvs=4&steps=16&hidden=32,32&slots=4&eval=0"
OBSERVATION = [round(0.05 * i - 0.6, 3) for i in range(OBS_SIZE)]


class Export(NamedTuple):
    path: Path                  # the downloaded .dshq
    probabilities: list         # the learner's action probabilities for OBSERVATION on the trained page
    label: str                  # blue's label there, "vN"
    errors: list                # the trained page's console errors


@pytest.fixture(scope="module")
def exported(browser, browser_log, server_url, tmp_path_factory):
    """Train a page to v3 or later, stop, export the learner, close the page (two pages training or
    drawing at once starve each other on a 2-core software GPU)."""
    session = PageSession(browser, server_url, browser_log)
    try:
        assert session.open(SMALL)["error"] is None
        page = session.page
        page.click("#train")
        page.wait_for_function("(window.dshq.status().policy_version || 0) >= 3 || window.dshq.status().error",
                               timeout=240_000)
        page.click("#train")
        page.wait_for_function("window.dshq.status().stage === 'paused'",   # an update already computing
                               timeout=120_000)                              # lands before this
        status = session.status()
        assert status["error"] is None and status["training"] is False
        assert status["policies"]["blue"].startswith("v")
        with page.expect_download() as download:
            page.click("#export")
        path = tmp_path_factory.mktemp("export") / download.value.suggested_filename
        download.value.save_as(path)
        probabilities = page.evaluate("(obs) => window.dshq.action_probabilities('blue', obs)", OBSERVATION)
        return Export(path, probabilities, session.status()["policies"]["blue"], list(session.errors))
    finally:
        session.close()


@pytest.fixture(scope="module")
def fresh(browser, browser_log, server_url, exported):
    """A second page, opened after the trained one closed."""
    session = PageSession(browser, server_url, browser_log)
    assert session.open("/?workers=1&envs=4&gpuenvs=4&steps=16&slots=4&eval=0")["error"] is None
    yield session
    session.close()


def import_file(session, path):
    before = session.status().get("imports") or 0
    session.page.set_input_files("#import-file", str(path))
    session.page.wait_for_function("(before) => window.dshq.status().imports > before || "
                                   "window.dshq.status().import_error", arg=before)


def test_export_names_the_file_and_holds_the_agent(exported):
    path, label = exported.path, exported.label
    assert path.name == f"agent-{label}.dshq"
    agent = read_agent(path.read_bytes())
    assert f"v{agent.metadata['policy_version']}" == label
    assert agent.model_config.hidden_sizes == (32, 32) and agent.optimizer is None
    assert agent.metadata["train_step"] > 0 and "ppo_config" in agent.metadata and "created" in agent.metadata


def test_an_export_imports_into_a_fresh_page_and_plays_identically(exported, fresh):
    path, probabilities, label = exported.path, exported.probabilities, exported.label
    import_file(fresh, path)
    status = fresh.status()
    assert status["import_error"] is None
    assert status["policies"]["blue"].split()[0] == label                    # "v7 (agent)"
    fresh.wait_for_label("blue", status["policies"]["blue"])
    assert status["policy_version"] is None                                  # the learner is untouched
    assert fresh.page.evaluate("(obs) => window.dshq.action_probabilities('blue', obs)", OBSERVATION) \
        == probabilities
    assert len(probabilities) == 30 and abs(sum(probabilities) - 1) < 1e-9


def test_a_page_export_evaluates_in_cpython(exported):
    path = exported.path
    result = subprocess.run([sys.executable, "-m", "rl.evaluate", str(path), "--vs", "scripted", "--episodes", "2",
                             "--seed", "0"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout)
    assert counts["wins"] + counts["draws"] + counts["losses"] == counts["episodes"] == 2


def nan_filled(data: bytes) -> bytes:
    """Every weight NaN, under a checksum that matches: only the finiteness check can refuse it."""
    header, data_section = header_and_data(data)
    nans = struct.pack("<f", math.nan) * (len(data_section) // 4)
    header["__metadata__"]["data_sha256"] = hashlib.sha256(nans).hexdigest()
    return assemble(header, nans)


@pytest.mark.parametrize("case, damage, check", [
    ("flipped", lambda data: data[:-7] + bytes([data[-7] ^ 0x10]) + data[-6:], "checksum"),
    ("truncated", lambda data: data[: len(data) // 3], "beyond the end of the file"),
    ("text", lambda data: b"this is not a model file, just some text" * 3, "header length"),
    ("nan", nan_filled, "non-finite value"),
    ("oversized", lambda data: data + bytes(MAX_AGENT_BYTES + 1 - len(data)), f"over the {MAX_AGENT_BYTES}-byte limit"),
    ("other-spec", lambda data: with_raw_metadata(data, obs_spec_version=str(OBS_SPEC_VERSION + 1)),
     "obs_spec_version"),
])
def test_a_bad_file_is_refused_and_nothing_changes(exported, fresh, tmp_path, case, damage, check):
    path = exported.path
    bad = tmp_path / f"{case}-v1.dshq"
    bad.write_bytes(damage(path.read_bytes()))
    before = fresh.status()
    fresh.page.set_input_files("#import-file", str(bad))
    fresh.page.wait_for_function(f"(window.dshq.status().import_error || '').startsWith('{bad.name}')")
    status = fresh.status()
    assert check in status["import_error"]
    assert "Import refused" in fresh.page.inner_text("#notice") and check in fresh.page.inner_text("#notice")
    kept = ("policy_version", "train_steps", "training", "policies", "agents")
    assert [status.get(key) for key in kept] == [before.get(key) for key in kept]


def drop(session, data: bytes, name: str) -> None:
    session.page.evaluate("""([bytes, name]) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], name));
        document.getElementById("arena").dispatchEvent(
            new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
    }""", [list(data), name])


def test_a_file_dropped_on_the_page_is_imported_once(exported, fresh):
    path = exported.path
    fresh.page.select_option("#blue-policy", "scripted")
    drop(fresh, path.read_bytes(), "again.dshq")                             # the picked file once more
    fresh.page.wait_for_function("(window.dshq.status().notice || '').includes('already in the Agents list')")
    assert len(fresh.status()["agents"]) == 1 and fresh.status()["policies"]["blue"] == "scripted"
    model = ModelConfig(OBS_SIZE, NUM_ACTIONS, hidden_sizes=(16,))
    other = write_agent(init_params(model, 5), model, {"policy_version": 2, "train_step": 128})
    drop(fresh, other, "other-v2.dshq")
    fresh.page.wait_for_function("window.dshq.status().imports >= 2")
    assert fresh.status()["policies"]["blue"] == "v2 (agent)"
    assert len(fresh.status()["agents"]) == 2                                # the picked and the dropped file


def test_a_file_from_rl_train_imports_in_the_page(fresh, tmp_path):
    out = tmp_path / "headless.dshq"
    result = subprocess.run([sys.executable, "-m", "rl.train", "--steps", "2048", "--seed", "3", "--out", str(out),
                             "--num-envs", "8", "--num-steps", "128", "--num-minibatches", "4",
                             "--eval-episodes", "0"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    version = read_agent(out.read_bytes()).metadata["policy_version"]
    import_file(fresh, out)
    status = fresh.status()
    assert status["import_error"] is None
    assert status["policies"]["blue"] == f"v{version} (agent)"
    probabilities = fresh.page.evaluate("(obs) => window.dshq.action_probabilities('blue', obs)", OBSERVATION)
    assert len(probabilities) == 30 and abs(sum(probabilities) - 1) < 1e-9


def test_an_imported_agent_is_the_learners_starting_point(exported, fresh):
    label = exported.label
    version = int(label[1:])
    fresh.page.click("#agent-rows button[data-key=i1][data-action=train]")
    assert fresh.status()["policy_version"] == version
    assert fresh.status()["policies"]["blue"] == label
    fresh.page.click("#train")
    fresh.page.wait_for_function(f"window.dshq.status().policy_version > {version} || window.dshq.status().error",
                                 timeout=240_000)
    status = fresh.status()
    assert status["error"] is None and status["train_steps"] > 0
    fresh.page.click("#train")


def test_no_console_errors(exported, fresh):
    assert exported.errors == [] and fresh.errors == []
