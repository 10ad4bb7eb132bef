"""The page's entry point: PyScript runs this file on the main thread.

PyScript has unpacked the project's sources (/python.zip) into ./dshq; put
them on the path and hand over to `app.page`.
"""

import sys

sys.path.insert(0, "./dshq")

from app.page import start  # noqa: E402

await start()  # noqa: F704 (PyScript runs top-level await)
