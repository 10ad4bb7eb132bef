"""The weights board and the rollout ring over CPython shared memory, with
real concurrency (processes on separate cores) as well as threads."""

import multiprocessing
import threading
from array import array
from multiprocessing import shared_memory

import pytest

from rl.live.layout import SegmentLayout, board_bytes, ring_bytes
from rl.rollout import Rollout
from rl.live.rollout_ring import RingStopped, RolloutRing
from rl.live.native_buffer import NativeSharedBuffer
from rl.live.weights_board import WeightsBoard

CTX = multiprocessing.get_context("fork")
LAYOUT = SegmentLayout(num_steps=4, num_envs=3, obs_size=5)


def make_rollout(tag: float, episodes: int = 2) -> Rollout:
    """A rollout whose every value encodes `tag`, to detect mixing and tearing."""
    n = LAYOUT.num_steps * LAYOUT.num_envs
    return Rollout(LAYOUT.num_steps, LAYOUT.num_envs,
                   obs=array("f", [tag] * (n * LAYOUT.obs_size)), actions=array("i", [int(tag)] * n),
                   logprobs=array("f", [tag] * n), values=array("f", [tag] * n), rewards=array("f", [tag] * n),
                   next_values=array("f", [tag] * n), dones=array("f", [0.0] * n), valid=array("f", [1.0] * n),
                   episode_returns=[tag] * episodes, episode_lengths=[int(tag)] * episodes)


def tag_of(rollout: Rollout) -> float:
    tags = {*rollout.obs, *rollout.logprobs, *rollout.values, *rollout.rewards, *rollout.next_values}
    assert len(tags) == 1, f"a torn segment: {sorted(tags)[:5]}"
    return tags.pop()


# --- weights board ------------------------------------------------------------------------
def test_board_publish_and_read_round_trip():
    shared = NativeSharedBuffer(bytearray(board_bytes(10)))
    board = WeightsBoard(shared, 10, shape_hash=1234).initialize()
    board.check()
    assert board.read_if_newer(0) is None
    assert board.publish(array("f", range(10)), train_step=3_000_000_000) == 1
    version, step, params = board.read_if_newer(0)
    assert (version, step, list(params)) == (1, 3_000_000_000, list(map(float, range(10))))
    assert board.read_if_newer(1) is None
    board.publish(array("f", [7.0] * 10), train_step=5)
    assert board.read_if_newer(1)[0] == 2


def test_board_refuses_a_different_model():
    shared = NativeSharedBuffer(bytearray(board_bytes(10)))
    WeightsBoard(shared, 10, shape_hash=1).initialize()
    with pytest.raises(ValueError, match="shape hash"):
        WeightsBoard(shared, 10, shape_hash=2).check()
    with pytest.raises(ValueError, match="publish needs 10"):
        WeightsBoard(shared, 10, shape_hash=1).publish(array("f", [0.0] * 9), 0)


def _publisher(name, condition, num_params, versions):
    memory = shared_memory.SharedMemory(name=name)
    board = WeightsBoard(NativeSharedBuffer(memory.buf, condition), num_params, shape_hash=9)
    for version in range(1, versions + 1):
        board.publish(array("f", [float(version)] * num_params), train_step=version)
    del board
    memory.close()


def test_board_reads_are_never_torn_under_a_concurrent_writer():
    num_params, versions = 50_000, 300
    memory = shared_memory.SharedMemory(create=True, size=board_bytes(num_params))
    try:
        condition = CTX.Condition()
        board = WeightsBoard(NativeSharedBuffer(memory.buf, condition), num_params, shape_hash=9).initialize()
        writer = CTX.Process(target=_publisher, args=(memory.name, condition, num_params, versions))
        writer.start()
        seen, last = [], 0
        while last < versions:
            result = board.read_if_newer(last)
            if result is None:
                continue
            version, step, params = result
            assert step == version and params[0] == params[-1] == float(version)
            assert params.count(float(version)) == num_params   # every value from the same publish
            seen.append(version)
            last = version
        writer.join(timeout=60)
        assert seen == sorted(seen) and seen[-1] == versions and len(seen) > 1
        del board, params
    finally:
        memory.close()
        memory.unlink()


# --- rollout ring --------------------------------------------------------------------------
def test_ring_round_trip_keeps_every_field():
    ring = RolloutRing(NativeSharedBuffer(bytearray(ring_bytes(2, LAYOUT.nbytes))), LAYOUT, 2).initialize()
    rollout = make_rollout(3.0, episodes=2)
    rollout.dones[5] = 1.0
    rollout.valid[6] = 0.0
    ring.put(rollout, producer=7, policy_version=11, outcomes=(1, 0, 1))
    got, info = ring.get(timeout_s=1)
    for name, _, _ in LAYOUT.fields():
        assert list(getattr(got, name)) == list(getattr(rollout, name)), name
    assert info == {"ticket": 0, "producer": 7, "policy_version": 11, "wins": 1, "draws": 0, "losses": 1}
    assert ring.get(timeout_s=0.1) is None
    assert ring.stats()["written"] == ring.stats()["read"] == 1


def _produce(name, condition, producer, count, num_slots):
    memory = shared_memory.SharedMemory(name=name)
    ring = RolloutRing(NativeSharedBuffer(memory.buf, condition), LAYOUT, num_slots)
    for k in range(count):
        ring.put(make_rollout(producer * 1000 + k), producer=producer, policy_version=k)
    del ring
    memory.close()


def test_ring_with_concurrent_producer_processes_loses_and_duplicates_nothing():
    producers, per_producer, num_slots = 3, 40, 4
    memory = shared_memory.SharedMemory(create=True, size=ring_bytes(num_slots, LAYOUT.nbytes))
    try:
        condition = CTX.Condition()
        ring = RolloutRing(NativeSharedBuffer(memory.buf, condition), LAYOUT, num_slots).initialize()
        workers = [CTX.Process(target=_produce, args=(memory.name, condition, p, per_producer, num_slots))
                   for p in range(producers)]
        for worker in workers:
            worker.start()
        received = {p: [] for p in range(producers)}
        tickets = []
        for _ in range(producers * per_producer):
            rollout, info = ring.get(timeout_s=30)
            tag = tag_of(rollout)
            assert int(tag) // 1000 == info["producer"] and info["policy_version"] == int(tag) % 1000
            received[info["producer"]].append(int(tag) % 1000)
            tickets.append(info["ticket"])
        for worker in workers:
            worker.join(timeout=30)
        assert tickets == list(range(producers * per_producer))          # FIFO, no gaps
        assert all(received[p] == list(range(per_producer)) for p in received)  # none lost or duplicated
        assert ring.get(timeout_s=0.1) is None
        assert ring.stats()["producer_waits"] > 0                         # the ring was full: producers blocked
        del ring, rollout
    finally:
        memory.close()
        memory.unlink()


def test_ring_with_producer_threads():
    num_slots = 2
    ring = RolloutRing(NativeSharedBuffer(bytearray(ring_bytes(num_slots, LAYOUT.nbytes))), LAYOUT, num_slots).initialize()
    threads = [threading.Thread(target=lambda p=p: [ring.put(make_rollout(p * 1000 + k), p, k) for k in range(25)])
               for p in range(4)]
    for thread in threads:
        thread.start()
    tags = sorted(tag_of(ring.get(timeout_s=10)[0]) for _ in range(100))
    for thread in threads:
        thread.join()
    assert tags == sorted(float(p * 1000 + k) for p in range(4) for k in range(25))


def test_a_failed_producer_is_skipped_not_waited_for():
    ring = RolloutRing(NativeSharedBuffer(bytearray(ring_bytes(2, LAYOUT.nbytes))), LAYOUT, 2).initialize()
    broken = make_rollout(1.0)
    broken.values = array("f", [1.0])   # wrong length: fails after the slot was taken
    with pytest.raises(ValueError, match="values"):
        ring.put(broken, 0, 0)
    ring.put(make_rollout(2.0), 0, 0)
    rollout, info = ring.get(timeout_s=1)
    assert tag_of(rollout) == 2.0 and info["ticket"] == 1
    assert ring.stats()["abandoned"] == 1


def test_stop_releases_a_blocked_producer_and_consumer():
    ring = RolloutRing(NativeSharedBuffer(bytearray(ring_bytes(1, LAYOUT.nbytes))), LAYOUT, 1).initialize()
    ring.put(make_rollout(1.0), 0, 0)
    outcome = []

    def blocked_put():
        try:
            ring.put(make_rollout(2.0), 0, 0)
        except RingStopped:
            outcome.append("released")

    thread = threading.Thread(target=blocked_put)
    thread.start()
    thread.join(timeout=0.3)
    assert thread.is_alive()     # the ring is full: the producer waits
    ring.stop()
    thread.join(timeout=5)
    assert outcome == ["released"]
    with pytest.raises(RingStopped):
        ring.get(timeout_s=1)


def test_segment_shape_mismatch_is_refused():
    ring = RolloutRing(NativeSharedBuffer(bytearray(ring_bytes(1, LAYOUT.nbytes))), LAYOUT, 1).initialize()
    other = Rollout(2, 3, *(array("f") for _ in range(8)))
    with pytest.raises(ValueError, match="4x3"):
        ring.put(other, 0, 0)


def test_run_flag_pauses_producers_until_set():
    ring = RolloutRing(NativeSharedBuffer(bytearray(ring_bytes(1, LAYOUT.nbytes))), LAYOUT, 1).initialize()
    assert ring.wait_until_running(timeout_s=0.1) is False
    ring.set_running(True)
    assert ring.wait_until_running(timeout_s=0.1) is True
    ring.stop()
    with pytest.raises(RingStopped):
        ring.wait_until_running(timeout_s=0.1)


def test_board_wait_for_version_returns_once_published():
    board = WeightsBoard(NativeSharedBuffer(bytearray(board_bytes(4))), 4, shape_hash=1).initialize()
    assert board.wait_for_version(0, timeout_s=0.05) is False
    board.publish(array("f", [1.0] * 4), 0)
    assert board.wait_for_version(0, timeout_s=0.05) is True


def test_board_first_version_starts_the_count_and_readers_from_0_still_wait():
    board = WeightsBoard(NativeSharedBuffer(bytearray(board_bytes(4))), 4, shape_hash=1).initialize(first_version=50)
    assert board.version == 49 and not board.published()
    assert board.read_if_newer(0) is None  # a reader starting from 0 sees nothing until the first publish
    assert board.wait_for_version(0, timeout_s=0.05) is False
    publisher = threading.Timer(0.05, board.publish, (array("f", [2.0] * 4), 7))
    publisher.start()
    assert board.wait_for_version(0, timeout_s=5.0) is True  # woken by the first publish
    publisher.join()
    assert board.published() and board.read_if_newer(0) == (50, 7, array("f", [2.0] * 4))
    assert board.read_if_newer(50) is None
    assert board.publish(array("f", [3.0] * 4), 8) == 51


@pytest.mark.parametrize("first_version", [0, -1, True, 1.0, "2", 2**31 - 1])
def test_board_first_version_must_be_a_positive_int32(first_version):
    with pytest.raises(ValueError, match="first_version must be an int in"):
        WeightsBoard(NativeSharedBuffer(bytearray(board_bytes(4))), 4, shape_hash=1).initialize(first_version)
