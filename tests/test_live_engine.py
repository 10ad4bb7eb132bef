"""The trainer's engine choice (rl/live/engine.py) in CPython: the rule, the URL's bad values, the
fallback to the rollout workers when the GPU engine cannot start, and the GPU engine built for
real on lavapipe with a restored autosave's snapshots in its pool."""

import asyncio

import pytest

import gpu
from rl.live.engine import SOFTWARE_ENGINE, TrainerEngine, choose_engine
from rl.live.setup import LiveSetup, soccer_minibatches
from rl.live.training import LiveTrainingConfig, RingSource
from rl.model import init_params

SWIFTSHADER = {"vendor": "google", "architecture": "swiftshader", "device": "", "description": "SwiftShader"}
HARDWARE = {"vendor": "nvidia", "architecture": "hopper", "device": "", "description": "NVIDIA H200"}


def test_auto_runs_gpu_on_hardware_and_the_measured_engine_on_software():
    assert choose_engine("auto", HARDWARE).name == "gpu"
    software = choose_engine("auto", SWIFTSHADER)
    assert (software.name, software.software) == (SOFTWARE_ENGINE, True)
    assert "software adapter" in software.reason and software.adapter == "google swiftshader SwiftShader"
    for asked in ("gpu", "workers"):
        report = choose_engine(asked, SWIFTSHADER)
        assert (report.name, report.requested) == (asked, asked) and f"engine={asked}" in report.reason


def test_an_unknown_engine_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="engine must be one of auto, gpu, workers, got 'cuda'"):
        LiveSetup(engine="cuda")
    with pytest.raises(ValueError, match="got 'cuda'"):
        choose_engine("cuda", HARDWARE)


def test_minibatches_hold_256_rows_up_to_rl_trains_batch_then_grow_at_its_count():
    assert [soccer_minibatches(rows) for rows in (100, 256, 576, 4096, 8192)] == [1, 1, 2, 16, 32]
    assert [soccer_minibatches(rows) for rows in (65_536, 262_144, 1_048_576)] == [32, 32, 32]
    assert soccer_minibatches(30_000) == 30          # the most up to 32 that divide the batch
    assert LiveSetup(gpu_envs=4096).ppo_config("gpu").minibatch_size == 8192


@pytest.mark.parametrize("fields, message", [
    ({"num_steps": 1_000_000}, "num_steps must be a whole number from 1 to 1,024, got 1000000"),
    ({"gpu_envs": 5000}, "gpu_envs must be a whole number from 1 to 4,096, got 5000"),
    ({"rollout_workers": 17}, "rollout_workers must be a whole number from 1 to 16, got 17"),
    ({"seed": 2**32}, "seed must be a whole number from 0 to 4,294,967,295, got 4294967296"),
    ({"eval_episodes": 257}, "eval_episodes must be a whole number from 0 to 256"),
    ({"gpu_envs": 4096, "num_steps": 256}, "gpu_envs x num_steps must be at most 524,288 rows, got 4096 x 256"),
    ({"ring_slots": 64, "num_steps": 1024, "envs_per_worker": 256}, r"must fit in 256 MiB, got 2,752 MiB for 64 x"),
    ({"hidden_sizes": (100_000, 100_000)}, "hidden_sizes 100000,100000 make a network of 10,006,.* parameters; "
                                           "the page trains at most 2,097,152"),
])
def test_a_setup_larger_than_the_page_can_hold_is_refused_by_name(fields, message):
    """The URL's setup (app/url_query.py) and the panel's both build a LiveSetup: past these bounds the ring's
    SharedArrayBuffer, the weights or the GPU engine's buffers cannot be allocated."""
    with pytest.raises(ValueError, match=message):
        LiveSetup(**fields)
    LiveSetup(gpu_envs=4096, num_steps=128, envs_per_worker=256, rollout_workers=16, seed=2**32 - 1,
              hidden_sizes=(1024, 1024))  # the most


def test_each_engine_trains_on_its_own_batch():
    setup = LiveSetup(rollout_workers=2, envs_per_worker=8, gpu_envs=36, num_steps=16)
    assert (setup.num_envs("workers"), setup.num_envs("gpu")) == (16, 36)
    assert setup.ppo_config("workers").batch_size == 256 and setup.ppo_config("gpu").batch_size == 576
    assert setup.ppo_config("gpu").num_minibatches == 2               # at least SOCCER_PPO's 256 per minibatch
    with pytest.raises(ValueError, match="running engine is one of gpu, workers, got 'auto'"):
        setup.ppo_config("auto")
    with pytest.raises(ValueError, match="gpu_envs must be a whole number from 1 to 4,096, got 0"):
        LiveSetup(gpu_envs=0)
    with pytest.raises(ValueError, match=r"num_steps = 576, got 128 \(the gpu engine's batch\)"):
        LiveSetup(rollout_workers=2, envs_per_worker=8, gpu_envs=36, num_steps=16, ppo={"num_minibatches": 128})


def test_the_evaluator_rests_to_keep_its_share_of_a_core():
    assert LiveSetup().eval_rest_seconds(2.0) == 0.0                     # a whole core by default
    assert LiveSetup(eval_share=0.25).eval_rest_seconds(2.0) == 6.0      # busy 2 s of every 8
    for bad in (0, 1.5, float("nan"), True, "0.5"):
        with pytest.raises(ValueError, match="eval_share must be a number above 0 and at most 1"):
            LiveSetup(eval_share=bad)


class FakeBackend:
    class device:
        adapter_info = HARDWARE


def test_a_gpu_engine_that_cannot_start_falls_back_to_the_rollout_workers_and_says_why(monkeypatch):
    """A lost device later keeps the ring's source, with what it holds."""
    async def failing(self, backend, params, snapshots):
        raise gpu.GPUError("building selfplay_record: out of memory")

    monkeypatch.setattr(TrainerEngine, "gpu_source", failing)
    posted = []
    engine = TrainerEngine(LiveSetup(engine="auto"), "ring", "board", LiveTrainingConfig(), lambda: False,
                           posted.append)
    source = asyncio.run(engine.start(FakeBackend(), None))
    assert isinstance(source, RingSource) and source.ring == "ring"
    assert asyncio.run(engine.after_device_loss(FakeBackend(), None)) is source     # the ring's source stays
    assert posted == [{"type": "engine", "name": "workers", "requested": "auto", "adapter": "nvidia hopper NVIDIA H200",
                       "software": False, "reason": "the GPU engine could not start (building selfplay_record: out "
                                                    "of memory); the rollout workers run instead"}]


@pytest.mark.gpu
def test_the_gpu_engine_is_built_on_the_backend_device_with_restored_snapshots():
    from rl.soccer.gpu_rollout_source import GpuSelfPlaySource
    from rl.wgsl.backend import create_backend

    setup = LiveSetup(engine="gpu", rollout_workers=1, envs_per_worker=4, gpu_envs=6, num_steps=8, hidden_sizes=(8, 8))
    model = setup.model_config()
    snapshots = {version: init_params(model, version) for version in (3, 6, 9)}
    posted = []

    async def build():
        backend = await create_backend(model)
        params = init_params(model, 1)
        await backend.load_params(params)
        engine = TrainerEngine(setup, None, None, setup.live_config(), lambda: False, posted.append)
        return await engine.start(backend, params, snapshots)

    source = asyncio.run(build())
    assert isinstance(source, GpuSelfPlaySource) and source.num_envs == 6       # its own batch
    assert source.pool_versions() == [0, 3, 6, 9][-setup.selfplay_config().pool_size:]
    assert posted[0] == {"type": "telemetry", "restored_opponents": [3, 6, 9]}
    assert posted[1]["type"] == "engine" and posted[1]["name"] == "gpu" and posted[1]["software"] is True
