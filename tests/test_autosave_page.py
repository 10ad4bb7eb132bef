"""Autosave and restore in real headless Chromium (Origin Private File System): a save on a
timer while training and on Stop, the offer to restore after a reload, training that
continues from the restored run, a damaged save reported and the one before it offered,
a save cut off by closing the page ignored and the one before it offered;
and the snapshot pool playing itself in the show match. Tiny model and batches, an
autosave every few seconds (URL parameters). One page at a time: a second page drawing
on the same software GPU starves the workers' WebGPU calls (app/page.py)."""

import re
import time

import pytest

from harness import PageSession
from rl.files.agent_file import write_agent
from rl.model import ModelConfig, init_params
from rl.soccer.selfplay import SelfPlayConfig
from rl.soccer.spec import NUM_ACTIONS, OBS_SIZE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SMALL = "/?workers=1&envs=4&gpuenvs=4&steps=16&evalshare=1&hidden=32,32&slots=4&eval=1&autosave=8"
@pytest.fixture(scope="module")
def trained(browser, browser_log, server_url):
    """A page that trained to v3 or later, then stopped (which autosaves)."""
    session = PageSession(browser, server_url, browser_log)
    assert session.open(SMALL)["error"] is None
    session.page.click("#train")
    session.page.wait_for_function("(window.dshq.status().saved_version || 0) >= 1 || window.dshq.status().error",
                                   timeout=240_000)
    session.page.wait_for_function("(window.dshq.status().policy_version || 0) >= 3 && "
                                   "window.dshq.status().agents.length >= 1 || window.dshq.status().error",
                                   timeout=240_000)
    saved_while_training = session.status()["saved_version"]
    session.page.click("#train")                              # Stop: autosaves
    session.page.wait_for_function("window.dshq.status().saved_version >= window.dshq.status().policy_version",
                                   timeout=60_000)
    session.page.wait_for_function(    # the evaluator caught up, so the snapshot list stops changing
        "window.dshq.status().evaluated_version >= window.dshq.status().policy_version", timeout=120_000)
    status = session.status()
    assert status["error"] is None and status["training"] is False
    assert (status["engine"]["requested"], status["engine"]["name"]) == ("auto", "gpu")   # SwiftShader's default
    session.saved_while_training = saved_while_training
    yield session
    session.close()


def test_training_autosaves_on_a_timer_and_on_stop(trained):
    assert trained.saved_while_training >= 1
    status = trained.status()
    assert status["saved_version"] == status["policy_version"] >= 3
    assert status["saved_name"].startswith("save-") and status["autosave_error"] is None
    assert "autosaved v" in trained.page.inner_text("#save-state")


def test_snapshots_can_play_each_other(trained):
    snapshots = trained.status()["agents"]
    assert snapshots and all(label.endswith("(snapshot)") for label in snapshots)
    rows = trained.page.locator("#agent-rows tr")
    assert rows.count() == len(snapshots)
    trained.page.click("#agent-rows tr:last-child button[data-action=red]")
    trained.page.click("#agent-rows tr:first-child button[data-action=blue]")
    policies = trained.status()["policies"]
    assert (policies["blue"], policies["red"]) == (snapshots[0], snapshots[-1])
    trained.wait_for_label("red", f"Red · {snapshots[-1]}")
    tick = trained.status()["tick"]
    trained.page.wait_for_function(f"window.dshq.status().tick > {tick + 60}")
    trained.page.select_option("#blue-policy", "learner")


def import_by_keyboard(session, path) -> None:
    """Tab from Export to Import…, Enter, pick `path` in the file chooser.

    Playwright intercepts file choosers only once it has told the browser to, and `expect_file_chooser`
    tells it when asked: an Enter pressed right after could open the chooser before that (it was then
    lost, twice in a row once). So a listener turns interception on first, a round trip makes sure the
    browser has it, and only then is Enter pressed."""
    page = session.page
    page.focus("#export")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "import"
    choosers = []

    def listener(chooser):
        choosers.append(chooser)

    page.on("filechooser", listener)
    page.evaluate("0")
    page.keyboard.press("Enter")
    deadline = time.monotonic() + 30
    while not choosers and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    page.remove_listener("filechooser", listener)
    assert choosers, "Enter on Import… opened no file chooser within 30 s"
    choosers[0].set_files(str(path))


def test_reload_offers_the_autosave_in_a_banner_and_restores_it_with_the_imports(trained, tmp_path):
    model = ModelConfig(OBS_SIZE, NUM_ACTIONS, hidden_sizes=(16,))
    imported = tmp_path / "keeper-v4.dshq"
    imported.write_bytes(write_agent(init_params(model, 9), model, {"policy_version": 4, "name": "keeper"}))
    import_by_keyboard(trained, imported)
    trained.page.wait_for_function("(window.dshq.status().imported || '').includes('keeper')")
    trained.page.wait_for_function(    # stored with the autosave (its write closed)
        "(window.dshq.status().import_stored || '').startsWith('import-')", timeout=30_000)
    before = trained.status()
    trained.page.reload()
    trained.page.wait_for_function("window.dshq.status().ready && window.dshq.status().restore_offer !== undefined",
                                   timeout=90_000)
    assert trained.status()["restore_offer"] == before["saved_version"]
    assert trained.page.is_visible("#restore")
    assert trained.page.locator("#restore").bounding_box()["y"] < 200          # at the top, not below the pitch
    text = trained.page.inner_text("#restore-text")
    assert f"v{before['saved_version']}" in text
    assert re.search(r"autosaved (just now|\d+ minutes? ago)", text) and not re.search(r"\d{4}-\d\d-\d\dT", text)
    trained.page.click("#restore-run")
    trained.page.wait_for_function("window.dshq.status().restored_imports >= 1", timeout=60_000)
    assert any("keeper" in label for label in trained.status()["agents"])       # the import came back
    status = trained.status()
    assert status["policy_version"] == before["saved_version"]
    assert status["train_steps"] == before["train_steps"]
    assert status["policies"]["blue"] == f"v{before['saved_version']}"
    restored = [label for label in status["agents"] if "keeper" not in label]   # the pool as saved on Stop
    assert restored and all(label.endswith(" (snapshot)") for label in restored)
    assert max(int(label.split()[0][1:]) for label in restored) <= before["saved_version"]
    assert not trained.page.is_visible("#restore")
    trained.page.click("#train")                                           # continues from the restored run
    trained.page.wait_for_function(f"window.dshq.status().policy_version > {before['saved_version']} || "
                                   "window.dshq.status().error", timeout=240_000)
    saved_versions = sorted(int(label.split()[0][1:]) for label in restored)
    assert trained.status()["restored_opponents"] == saved_versions[-SelfPlayConfig().pool_size:]
    assert trained.status()["train_steps"] > before["train_steps"]
    trained.page.click("#train")                                           # Stop: a second autosave
    trained.page.wait_for_function("window.dshq.status().saved_version >= window.dshq.status().policy_version",
                                   timeout=60_000)


def test_a_damaged_autosave_is_reported_and_the_previous_one_offered(trained):
    newest, previous = trained.status()["saved_version"], None
    names = trained.page.evaluate("""async () => {
        const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle("dshq-autosave");
        const names = [];
        for await (const name of folder.keys()) names.push(name);
        names.sort();
        const handle = await folder.getFileHandle(names[names.length - 1]);
        const bytes = new Uint8Array(await (await handle.getFile()).arrayBuffer());
        bytes[bytes.length - 9] ^= 0x20;                                   // one bit in the weights
        const writable = await handle.createWritable();
        await writable.write(bytes);
        await writable.close();
        return names;
    }""")
    assert len([name for name in names if name.startswith("save-")]) == 2   # and the stored import
    trained.page.reload()
    trained.page.wait_for_function("window.dshq.status().ready && window.dshq.status().restore_offer !== undefined",
                                   timeout=90_000)
    status = trained.status()
    previous = status["restore_offer"]
    assert previous is not None and previous < newest
    assert len(status["autosave_problems"]) == 1 and "checksum" in status["autosave_problems"][0]
    assert "cannot be restored (save-" in trained.page.inner_text("#restore-text")
    trained.page.click("#restore-run")
    assert trained.status()["policy_version"] == previous

STALL_AUTOSAVE_WRITES = """() => {
    // From now on a write into the Origin Private File System delivers half of its bytes and
    // never finishes, so the page can be closed in the middle of an autosave.
    const write = FileSystemWritableFileStream.prototype.write;
    FileSystemWritableFileStream.prototype.write = async function (data) {
        await write.call(this, data.subarray(0, data.length >> 1));
        window.autosaveStalled = true;
        return new Promise(() => {});
    };
}"""
AUTOSAVE_NAMES = """async () => {
    const folder = await (await navigator.storage.getDirectory()).getDirectoryHandle("dshq-autosave");
    const names = [];
    for await (const name of folder.keys()) names.push(name);
    return names;
}"""


def test_an_autosave_cut_off_by_closing_the_page_leaves_the_one_before(trained):
    before = trained.status()               # stopped, and its newest complete autosave holds this version
    trained.page.evaluate(STALL_AUTOSAVE_WRITES)
    trained.page.click("#train")
    trained.page.wait_for_function(f"window.dshq.status().policy_version > {before['policy_version']} || "
                                   "window.dshq.status().error", timeout=240_000)    # the trainer is up
    trained.page.click("#train")                                           # Stop: an autosave, which stalls
    trained.page.wait_for_function("window.autosaveStalled === true", timeout=60_000)
    stalled_version = trained.status()["policy_version"]
    trained.reopen(SMALL)
    trained.page.wait_for_function("window.dshq.status().restore_offer !== undefined", timeout=90_000)
    status = trained.status()
    assert status["restore_offer"] == before["policy_version"] < stalled_version
    assert status["autosave_problems"] == []                               # the cut-off save is not "damaged"
    assert any(name.endswith(".partial") for name in trained.page.evaluate(AUTOSAVE_NAMES))
    trained.page.click("#restore-run")
    status = trained.status()
    assert (status["policy_version"], status["train_steps"]) == (before["policy_version"], before["train_steps"])


def test_no_console_errors(trained):
    assert trained.errors == []
