"""PettingZoo's own parallel API test, run on SoccerEnv through the CPython-only adapter."""
import pytest

pytest.importorskip("gymnasium")
pytest.importorskip("pettingzoo")

from pettingzoo.test import parallel_api_test  # noqa: E402

from sim import SoccerConfig  # noqa: E402
from sim.pettingzoo_native import SoccerParallelEnv  # noqa: E402


@pytest.mark.parametrize("end_on_goal", [True, False])
def test_parallel_api(end_on_goal):
    env = SoccerParallelEnv(SoccerConfig(match_seconds=10.0, end_on_goal=end_on_goal), seed=0)
    parallel_api_test(env, num_cycles=400)


def test_spaces_match_env():
    env = SoccerParallelEnv()
    obs, _ = env.reset(seed=3)
    for agent in env.possible_agents:
        assert env.observation_space(agent).contains(obs[agent])
        assert env.action_space(agent).n == 30


def test_adapter_is_not_imported_by_sim():
    import subprocess
    import sys
    code = "import sys, sim; assert 'sim.pettingzoo_native' not in sys.modules; assert 'gymnasium' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
