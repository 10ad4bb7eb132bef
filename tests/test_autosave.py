"""app/autosave.py over a plain directory: atomic saves, pruning, and falling back past a damaged save."""

import asyncio
import os
from datetime import datetime, timedelta, timezone
from array import array

import pytest

from app.autosave import Autosave, time_ago
from rl.files.agent_file import read_agent, write_agent
from rl.model import ModelConfig, init_params
from rl.soccer.spec import NUM_ACTIONS, OBS_SIZE

MODEL = ModelConfig(OBS_SIZE, NUM_ACTIONS, hidden_sizes=(8,))


class FolderStorage:
    """app/autosave.py's storage over a directory (the browser uses app/opfs.py)."""

    def __init__(self, path, fail_writes_after: int | None = None):
        self.path, self.fail_writes_after = path, fail_writes_after

    async def names(self):
        return sorted(os.listdir(self.path))

    async def read(self, name):
        with open(os.path.join(self.path, name), "rb") as f:
            return f.read()

    async def write(self, name, data):
        with open(os.path.join(self.path, name), "wb") as f:
            if self.fail_writes_after is not None:   # a crash half-way through the write
                f.write(data[: self.fail_writes_after])
                raise OSError("simulated crash while writing")
            f.write(data)

    async def rename(self, old, new):
        os.replace(os.path.join(self.path, old), os.path.join(self.path, new))

    async def delete(self, name):
        os.remove(os.path.join(self.path, name))


def agent_bytes(version: int) -> bytes:
    return write_agent(init_params(MODEL, version), MODEL, {"policy_version": version})


def run(coroutine):
    return asyncio.run(coroutine)


def test_saves_are_numbered_and_only_the_newest_two_are_kept(tmp_path):
    autosave = Autosave(FolderStorage(tmp_path))
    names = [run(autosave.write(agent_bytes(version))) for version in (1, 2, 3)]
    assert names == ["save-00000001.dshq", "save-00000002.dshq", "save-00000003.dshq"]
    assert sorted(os.listdir(tmp_path)) == names[1:]
    found = run(autosave.latest())
    assert (found.name, found.value.metadata["policy_version"], found.problems) == (names[2], 3, [])
    assert found.data == agent_bytes(3)


def test_no_save_yet(tmp_path):
    found = run(Autosave(FolderStorage(tmp_path)).latest())
    assert (found.value, found.data, found.name, found.problems) == (None, None, None, [])


@pytest.mark.parametrize("damage", ["flip a data byte", "truncate", "flip a header byte"])
def test_a_damaged_newest_save_is_reported_and_the_previous_one_is_used(tmp_path, damage):
    autosave = Autosave(FolderStorage(tmp_path))
    run(autosave.write(agent_bytes(1)))
    newest = tmp_path / run(autosave.write(agent_bytes(2)))
    data = bytearray(newest.read_bytes())
    if damage == "flip a data byte":
        data[-5] ^= 0x40
    elif damage == "truncate":
        del data[len(data) // 2:]
    else:
        data[12] ^= 0x01
    newest.write_bytes(data)

    found = run(autosave.latest())
    assert found.value.metadata["policy_version"] == 1
    assert found.name == "save-00000001.dshq"
    assert len(found.problems) == 1 and found.problems[0].startswith("save-00000002.dshq: ")
    if damage == "flip a data byte":
        assert "checksum" in found.problems[0]
    assert sorted(os.listdir(tmp_path)) == ["save-00000001.dshq", "save-00000002.corrupt"]
    assert run(autosave.latest()).problems == []            # reported once, then set aside

    run(autosave.write(agent_bytes(3)))                      # the next save clears the damaged one
    assert sorted(os.listdir(tmp_path)) == ["save-00000001.dshq", "save-00000003.dshq"]


def test_every_save_damaged(tmp_path):
    autosave = Autosave(FolderStorage(tmp_path))
    name = run(autosave.write(agent_bytes(1)))
    (tmp_path / name).write_bytes(b"\x00" * 40)
    found = run(autosave.latest())
    assert found.value is None and len(found.problems) == 1


def test_a_crash_while_writing_leaves_the_previous_save_intact(tmp_path):
    run(Autosave(FolderStorage(tmp_path)).write(agent_bytes(1)))
    crashing = Autosave(FolderStorage(tmp_path, fail_writes_after=100))
    with pytest.raises(OSError, match="simulated crash"):
        run(crashing.write(agent_bytes(2)))
    assert sorted(os.listdir(tmp_path)) == ["save-00000001.dshq", "save-00000002.partial"]

    autosave = Autosave(FolderStorage(tmp_path))
    found = run(autosave.latest())
    assert (found.name, found.problems) == ("save-00000001.dshq", [])   # the partial file is never read
    assert run(autosave.write(agent_bytes(3))) == "save-00000003.dshq"
    assert sorted(os.listdir(tmp_path)) == ["save-00000001.dshq", "save-00000003.dshq"]


def test_other_files_in_the_folder_are_left_alone(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "save-12.dshq").write_text("not ours: the number is not 8 digits")
    autosave = Autosave(FolderStorage(tmp_path))
    for version in (1, 2, 3):
        run(autosave.write(agent_bytes(version)))
    assert sorted(os.listdir(tmp_path)) == ["notes.txt", "save-00000002.dshq", "save-00000003.dshq", "save-12.dshq"]
    assert read_agent((tmp_path / "save-00000003.dshq").read_bytes()).params == array("f", init_params(MODEL, 3))


def test_imported_files_are_kept_once_each_in_import_order_and_forgotten_on_request(tmp_path):
    autosave = Autosave(FolderStorage(tmp_path))
    first, second = b"first agent file", b"second agent file"
    names = [asyncio.run(autosave.keep_import(data)) for data in (first, second, first)]
    assert names[0] == names[2] != names[1]                        # the same file twice: stored once
    assert names[0].startswith("import-001-") and names[1].startswith("import-002-")
    assert asyncio.run(autosave.imports()) == [first, second]
    asyncio.run(autosave.write(b"a save"))                          # saves and their pruning leave imports alone
    asyncio.run(autosave.prune())
    assert asyncio.run(autosave.imports()) == [first, second]
    asyncio.run(autosave.forget_imports())
    assert asyncio.run(autosave.imports()) == [] and asyncio.run(autosave.saves()) == ["save-00000001.dshq"]


@pytest.mark.parametrize("seconds, words", [(0, "just now"), (59, "just now"), (60, "1 minute ago"),
                                            (150, "2 minutes ago"), (3600, "1 hour ago"), (3 * 3600 + 59, "3 hours ago"),
                                            (86400, "yesterday"), (3 * 86400, "3 days ago"), (-30, "just now")])
def test_a_saves_age_in_words(seconds, words):
    now = datetime(2026, 11, 30, 12, 0, 0, tzinfo=timezone.utc)
    created = (now - timedelta(seconds=seconds)).isoformat(timespec="seconds")
    assert time_ago(created, now) == words


def test_an_unreadable_time_is_shown_as_it_is():
    assert time_ago("yesterday-ish") == "yesterday-ish"
