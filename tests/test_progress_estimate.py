"""app/progress_estimate.py: when the learner should beat the scripted player, from the measured curve and
the current rate, and when it has."""

import pytest

from app.progress_estimate import (PAGE_CURVE, RECENT_MATCHES, LearningCurve, ScriptedProgress, duration,
                                   estimate, steps_text)


def test_the_page_curve_settles_above_the_target_at_two_and_a_half_million_steps():
    # docs/learning_curve.md, "Epochs at the page's shape", three seeds pooled: 0.11, 0.23, 0.44, 0.43, 0.66, 0.67
    assert [round(PAGE_CURVE.win_rate(i), 2) for i in range(len(PAGE_CURVE.points))] == \
        [0.11, 0.23, 0.44, 0.43, 0.66, 0.67]
    assert PAGE_CURVE.steps_to_beat(0.6) == 2_500_000
    assert PAGE_CURVE.steps_to_beat(0.7) is None
    assert LearningCurve("x", ((1, 9, 0, 1), (2, 0, 0, 5))).steps_to_beat(0.6) is None


@pytest.mark.parametrize("seconds, text", [(20, "under a minute"), (7 * 60 + 10, "7 min"), (44 * 60, "45 min"),
                                           (2 * 3600 + 38 * 60, "2 h 40 min"), (3 * 3600 + 2 * 60, "3 h"),
                                           (5 * 86400, "5 days")])
def test_durations_read_as_a_person_would_say_them(seconds, text):
    assert duration(seconds) == text


def test_env_steps_read_short():
    assert [steps_text(n) for n in (448, 9_999, 46_000, 2_000_000)] == ["448", "9,999", "46k", "2.0M"]


def test_measuring_before_there_is_a_rate():
    assert estimate(0, None, ScriptedProgress()) == "measuring…"
    assert estimate(46_000, 0.0, ScriptedProgress()) == "measuring…"


def test_the_time_left_comes_from_the_curve_and_the_current_rate():
    # (2,500,000 - 46,000) steps at 200 steps/s = 12,270 s = 3 h 24 min
    text = estimate(46_000, 200.0, ScriptedProgress())
    assert text.startswith("about 3 h 20 min at the current 200 env steps/s"), text
    assert "from 2.5M env steps" in text
    assert estimate(1_000_000, 1000.0, ScriptedProgress()).startswith("about 25 min at the current 1,000")


def test_past_the_measured_point_it_says_so_instead_of_a_time():
    text = estimate(3_000_000, 300.0, ScriptedProgress())
    assert text.startswith("later than the measured run") and "2.5M" in text


def test_beaten_needs_enough_matches_and_then_stays():
    progress = ScriptedProgress()
    for step in range(1, RECENT_MATCHES // 4):          # 7 evaluations of 4 matches, all won: only 28 matches
        progress.add(1000 * step, 4, 0, 0)
        assert progress.beaten_at is None
    progress.add(8000, 3, 0, 1)                          # 32 matches, 31 of 32 decided won
    assert progress.beaten_at == 8000 and progress.recent() == (31, 0, 1)
    progress.add(9000, 0, 0, 4)                          # a dip does not take it back
    assert progress.beaten_at == 8000
    assert estimate(9000, 300.0, progress) == "beaten at 8,000 env steps"


def test_all_draws_or_too_few_wins_are_not_beaten():
    progress = ScriptedProgress()
    for step in range(8):
        progress.add(step, 0, 4, 0)
    assert progress.beaten_at is None
    for step in range(8, 16):
        progress.add(step, 2, 0, 2)                      # 0.5 of decided: below 0.6
    assert progress.beaten_at is None and progress.recent() == (16, 0, 16)


def test_a_bad_tally_is_refused_with_its_numbers():
    with pytest.raises(ValueError, match="-1 wins"):
        ScriptedProgress().add(0, -1, 0, 4)
    with pytest.raises(ValueError, match="at least one match"):
        ScriptedProgress().add(0, 0, 0, 0)
