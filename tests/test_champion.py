"""app/agents/champion.dshq: the ready-trained agent that ships with the page (python -m rl.train --engine gpu
--steps 3000000 --seed 1 --eval-every 0, on an NVIDIA H200, trained on the WGSL sim) loads, beats the scripted
player on the Python sim, and the page's session plays it on either side and as a timeline opponent."""

import json
import subprocess
import sys
from pathlib import Path

from app.run_state import import_agent
from app.session import Session
from app.show_match import ShowMatch
from rl.files.agent_file import read_agent
from serve import resolve
from test_session import expected_engine

ROOT = Path(__file__).resolve().parents[1]
CHAMPION = ROOT / "app" / "agents" / "champion.dshq"


def test_the_champion_loads_with_its_training_record():
    agent = read_agent(CHAMPION.read_bytes())
    assert agent.model_config.hidden_sizes == (128, 128) and agent.optimizer is None
    assert agent.metadata["train_step"] >= 2_990_000 and agent.metadata["engine"] == "gpu"
    assert agent.metadata["league_rating"]["rating"] > 1000


def test_the_champion_beats_the_scripted_player():
    result = subprocess.run([sys.executable, "-m", "rl.evaluate", str(CHAMPION), "--vs", "scripted", "--episodes", "40",
                             "--seed", "0"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    tally = json.loads(result.stdout)
    assert tally["win_rate"] >= 0.6, tally     # wins / (wins + losses): of decided matches


def test_the_page_serves_the_one_champion_file():
    assert resolve("/app/agents/champion.dshq") == CHAMPION     # app/champion.py's CHAMPION_URL


def test_the_session_plays_the_champion_on_either_side_once_it_has_loaded():
    notices = []
    session = Session(ShowMatch(), None, lambda: None, expected_engine)
    session.subscribe("notice", notices.append)
    session.assign("red", "champion")            # still loading: the side keeps its player, and the person is told
    assert session.sides["red"] == "scripted" and "still loading" in notices[-1]
    session.champion = import_agent(CHAMPION.read_bytes())
    for side in ("blue", "red"):
        session.assign(side, "champion")
    assert session.sides == {"blue": "champion", "red": "champion"}
    assert session.match.labels == {"blue": "v366 (champion)", "red": "v366 (champion)"}
    session.match.reset(1)
    for _ in range(240):
        session.match.tick()
    assert set(session.match.decisions) == {"blue", "red"}      # both network players decided


def test_a_snapshot_replays_against_the_champion():
    session = Session(ShowMatch(), None, lambda: None, expected_engine)
    session.champion = import_agent(CHAMPION.read_bytes())
    session.imports["i1"] = session.champion
    session.replay("i1", "champion")
    assert session.sides == {"blue": "agent", "red": "champion"}
