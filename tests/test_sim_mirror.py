"""Mirror symmetry: rotating the pitch by 180 degrees and swapping the players
gives exactly the mirrored observations, rewards and trajectory."""
import pytest

from sim import RandomPolicy, SoccerConfig, SoccerEnv, scripted_action


def mirrored(state: list) -> list:
    """(x, y) -> (-x, -y) for every position, velocity and heading; blue <-> red; omega unchanged."""
    def player(p):
        return [-p[0], -p[1], -p[2], -p[3], -p[4], -p[5], p[6], p[7]]
    return [-v for v in state[0:4]] + player(state[12:20]) + player(state[4:12])


@pytest.mark.parametrize("seed", range(6))
def test_mirrored_state_gives_swapped_observations_and_outcomes(seed):
    config = SoccerConfig(end_on_goal=True, shaping_coef=0.1)
    env = SoccerEnv(config, seed=seed)
    twin = SoccerEnv(config, seed=seed)
    twin._state[:] = mirrored(env._state)
    twin._potential = -env._potential
    red = RandomPolicy(seed)
    obs = {agent: env.observe(agent) for agent in env.agents}
    for _ in range(1800):
        twin_obs = {agent: twin.observe(agent) for agent in twin.agents}
        assert twin_obs["red"] == obs["blue"] and twin_obs["blue"] == obs["red"]
        actions = {"blue": scripted_action(obs["blue"]), "red": red.act(obs["red"]) if seed % 2 else
                   scripted_action(obs["red"])}
        obs, rewards, terminations, truncations, infos = env.step(actions)
        twin_obs, twin_rewards, twin_terminations, twin_truncations, _ = twin.step(
            {"blue": actions["red"], "red": actions["blue"]})
        assert twin._state == mirrored(env._state)
        assert twin_rewards == {"blue": rewards["red"], "red": rewards["blue"]}
        assert twin_terminations == terminations and twin_truncations == truncations
        assert twin.score == env.score[::-1]
        if terminations["blue"] or truncations["blue"]:
            break


def test_kickoff_is_mirror_symmetric_without_jitter():
    env = SoccerEnv(SoccerConfig(kickoff_jitter=0.0), seed=0)
    assert env._state == mirrored(env._state)
    assert env.observe("blue") == env.observe("red")
