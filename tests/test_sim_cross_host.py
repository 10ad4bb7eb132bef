"""Cross-host determinism: the same scenario in CPython and in Pyodide (Node + vendored Pyodide)
gives identical state digests at every 100th step, and identical observation bytes."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Scripted blue vs seeded-random red, full 60 s matches with kickoffs after goals,
# two matches back to back; plus an EnvBatch run to cover the flat buffers.
SCENARIO = """
import hashlib, json
from array import array
from sim import EnvBatch, RandomPolicy, SoccerConfig, SoccerEnv, SplitMix64, scripted_action

env = SoccerEnv(SoccerConfig(end_on_goal=False), seed=2024)
obs, _ = env.reset(seed=2024)
red = RandomPolicy(7)
digests = []
for step in range(1, 3601):
    obs, _, terminations, truncations, _ = env.step({"blue": scripted_action(obs["blue"]), "red": red.act(obs["red"])})
    if step % 100 == 0:
        digests.append(env.state_digest())
    if truncations["blue"]:
        obs, _ = env.reset()
batch = EnvBatch(8, seed=3)
rng = SplitMix64(4)
buffers = hashlib.sha256()
for _ in range(300):
    batch.step(array("i", [rng.below(30) for _ in range(16)]))
    buffers.update(batch.obs.tobytes() + batch.rewards.tobytes() + batch.final_obs.tobytes())
print("RESULT " + json.dumps({"digests": digests, "score": env.score, "buffers": buffers.hexdigest()}))
"""


def run_cpython() -> dict:
    done = subprocess.run([sys.executable, "-c", SCENARIO], capture_output=True, text=True, cwd=ROOT, check=True)
    return parse(done.stdout)


def parse(stdout: str) -> dict:
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise AssertionError(f"no RESULT line in {stdout!r}")


@pytest.mark.node
def test_cpython_and_pyodide_digests_identical():
    if shutil.which("node") is None or not (ROOT / "node_modules" / "pyodide").exists():
        pytest.skip("node or the vendored pyodide is missing (npm ci)")
    pyodide = subprocess.run(["node", "tests/pyodide_run.mjs"], input=SCENARIO, capture_output=True, text=True,
                             cwd=ROOT, timeout=600)
    assert pyodide.returncode == 0, pyodide.stderr
    in_pyodide = parse(pyodide.stdout)
    in_cpython = run_cpython()
    assert len(in_cpython["digests"]) == 36
    assert in_pyodide["digests"] == in_cpython["digests"]
    assert in_pyodide["buffers"] == in_cpython["buffers"]
    assert in_pyodide["score"] == in_cpython["score"]
