"""app/startup_progress.py: the steps from Train to the first update, their counts and times."""

import pytest

from app.startup_progress import StartupProgress


def test_steps_count_up_and_finish_with_their_time_from_train():
    progress = StartupProgress(started=100.0, workers=4, segments=2)
    assert [state for state, _ in progress.lines()] == ["waiting"] * 4
    progress.count("workers", 0, now=100.0)
    progress.count("compile", 0, now=103.0, total=13)
    assert progress.lines()[:2] == [("running", "Starting Python in the workers: 0 of 4"),
                                    ("running", "Compiling the WGSL training kernels: 0 of 13")]
    progress.count("workers", 4, now=104.5)
    progress.count("compile", 13, now=109.0)
    progress.count("rollout", 1, now=110.0)
    assert progress.lines() == [("done", "Starting Python in the workers: done at 4.5 s"),
                                ("done", "Compiling the WGSL training kernels: done at 9.0 s"),
                                ("running", "Collecting the first rollouts: 1 of 2"),
                                ("waiting", "First update")]
    assert not progress.finished
    progress.count("rollout", 2, now=111.0)
    progress.count("update", 1, now=112.25)
    assert progress.finished
    assert progress.times() == {"workers": 4.5, "compile": 9.0, "rollout": 11.0, "update": 12.25}


def test_a_step_finishes_once_and_never_counts_down():
    progress = StartupProgress(started=0.0, workers=2, segments=1)
    progress.count("workers", 2, now=3.0)
    progress.count("workers", 1, now=5.0)       # a restarted worker is not ready yet: the step stays done
    assert progress.times()["workers"] == 3.0 and progress.steps["workers"].done_count == 2


def test_an_unknown_step_is_refused_by_name():
    with pytest.raises(ValueError, match="'boot'.*workers, compile, rollout, update"):
        StartupProgress(started=0.0, workers=1, segments=1).count("boot", 1, now=1.0)


def test_a_fallback_to_rollout_workers_raises_the_workers_to_boot():
    progress = StartupProgress(started=10.0, workers=2, segments=1)    # GPU engine: trainer and evaluator
    progress.count("workers", 2, now=12.0)
    assert progress.times()["workers"] == 2.0
    progress.expect_workers(3)                                         # it fell back: one rollout worker too
    assert progress.times()["workers"] is None and progress.lines()[0][1].endswith("2 of 3")
    progress.count("workers", 3, now=15.0)
    assert progress.times()["workers"] == 5.0
    progress.expect_workers(2)                                         # never fewer than already expected
    assert progress.steps["workers"].total == 3


def test_a_kept_trainer_skips_the_compile_step_and_says_so():
    progress = StartupProgress(started=50.0, workers=2, segments=1)
    progress.reuse("compile", now=50.5)
    assert progress.lines()[1] == ("done", "Compiling the WGSL training kernels: skipped, reusing the compiled kernels")
    assert progress.times()["compile"] == 0.5 and not progress.finished
