"""The overlays in CPython (app/overlays.py): what the intent and value glyphs draw is the
policy's own forward, taken once per decision by the show match (app/show_match.py)."""

import math
import random

import pytest

from app.network_player import NetworkPlayer, softmax
from app.overlays import (
    CAPSULE, CHOSEN, MOVE_DIRECTIONS, PETAL_BASE, PETAL_LENGTH, PETAL_RADIUS, VALUE_BAR_HALF, intent_shapes,
    marginals, overlay_shapes, value_shapes,
)
from app.show_match import ShowMatch
from rl.model import ModelConfig, init_params
from rl.policy import Policy
from sim import NUM_ACTIONS, OBSERVATION_SIZE, decode_action

MODEL = ModelConfig(OBSERVATION_SIZE, NUM_ACTIONS, hidden_sizes=(16,))
GAMMA = 0.97


class CountingPolicy(Policy):
    """A Policy that counts its forwards."""
    forwards = 0

    def forward(self, obs, n=None):
        self.forwards += 1
        return super().forward(obs, n)


def network_match(ticks: int) -> tuple[ShowMatch, CountingPolicy, list]:
    """A match with a network player on Blue run for `ticks` ticks; returns it, the policy and
    each decision with the advantage the match recorded right after it, in order."""
    match = ShowMatch()
    policy = CountingPolicy(init_params(MODEL, 3), MODEL)
    match.set_policy("blue", NetworkPlayer(policy, GAMMA), "net")
    recorded = []
    for _ in range(ticks):
        before = match.decisions.get("blue")
        match.tick()
        if match.decisions["blue"] is not before:
            recorded.append((match.decisions["blue"], match.advantages.get("blue")))
    return match, policy, recorded


def test_marginals_sum_the_actions_of_each_part_exactly():
    rng = random.Random(0)
    p = [rng.random() for _ in range(NUM_ACTIONS)]
    move, turn, dash = marginals(p)
    for m in range(5):
        assert move[m] == sum(p[a] for a in range(NUM_ACTIONS) if decode_action(a)[0] == m)
    for t in range(3):
        assert turn[t] == sum(p[a] for a in range(NUM_ACTIONS) if decode_action(a)[1] == t)
    assert dash == [sum(p[0::2]), sum(p[1::2])]


def test_the_drawn_probabilities_are_the_policys_softmax_from_one_forward_per_decision():
    match, policy, recorded = network_match(40)
    assert len(recorded) == 10 and policy.forwards == 10       # decisions every 4 ticks, one forward each
    for decision, _ in recorded:
        logits, values = Policy(policy.params, MODEL).forward(decision.observation, 1)
        assert decision.probabilities == softmax(logits.tolist())
        assert decision.value == values[0]
        assert decision.action == Policy(policy.params, MODEL).act(decision.observation)[0]
    view = match.view()
    decision = match.decisions["blue"]
    petals = [shape for shape in overlay_shapes(view, match.decisions, match.advantages, {"intent"})
              if shape[0] == CAPSULE and shape[4] == PETAL_RADIUS]
    move, _, _ = marginals(decision.probabilities)
    assert [2 * (shape[3] - PETAL_RADIUS) for shape in petals] == pytest.approx(
        [PETAL_LENGTH * p for p in move[1:]], abs=1e-12)


def test_petals_point_along_their_moves_in_the_players_frame_and_the_chosen_one_is_outlined():
    heading = 0.7
    body = (1.0, -2.0, math.cos(heading), math.sin(heading))
    p = [0.0] * NUM_ACTIONS
    p[6], p[13] = 0.75, 0.25                 # forward (no turn, no dash); back + turn left + dash
    shapes = intent_shapes(body, p, 6)
    petals = shapes[1:5]
    for (ux, uy), shape, probability in zip(MOVE_DIRECTIONS, petals, (0.75, 0.25, 0.0, 0.0)):
        wx, wy = body[2] * ux - body[3] * uy, body[3] * ux + body[2] * uy
        reach = PETAL_BASE + PETAL_LENGTH * probability / 2     # the petal's middle
        assert shape[1:3] == pytest.approx((body[0] + wx * reach, body[1] + wy * reach))
        assert shape[5:7] == pytest.approx((wx, wy))
    assert [shape[9] == CHOSEN for shape in petals] == [True, False, False, False]
    assert shapes[0][7] == 0.0               # no probability on stop: an empty arc


def test_the_advantage_is_r_plus_gamma_v_next_minus_v_and_a_reset_forgets_it():
    match, _, recorded = network_match(400)
    assert recorded[0][1] is None            # nothing finished before the first decision
    assert any(decision.reward != 0.0 for decision, _ in recorded)
    for (finished, _), (decision, advantage) in zip(recorded, recorded[1:]):
        assert advantage == finished.reward + GAMMA * decision.value - finished.value
    match.reset(2)
    assert match.decisions == {} and match.advantages == {}


def test_value_bars_reach_out_in_proportion_and_clamp():
    body = (0.0, 0.0, 1.0, 0.0)
    track, fill = value_shapes(body, 0.5, None)
    assert fill[1] == pytest.approx(VALUE_BAR_HALF * 0.25) and track[3] > fill[3]
    _, _, _, low = value_shapes(body, 0.5, -3.0)
    assert low[1] == pytest.approx(-VALUE_BAR_HALF / 2)       # clamped at -1: the bar's middle at -half/2
    assert low[8] != fill[8]                                  # negative: the other colour


def test_a_sandbox_drop_shows_what_the_player_would_do_there_without_doing_it():
    match, policy, _ = network_match(20)
    held = dict(match.actions)
    match.set_mode("sandbox")
    match.drop("ball", 3.0, -2.0)                      # a pointer move during a drag
    what_if = match.decisions["blue"]
    assert not what_if.acted and match.advantages == {}
    assert what_if.observation == match.env.observe("blue")
    logits, values = policy.forward(what_if.observation, 1)
    assert what_if.probabilities == softmax(logits.tolist()) and what_if.value == values[0]
    assert "red" not in match.decisions                # the scripted player has no intent
    assert match.actions == held                       # the held action plays on until the next decision
    match.drop("blue", -4.0, 1.0)
    assert match.decisions["blue"] is not what_if and match.decisions["blue"].observation[0] == -4.0 / 8.0
    while match.ticks % match.config.decision_ticks:
        match.tick()
    match.tick()                                       # the next decision: acted, no advantage from the what-if
    assert match.decisions["blue"].acted and "blue" not in match.advantages
