"""app/network_player.py in CPython: greedy play and the hot-swap blend window."""

import math

import pytest

from app.network_player import BlendingPlayer, NetworkPlayer, softmax
from rl.model import ModelConfig, init_params
from rl.policy import Policy
from sim import NUM_ACTIONS, OBSERVATION_SIZE

MODEL = ModelConfig(OBSERVATION_SIZE, NUM_ACTIONS, hidden_sizes=(8,))
OLD, NEW = Policy(init_params(MODEL, 1), MODEL), Policy(init_params(MODEL, 2), MODEL)
OBS = [((i * 5) % 9 - 4) / 4 for i in range(OBSERVATION_SIZE)]


def probabilities(policy):
    return softmax(policy.forward(OBS, 1)[0].tolist())


def test_network_player_plays_the_argmax_of_the_softmax():
    player = NetworkPlayer(NEW)
    p = player.probabilities(OBS)
    assert math.isclose(sum(p), 1.0) and len(p) == NUM_ACTIONS
    assert player.act(OBS) == NEW.act([OBS])[0] == p.index(max(p))


def test_blending_moves_linearly_from_the_old_to_the_new_probabilities():
    window = 4
    player = BlendingPlayer(NetworkPlayer(OLD), NEW, window)
    p_old, p_new = probabilities(OLD), probabilities(NEW)
    for k in range(1, window + 3):       # the k-th decision after the swap
        w = min(1.0, k / window)
        expected = [(1 - w) * a + w * b for a, b in zip(p_old, p_new)]
        assert player.probabilities(OBS) == pytest.approx(expected, abs=1e-12)
        assert player.act(OBS) == expected.index(max(expected))
    assert player.old is None            # the window is over: the old weights are let go


def test_a_swap_during_a_blend_blends_from_what_was_playing():
    first = BlendingPlayer(NetworkPlayer(OLD), NEW, 4)
    first.act(OBS)                       # w = 1/4 was played; the next would be 2/4
    third = Policy(init_params(MODEL, 3), MODEL)
    second = BlendingPlayer(first, third, 2)
    p_old, p_new, p_third = probabilities(OLD), probabilities(NEW), probabilities(third)
    inner = [0.5 * a + 0.5 * b for a, b in zip(p_old, p_new)]
    assert second.probabilities(OBS) == pytest.approx([0.5 * a + 0.5 * c for a, c in zip(inner, p_third)])
    second.act(OBS)
    assert second.probabilities(OBS) == pytest.approx(p_third)
    assert second.old is None and first.decisions == 2   # w = 1 next: the old players are let go


@pytest.mark.parametrize("window", [0, -1, 2.5, "3"])
def test_a_bad_window_is_refused(window):
    with pytest.raises(ValueError, match="blend window"):
        BlendingPlayer(NetworkPlayer(OLD), NEW, window)
