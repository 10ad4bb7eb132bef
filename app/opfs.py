"""The browser's Origin Private File System as app/autosave.py's storage.

One folder (`dshq-autosave`) under the origin's OPFS root. Writes go through
`createWritable()` (the browser commits the file on `close()`), renames
through `FileSystemFileHandle.move()`.
"""

import js
from pyodide.ffi import to_js

FOLDER = "dshq-autosave"


def _options(**values):
    return to_js(values, dict_converter=js.Object.fromEntries)


class OPFSStorage:
    def __init__(self, folder):
        self.folder = folder

    @classmethod
    async def open(cls, name: str = FOLDER) -> "OPFSStorage":
        """The folder, created if needed. Raises OSError when the browser offers no OPFS."""
        if not hasattr(js.navigator, "storage") or not hasattr(js.navigator.storage, "getDirectory"):
            raise OSError("this browser has no Origin Private File System (navigator.storage.getDirectory)")
        root = await js.navigator.storage.getDirectory()
        return cls(await root.getDirectoryHandle(name, _options(create=True)))

    async def names(self) -> list[str]:
        names = []
        async for name in self.folder.keys():
            names.append(str(name))
        return names

    async def read(self, name: str) -> bytes:
        handle = await self.folder.getFileHandle(name)
        file = await handle.getFile()
        return js.Uint8Array.new(await file.arrayBuffer()).to_bytes()

    async def write(self, name: str, data: bytes) -> None:
        handle = await self.folder.getFileHandle(name, _options(create=True))
        writable = await handle.createWritable()
        await writable.write(to_js(data))
        await writable.close()

    async def rename(self, old: str, new: str) -> None:
        handle = await self.folder.getFileHandle(old)
        await handle.move(new)

    async def delete(self, name: str) -> None:
        await self.folder.removeEntry(name)
