"""tests/data/champion.dshq: a ready-trained agent (python -m rl.train --engine gpu --steps 3000000 --seed 1
--eval-every 0, on an NVIDIA H200, trained on the WGSL sim) loads, and beats the scripted player on the
Python sim."""

import json
import subprocess
import sys
from pathlib import Path

from rl.files.agent_file import read_agent

ROOT = Path(__file__).resolve().parents[1]
CHAMPION = ROOT / "tests" / "data" / "champion.dshq"


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
    assert tally["win_rate"] >= 0.6, tally
