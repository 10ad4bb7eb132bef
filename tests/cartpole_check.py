"""The CartPole-v1 peer benchmark's yardsticks, shared by the numpy and the
WGSL backend tests: the learning curve's rolling mean, and the greedy score of
the returned policy on fresh episodes."""

import gymnasium as gym
import numpy as np

ROLLING = 10   # updates that finished an episode, averaged


def rolling_returns(history: list[dict]) -> list[tuple[int, float]]:
    """(global_step, mean charts/episodic_return over the last ROLLING such updates), once ROLLING exist."""
    curve = [(h["global_step"], h["charts/episodic_return"]) for h in history
             if h["charts/episodic_return"] is not None]
    return [(step, float(np.mean([r for _, r in curve[i - ROLLING + 1 : i + 1]])))
            for i, (step, _) in enumerate(curve) if i >= ROLLING - 1]


def greedy_return(policy, episodes: int = 8, seed: int = 123) -> float:
    """Mean return of `policy.act` (greedy) over `episodes` fresh CartPole-v1 episodes."""
    envs = gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1")] * episodes,
                                    autoreset_mode=gym.vector.AutoresetMode.SAME_STEP)
    obs, _ = envs.reset(seed=seed)
    total, done = np.zeros(episodes), np.zeros(episodes, bool)
    while not done.all():
        obs, rewards, terminations, truncations, _ = envs.step(policy.act(obs))
        total += rewards * ~done
        done |= terminations | truncations
    return float(total.mean())
