"""python -m rl.train and python -m rl.evaluate end to end on tiny runs (numpy backend)."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from rl.files.container import load
from rl.soccer.evaluation import load_model
from rl.model import num_params
from rl.soccer.spec import ACTION_SPEC_VERSION, OBS_SIZE, OBS_SPEC_VERSION

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--num-envs", "8", "--num-steps", "64", "--num-minibatches", "2"]  # 512 steps per update
METRICS = ("charts/episodic_return", "charts/SPS", "losses/policy_loss", "losses/value_loss", "losses/entropy",
           "losses/approx_kl", "losses/clipfrac", "losses/explained_variance")


def run(module, *args, timeout=300):
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A 4-update run, evaluated (2 matches) every 1024 steps: (stdout lines, stderr, model path)."""
    out = tmp_path_factory.mktemp("train") / "model.dshq"
    result = run("rl.train", "--steps", 2048, "--seed", 3, "--out", out, *TINY, "--eval-every", 1024,
                 "--eval-episodes", 2)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()], result.stderr, out


def test_train_prints_one_json_object_per_update(trained):
    lines, stderr, _ = trained
    assert [line["update"] for line in lines] == [1, 2, 3, 4]
    assert [line["global_step"] for line in lines] == [512, 1024, 1536, 2048]
    for line in lines:
        assert all(name in line for name in METRICS)
        assert line["charts/SPS"] > 0 and line["losses/entropy"] > 0
    evaluated = [line for line in lines if "eval/win_rate_vs_scripted" in line]
    assert [line["update"] for line in evaluated] == [2, 4]
    assert all(line["eval/wins"] + line["eval/draws"] + line["eval/losses"] == 2 for line in evaluated)
    assert "SPS" in stderr and "2,048" in stderr  # the progress lines


def test_checkpoint_opens_with_safetensors_and_rl_checkpoint(trained):
    from safetensors import safe_open

    lines, _, out = trained
    with safe_open(str(out), "np") as file:
        metadata = file.metadata()
        names = set(file.keys())
        assert file.get_tensor("trunk.0.weight").shape == (128, OBS_SIZE)
    assert {"trunk.0.weight", "trunk.0.bias", "head.weight", "head.bias", "optimizer.m", "optimizer.v"} <= names
    assert metadata["format"] == "dshq" and metadata["train_step"] == "2048"

    checkpoint = load(out, obs_spec_version=OBS_SPEC_VERSION, action_spec_version=ACTION_SPEC_VERSION)
    meta = checkpoint.metadata
    assert meta["train_step"] == 2048
    assert meta["model_config"]["hidden_sizes"] == [128, 128]
    assert meta["ppo_config"]["num_envs"] == 8 and meta["ppo_config"]["seed"] == 3
    assert set(meta["selfplay_config"]) >= {"snapshot_prob", "scripted_prob", "random_prob"}
    assert meta["win_rate_vs_scripted"] == lines[-1]["eval/win_rate_vs_scripted"] or (
        "win_rate_vs_scripted" not in meta and lines[-1]["eval/win_rate_vs_scripted"] is None)
    rating, last = meta["league_rating"], lines[-1]     # the final evaluation, rated against the scripted anchor
    assert rating["anchor"] == "scripted" and rating["anchor_rating"] == 1000.0 and rating["games"] == 2
    assert (rating["rating"] < 1000) == (last["eval/wins"] + last["eval/draws"] / 2 < 1) and rating["sd"] > 0
    params, model_config, _ = load_model(out)
    assert len(params) == num_params(model_config) == len(checkpoint.optimizer.m)
    assert checkpoint.optimizer.step > 0
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]  # atomic write left nothing behind


def test_evaluate_prints_one_json_object(trained):
    _, _, out = trained
    for vs in ("scripted", "random", out):
        result = run("rl.evaluate", out, "--vs", vs, "--episodes", 2, "--seed", 1)
        assert result.returncode == 0, result.stderr
        lines = result.stdout.strip().splitlines()
        assert len(lines) == 1
        tally = json.loads(lines[0])
        assert tally["episodes"] == 2 and tally["wins"] + tally["draws"] + tally["losses"] == 2
        assert tally["vs"] == str(vs) and tally["seed"] == 1


def test_train_with_two_worker_processes_and_other_hidden_sizes(tmp_path):
    out = tmp_path / "model.dshq"
    result = run("rl.train", "--steps", 1024, "--seed", 1, "--out", out, *TINY, "--workers", 2,
                 "--eval-episodes", 0, "--hidden-sizes", "24,16")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["global_step"] for line in lines] == [512, 1024]
    metadata = load(out).metadata
    assert metadata["train_step"] == 1024 and metadata["model_config"]["hidden_sizes"] == [24, 16]


@pytest.mark.parametrize("args, flag", [
    (["--num-envs", "0"], "--num-envs"),
    (["--learning-rate", "-1"], "--learning-rate"),
    (["--gamma", "2"], "--gamma"),
    (["--num-minibatches", "3"], "--num-minibatches"),
    (["--workers", "3"], "--workers"),
    (["--scripted-prob", "0.9"], "--random-prob"),  # the three probabilities no longer sum to 1
    (["--pool-size", "0"], "--pool-size"),
    (["--steps", "10"], "--steps"),
    (["--eval-every", "-5"], "--eval-every"),
    (["--match-seconds", "0"], "--match-seconds"),
    (["--learning-rate", "fast"], "--learning-rate"),
    (["--backend", "tpu"], "--backend"),
    (["--hidden-sizes", "64,x"], "--hidden-sizes"),
    (["--hidden-sizes", "0"], "--hidden-sizes"),
])
def test_train_bad_flags_exit_2_naming_the_flag(tmp_path, args, flag):
    base = ["--steps", "2048", "--out", str(tmp_path / "m.dshq"), *TINY]
    result = run("rl.train", *base, *args)
    assert result.returncode == 2
    assert flag in result.stderr, result.stderr
    assert not (tmp_path / "m.dshq").exists()


def test_train_requires_steps_and_out(tmp_path):
    assert run("rl.train", "--out", tmp_path / "m.dshq").returncode == 2
    result = run("rl.train", "--steps", 2048, "--out", tmp_path / "missing" / "m.dshq")
    assert result.returncode == 2 and "--out" in result.stderr


@pytest.mark.gpu
def test_train_gpu_backend_runs_or_says_why(tmp_path):
    from rl.backend import BACKENDS

    out = tmp_path / "m.dshq"
    result = run("rl.train", "--steps", 512, "--out", out, *TINY, "--backend", "gpu", "--eval-episodes", 0)
    if "gpu" in BACKENDS and result.returncode == 0:
        assert load(out).metadata["backend"] == "gpu"
    else:
        assert result.returncode == 2 and "--backend gpu" in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_evaluate_bad_files_give_one_line_and_exit_2(tmp_path, trained):
    _, _, good = trained
    truncated = tmp_path / "truncated.dshq"
    truncated.write_bytes(good.read_bytes()[:100])
    garbage = tmp_path / "garbage.dshq"
    garbage.write_bytes(b"\xff" * 64)
    for path, words in ((truncated, "header length"), (garbage, "header length"),
                        (tmp_path / "missing.dshq", "No such file")):
        result = run("rl.evaluate", path, "--episodes", 1)
        assert result.returncode == 2 and result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0] and words in lines[0], result.stderr
    result = run("rl.evaluate", good, "--vs", truncated, "--episodes", 1)
    assert result.returncode == 2 and str(truncated) in result.stderr


def test_evaluate_bad_flags(trained):
    _, _, good = trained
    for args in (["--episodes", "0"], ["--episodes", "many"], ["--vs", "scripteed"], ["--seed", "x"]):
        result = run("rl.evaluate", good, *args)
        assert result.returncode == 2 and "usage:" in result.stderr, args


def test_ctrl_c_saves_a_valid_checkpoint(tmp_path):
    out = tmp_path / "model.dshq"
    # SIGINT back to its default in the child: a test run started in the background (no job control) passes
    # an ignored SIGINT down, and then Python never raises KeyboardInterrupt.
    process = subprocess.Popen([sys.executable, "-m", "rl.train", "--steps", "1000000", "--out", str(out), *TINY,
                                "--eval-episodes", "0"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    first = json.loads(process.stdout.readline())  # training is under way
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    rest, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    logged = [first] + [json.loads(line) for line in rest.splitlines()]
    checkpoint = load(out, obs_spec_version=OBS_SPEC_VERSION, action_spec_version=ACTION_SPEC_VERSION)
    assert checkpoint.metadata["train_step"] == logged[-1]["global_step"] or (
        checkpoint.metadata["train_step"] == logged[-1]["global_step"] + 512)  # interrupted while logging
    assert checkpoint.optimizer is not None
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


def interrupt(args, wait_for):
    """Start `python -m rl.train args`, send Ctrl-C once `wait_for(process)` returns (with the stderr it
    read); returns (returncode, the whole stderr)."""
    process = subprocess.Popen([sys.executable, "-m", "rl.train", *map(str, args)], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen = wait_for(process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    return process.returncode, seen + stderr


def test_ctrl_c_never_replaces_a_file_with_more_training(tmp_path, trained):
    """--out holds a 2048-step agent: Ctrl-C before the first update ends, or after one 512-step update,
    leaves it byte for byte and says so."""
    out = tmp_path / "model.dshq"
    before = trained[2].read_bytes()
    args = ["--steps", 1_000_000, "--out", out, *TINY, "--eval-episodes", 0]

    def training_announced(process):
        seen = ""
        while "training" not in seen.rpartition("\n")[0]:
            seen += process.stderr.readline()
        return seen

    def first_update_logged(process):
        process.stdout.readline()
        return ""

    for wait_for in (training_announced, first_update_logged):
        out.write_bytes(before)
        returncode, stderr = interrupt(args, wait_for)
        assert returncode == 130, stderr
        assert "holds an agent trained for 2,048 steps" in stderr  # the warning at the start
        assert "interrupted: nothing saved" in stderr and "Traceback" not in stderr, stderr
        assert out.read_bytes() == before


def test_ctrl_c_during_start_up_says_so_without_a_traceback(tmp_path):
    """A Ctrl-C that lands while the command imports numpy (made certain by an import hook)."""
    script = textwrap.dedent(f"""
        import runpy, sys

        class CtrlCOnNumpy:
            def find_spec(self, name, path=None, target=None):
                if name == "numpy":
                    raise KeyboardInterrupt

        sys.meta_path.insert(0, CtrlCOnNumpy())
        sys.argv = ["rl.train", "--steps", "1000", "--out", {str(tmp_path / "m.dshq")!r}]
        runpy.run_module("rl.train", run_name="__main__")
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 130, result.stderr
    assert "interrupted during start-up: nothing trained, nothing saved" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "m.dshq").exists()


@pytest.mark.parametrize("out, message", [
    ("{tmp}", "is a folder; give a file name"),
    ("", "the path is empty"),
    ("/dev/null", "exists and is not a regular file"),
    ("{tmp}/missing/m.dshq", "does not exist"),
    ("/proc/m.dshq", "cannot write in folder '/proc'"),
])
def test_train_checks_the_out_target_before_training(tmp_path, out, message):
    result = run("rl.train", "--steps", 512, "--out", out.format(tmp=tmp_path), *TINY)
    assert result.returncode == 2 and f"--out: " in result.stderr and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "training" not in result.stderr


def test_train_refuses_an_out_with_more_training_than_the_run_will_reach(tmp_path, trained):
    out = tmp_path / "model.dshq"
    out.write_bytes(trained[2].read_bytes())
    result = run("rl.train", "--steps", 1024, "--out", out, *TINY)
    assert result.returncode == 2, result.stderr
    assert "holds an agent trained for 2,048 steps, more than this run's 1,024" in result.stderr
    assert out.read_bytes() == trained[2].read_bytes()


def test_train_sweeps_temporaries_that_a_killed_save_left(tmp_path):
    out = tmp_path / "model.dshq"
    stale = tmp_path / ".model.dshq.999999999.tmp"   # no such process
    stale.write_bytes(b"half a checkpoint")
    result = run("rl.train", "--steps", 512, "--out", out, *TINY, "--eval-episodes", 0)
    assert result.returncode == 0, result.stderr
    assert not stale.exists() and f"removed {stale}" in result.stderr
    assert sorted(os.listdir(tmp_path)) == ["model.dshq"]


def test_evaluate_bounds_the_episodes(trained):
    result = run("rl.evaluate", trained[2], "--episodes", 1_000_000_000)
    assert result.returncode == 2 and "--episodes: must be a whole number from 1 to 10,000" in result.stderr
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr
    from rl.soccer.evaluation import evaluate
    with pytest.raises(ValueError, match="from 1 to 10,000"):
        evaluate("scripted", "random", 10_001, seed=0)
