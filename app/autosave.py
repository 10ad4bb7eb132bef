"""Autosaves: the training run kept safe in a folder of .dshq files.

Standard library only; the folder is reached through a small async `storage`
(`names()`, `read(name)`, `write(name, data)`, `rename(old, new)`,
`delete(name)`): app/opfs.py over the browser's Origin Private File System,
a plain directory in the CPython tests.

    save-00000007.dshq     a complete save (number 7); newest = highest number
    save-00000008.partial  being written (or a write that crashed): never read
    save-00000006.corrupt  a save that failed its checks once (reported, kept until the next prune)
    import-003-<sha>.dshq  the third agent file imported on this page, as imported (<sha>: the first
                           16 hex digits of its SHA-256); restored with the run, forgotten on Start fresh

Writing save n (`write`):
    1. write save-n.partial in full
    2. rename it to save-n.dshq  -- the save appears whole or not at all
    3. prune: delete leftovers (.partial, .corrupt) and all but the newest `keep` saves
A crash before step 2 leaves the previous saves untouched.

Reading (`latest`): newest save first. Each is parsed with `parse` (default
rl.files.agent_file.read_agent, which verifies the data checksum (metadata
data_sha256), the header, the shapes and finiteness; the page passes
app/run_state.read_autosave, which checks the run's metadata too). The first
good one is returned; every newer one that failed is renamed to .corrupt and
described in `problems`, so the caller can say what happened and offer the
previous good save.

`time_ago` words a save's age for the restore banner ("2 minutes ago").
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone

from rl.files.agent_file import read_agent
from rl.files.container import CheckpointError

PREFIX, SAVED, PARTIAL, CORRUPT = "save-", ".dshq", ".partial", ".corrupt"
KEEP = 2          # complete saves kept: the newest and the one before it
IMPORT_PREFIX = "import-"


def save_name(number: int, suffix: str = SAVED) -> str:
    return f"{PREFIX}{number:08d}{suffix}"


def save_number(name: str) -> int | None:
    """n for "save-0000000n.<suffix>", None for any other name."""
    stem = name[len(PREFIX):].split(".", 1)[0]
    if not name.startswith(PREFIX) or len(stem) != 8 or not stem.isdigit():
        return None
    return int(stem)


@dataclass
class Found:
    """What `latest` found: the newest good save (or None) and what was wrong with newer ones."""
    value: object = None          # what `parse` returned for it
    data: bytes | None = None     # its bytes
    name: str | None = None
    problems: list[str] = field(default_factory=list)


class Autosave:
    def __init__(self, storage, parse=read_agent, keep: int = KEEP):
        self.storage, self.parse, self.keep = storage, parse, keep

    async def saves(self) -> list[str]:
        """Complete save names, newest first."""
        names = [name for name in await self.storage.names()
                 if name.endswith(SAVED) and save_number(name) is not None]
        return sorted(names, key=save_number, reverse=True)

    async def write(self, data: bytes) -> str:
        """Store `data` as the next save (atomically) and prune; returns its name."""
        numbers = [save_number(name) for name in await self.storage.names()]
        number = max([n for n in numbers if n is not None], default=0) + 1
        partial, final = save_name(number, PARTIAL), save_name(number)
        await self.storage.write(partial, data)
        await self.storage.rename(partial, final)
        await self.prune()
        return final

    async def prune(self) -> None:
        keep = set((await self.saves())[: self.keep])
        for name in await self.storage.names():
            if save_number(name) is not None and name not in keep:
                await self.storage.delete(name)

    async def latest(self) -> Found:
        """The newest save that passes every check (see the module docstring)."""
        found = Found()
        for name in await self.saves():
            data = await self.storage.read(name)
            try:
                found.value = self.parse(data)
            except CheckpointError as err:
                found.problems.append(f"{name}: {err}")
                await self.storage.rename(name, name[: -len(SAVED)] + CORRUPT)
                continue
            found.data, found.name = data, name
            return found
        return found

    # --- imported agents ---------------------------------------------------------------------
    async def keep_import(self, data: bytes) -> str:
        """Store an imported file (once per content); returns its name."""
        digest = hashlib.sha256(data).hexdigest()[:16]
        names = await self.import_names()
        for name in names:
            if name.endswith(f"-{digest}{SAVED}"):
                return name
        name = f"{IMPORT_PREFIX}{len(names) + 1:03d}-{digest}{SAVED}"
        await self.storage.write(name, data)
        return name

    async def import_names(self) -> list[str]:
        """Stored imports, in import order."""
        return sorted(name for name in await self.storage.names()
                      if name.startswith(IMPORT_PREFIX) and name.endswith(SAVED))

    async def imports(self) -> list[bytes]:
        return [await self.storage.read(name) for name in await self.import_names()]

    async def forget_imports(self) -> None:
        for name in await self.import_names():
            await self.storage.delete(name)


def time_ago(created: str, now: datetime | None = None) -> str:
    """An ISO 8601 time (a save's metadata "created") in words: "just now", "5 minutes ago", "yesterday",
    "3 days ago"; the ISO text itself if it cannot be read."""
    try:
        then = datetime.fromisoformat(created)
    except (TypeError, ValueError):
        return str(created)
    if then.tzinfo is None:
        then = then.replace(tzinfo=timezone.utc)
    seconds = ((now or datetime.now(timezone.utc)) - then).total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        count = int(seconds // size)
        if count >= 1:
            if unit == "day" and count == 1:
                return "yesterday"
            return f"{count} {unit}{'s' if count > 1 else ''} ago"
    return "just now"
