"""Match statistics: the WGSL sim and the Python sim play the same matchups to the same results.

1,000 one-minute matches (end_on_goal=False) per matchup and engine: scripted (blue) vs random,
and scripted vs scripted. The WGSL engine plays all 2,000 in one WgslEnvBatch with its in-kernel
players (one submission); the Python engine is sim.EnvBatch with sim.scripted_action and
SplitMix64 random actions, on two processes. The engines' kickoff jitter and random actions come
from different generators, so the matches differ one by one; their distributions must not.

For each matchup, at the 99% level (|z| <= 2.576, two-sided):
    blue's wins, draws and losses: two-proportion z-test with the pooled proportion p,
        z = (p_wgsl - p_python) / sqrt(p (1 - p) (1/n + 1/n));
    goals per match, blue's and red's: Welch's z = (mean difference) / sqrt(s1^2/n + s2^2/n).
A proportion that is 0 in both engines passes; 0 in only one fails unless the z-test allows it.
The seeds are fixed, so the test is deterministic.
"""

import asyncio
from array import array
from concurrent.futures import ProcessPoolExecutor
from math import sqrt
from multiprocessing import get_context

import pytest

from sim import EnvBatch, OBSERVATION_SIZE, SoccerConfig, SplitMix64, scripted_action
from sim.wgsl import WgslEnvBatch

pytestmark = [pytest.mark.gpu, pytest.mark.slow]

MATCHES = 1000
CONFIG = SoccerConfig(end_on_goal=False)       # one-minute matches, play on after goals
Z_99 = 2.576
MATCHUPS = ("random", "scripted")               # red's player; blue is always scripted


def python_matches(red: str, num_matches: int, seed: int) -> list:
    """[(blue goals, red goals)] of the first match in each of `num_matches` EnvBatch envs."""
    batch = EnvBatch(num_matches, seed=seed, config=CONFIG)
    rng = SplitMix64(seed + 1)
    actions = array("i", bytes(4 * 2 * num_matches))
    results = [None] * num_matches
    row = OBSERVATION_SIZE
    while None in results:
        obs = batch.obs
        for i in range(num_matches):
            actions[2 * i] = scripted_action(obs[2 * i * row:(2 * i + 1) * row])
            actions[2 * i + 1] = (scripted_action(obs[(2 * i + 1) * row:(2 * i + 2) * row]) if red == "scripted"
                                  else rng.below(30))
        batch.step(actions)
        for i in range(num_matches):
            if batch.truncations[i] and results[i] is None:
                results[i] = (batch.episode_goals[2 * i], batch.episode_goals[2 * i + 1])
    return results


def wgsl_matches(num_matches: int) -> dict:
    """{red's player: [(blue goals, red goals)]}: the first match of every env, both matchups in one batch."""
    async def play():
        batch = await WgslEnvBatch.create(len(MATCHUPS) * num_matches, seed=12, config=CONFIG)
        batch.set_controllers([controller for red in MATCHUPS for _ in range(num_matches)
                               for controller in ("scripted", red)])
        # a match is at least 1800 decisions; each goal shortens one decision, and 50 decisions
        # more are never enough for a second match
        results = await batch.play(CONFIG.match_ticks // CONFIG.action_repeat + 50)
        batch.destroy()
        return results

    results = asyncio.run(play())
    assert set(results["episodes"]) == {1}, "every env must finish exactly one match"
    pairs = list(zip(results["blue_goals"], results["red_goals"]))
    return {red: pairs[k * num_matches:(k + 1) * num_matches] for k, red in enumerate(MATCHUPS)}


def proportion_z(count_a: int, count_b: int, n: int) -> float:
    pooled = (count_a + count_b) / (2 * n)
    spread = sqrt(pooled * (1 - pooled) * 2 / n)
    return 0.0 if count_a == count_b else (count_a - count_b) / n / spread if spread else float("inf")


def mean_z(a: list, b: list) -> float:
    def mean_var(xs):
        mean = sum(xs) / len(xs)
        return mean, sum((x - mean) ** 2 for x in xs) / (len(xs) - 1)
    (mean_a, var_a), (mean_b, var_b) = mean_var(a), mean_var(b)
    spread = sqrt(var_a / len(a) + var_b / len(b))
    return 0.0 if mean_a == mean_b else (mean_a - mean_b) / spread if spread else float("inf")


def outcomes(pairs: list) -> dict:
    return {"wins": sum(b > r for b, r in pairs), "draws": sum(b == r for b, r in pairs),
            "losses": sum(b < r for b, r in pairs)}


def test_match_statistics_agree_with_the_python_sim():
    half = MATCHES // 2
    tasks = [(red, half, seed) for red in MATCHUPS for seed in (101, 202)]
    with ProcessPoolExecutor(max_workers=2, mp_context=get_context("spawn")) as pool:
        python_futures = [pool.submit(python_matches, *task) for task in tasks]
        wgsl = wgsl_matches(MATCHES)
        python_parts = [future.result() for future in python_futures]
    python = {red: python_parts[2 * k] + python_parts[2 * k + 1] for k, red in enumerate(MATCHUPS)}
    report = []
    for red in MATCHUPS:
        wgsl_outcomes, python_outcomes = outcomes(wgsl[red]), outcomes(python[red])
        zs = {name: proportion_z(wgsl_outcomes[name], python_outcomes[name], MATCHES) for name in wgsl_outcomes}
        for k, side in enumerate(("blue", "red")):
            zs[f"{side} goals"] = mean_z([pair[k] for pair in wgsl[red]], [pair[k] for pair in python[red]])
        report.append(f"scripted vs {red}: wgsl {wgsl_outcomes}, python {python_outcomes}, "
                      f"z {({name: round(z, 2) for name, z in zs.items()})}")
        assert all(abs(z) <= Z_99 for z in zs.values()), "\n".join(report)
