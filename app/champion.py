"""The champion: a ready-trained agent that ships with the page, so a newcomer
sees good play within seconds (browser only; the session plays it, app/session.py).

`app/agents/champion.dshq` was trained by the project's own trainer on the GPU
engine (README, "The champion"):

    python -m rl.train --engine gpu --steps 3000000 --seed 1 --eval-every 0

and tests/test_champion.py checks that it loads and beats the scripted player.
The page fetches it once at boot (about 100 KB); from then on "champion" can
play either side and is an opponent in the learning timeline.
"""

import js

from app.dshq import set_status
from app.run_state import import_agent
from rl.files.container import CheckpointError

CHAMPION_URL = "/app/agents/champion.dshq"      # serve.py serves app/ as files


async def load_champion(session) -> None:
    """Fetch and check the champion, then hand it to the session; say what went wrong if it cannot."""
    try:
        response = await js.fetch(CHAMPION_URL)
        if not response.ok:
            raise CheckpointError(f"HTTP {response.status}")
        session.champion = import_agent(js.Uint8Array.new(await response.arrayBuffer()).to_bytes())
    except Exception as err:  # a bad file, or a failed fetch (a JavaScript error): the page works without it
        session.notify(f"The champion ({CHAMPION_URL}) could not be loaded: {err}.")
        set_status(champion=None)
        return
    set_status(champion=session.champion.label)
