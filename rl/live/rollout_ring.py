"""The rollout ring: rollout workers (N producers) hand finished rollout
segments to the trainer (1 consumer) through shared memory, in order, with no
segment lost, duplicated or overwritten.

Tickets make it FIFO. A producer atomically takes ticket t; ticket t may only
use slot t % S, and only once the consumer has freed that slot from ticket
t - S (the slot's EXPECT field says which ticket may write next):

    producer (ticket t, slot s = t % S)          consumer (ticket t = next_read, slot s)
      wait until EXPECT[s] == t  (ring full:      wait until STATE[s] == READY and TICKET[s] == t
        counted in PRODUCER_WAITS)                  (or ABANDONED: skip it)
      copy the segment into slot s                copy the segment out
      TICKET[s] = t; STATE[s] = READY; notify     STATE[s] = FREE; EXPECT[s] = t + S; notify
                                                  next_read = t + 1

Producers block when the ring is full (nothing is ever dropped); a producer
that fails after taking its slot marks it ABANDONED so the consumer moves on
(one killed while still waiting for its slot leaves a gap the consumer waits
at: recreate the ring then). `stop()` releases everyone. Byte layout: rl/live/layout.py.
"""

from array import array

from rl.live.layout import (
    ABANDONED, FREE, READY, RING_NEXT_READ, RING_NEXT_TICKET, RING_RUN, RING_NUM_SLOTS, RING_PRODUCER_WAITS,
    RING_SEGMENT_BYTES, RING_SEGMENTS_ABANDONED, RING_SEGMENTS_READ, RING_SEGMENTS_WRITTEN, RING_STOP, SEGMENT_DRAWS,
    SEGMENT_EXPECT, SEGMENT_LOSSES, SEGMENT_NUM_EPISODES, SEGMENT_POLICY_VERSION, SEGMENT_PRODUCER, SEGMENT_STATE,
    SEGMENT_TICKET, SEGMENT_WINS, WRITING, SegmentLayout, ring_header_bytes, ring_slot_header,
)
from rl.rollout import Rollout

POLL_SECONDS = 0.05   # blocked parties re-check the stop flag this often


class RingStopped(Exception):
    """The ring was stopped while waiting on it."""


class RolloutRing:
    def __init__(self, shared, layout: SegmentLayout, num_slots: int):
        if num_slots < 1:
            raise ValueError(f"num_slots must be >= 1, got {num_slots}")
        self.shared, self.layout, self.num_slots = shared, layout, num_slots
        self.offsets = layout.offsets()

    def initialize(self) -> "RolloutRing":
        """Lay out a fresh ring (the creator does this once, before any producer)."""
        self.shared.store(RING_NUM_SLOTS, self.num_slots)
        self.shared.store(RING_SEGMENT_BYTES, self.layout.nbytes)
        for slot in range(self.num_slots):
            self.shared.store(ring_slot_header(slot) + SEGMENT_EXPECT, slot)
        return self

    def payload_offset(self, slot: int) -> int:
        return ring_header_bytes(self.num_slots) + slot * self.layout.nbytes

    # --- producer -------------------------------------------------------------------------
    def put(self, rollout: Rollout, producer: int, policy_version: int, outcomes=(0, 0, 0)) -> int:
        """Copy `rollout` into the ring (blocking while it is full); returns its ticket.

        `outcomes` = (wins, draws, losses) of the episodes that ended in it.
        """
        if (rollout.num_steps, rollout.num_envs) != (self.layout.num_steps, self.layout.num_envs):
            raise ValueError(f"the ring carries {self.layout.num_steps}x{self.layout.num_envs} segments, "
                             f"got {rollout.num_steps}x{rollout.num_envs}")
        ticket = self.shared.add(RING_NEXT_TICKET, 1)
        slot = ticket % self.num_slots
        header = ring_slot_header(slot)
        try:
            if self.shared.load(header + SEGMENT_EXPECT) != ticket:
                self.shared.add(RING_PRODUCER_WAITS, 1)
            self._wait_until(header + SEGMENT_EXPECT, lambda value: value == ticket)
            self.shared.store(header + SEGMENT_STATE, WRITING)
            base = self.payload_offset(slot)
            episodes = len(rollout.episode_returns)
            for name, (typecode, offset, count) in self.offsets.items():
                values = getattr(rollout, name)
                if name.startswith("episode_"):
                    values = array(typecode, values)
                elif len(values) != count:
                    raise ValueError(f"rollout field {name} has {len(values)} values, the ring expects {count}")
                self.shared.write(base + offset, values)
            for field, value in ((SEGMENT_PRODUCER, producer), (SEGMENT_POLICY_VERSION, policy_version),
                                 (SEGMENT_NUM_EPISODES, episodes), (SEGMENT_WINS, outcomes[0]),
                                 (SEGMENT_DRAWS, outcomes[1]), (SEGMENT_LOSSES, outcomes[2]),
                                 (SEGMENT_TICKET, ticket)):
                self.shared.store(header + field, value)
            self.shared.store(header + SEGMENT_STATE, READY)
            self.shared.add(RING_SEGMENTS_WRITTEN, 1)
        except BaseException:
            if self.shared.load(header + SEGMENT_EXPECT) == ticket:
                self.shared.store(header + SEGMENT_TICKET, ticket)
                self.shared.store(header + SEGMENT_STATE, ABANDONED)
                self.shared.add(RING_SEGMENTS_ABANDONED, 1)
            raise
        finally:
            self.shared.notify(header + SEGMENT_STATE)
        return ticket

    # --- consumer -------------------------------------------------------------------------
    def get(self, timeout_s: float | None = None) -> tuple[Rollout, dict] | None:
        """The next segment in ticket order as (Rollout, header), or None on timeout.

        Abandoned slots are skipped. Raises RingStopped once stop() was called.
        """
        while True:
            ticket = self.shared.load(RING_NEXT_READ)
            slot = ticket % self.num_slots
            header = ring_slot_header(slot)

            def arrived(_state):
                return (self.shared.load(header + SEGMENT_TICKET) == ticket
                        and self.shared.load(header + SEGMENT_STATE) in (READY, ABANDONED))

            if not self._wait_until(header + SEGMENT_STATE, arrived, timeout_s):
                return None
            state = self.shared.load(header + SEGMENT_STATE)
            result = self._copy_out(slot, header) if state == READY else None
            self.shared.store(header + SEGMENT_STATE, FREE)
            self.shared.store(RING_NEXT_READ, ticket + 1)
            self.shared.store(header + SEGMENT_EXPECT, ticket + self.num_slots)
            self.shared.notify(header + SEGMENT_EXPECT)
            if result is not None:
                self.shared.add(RING_SEGMENTS_READ, 1)
                return result

    def _copy_out(self, slot: int, header: int) -> tuple[Rollout, dict]:
        base = self.payload_offset(slot)
        episodes = self.shared.load(header + SEGMENT_NUM_EPISODES)
        fields = {}
        for name, (typecode, offset, count) in self.offsets.items():
            fields[name] = self.shared.read(base + offset, typecode, episodes if name.startswith("episode_") else count)
        fields["episode_returns"] = fields["episode_returns"].tolist()
        fields["episode_lengths"] = fields["episode_lengths"].tolist()
        info = {"ticket": self.shared.load(header + SEGMENT_TICKET),
                "producer": self.shared.load(header + SEGMENT_PRODUCER),
                "policy_version": self.shared.load(header + SEGMENT_POLICY_VERSION),
                "wins": self.shared.load(header + SEGMENT_WINS), "draws": self.shared.load(header + SEGMENT_DRAWS),
                "losses": self.shared.load(header + SEGMENT_LOSSES)}
        return Rollout(self.layout.num_steps, self.layout.num_envs, **fields), info

    # --- control --------------------------------------------------------------------------
    def set_running(self, running: bool) -> None:
        """The RUN flag: producers collect while it is set and pause while it is not (Stop)."""
        self.shared.store(RING_RUN, int(running))
        self.shared.notify(RING_RUN)

    def wait_until_running(self, timeout_s: float) -> bool:
        """Block up to `timeout_s` for the RUN flag; True once set. Raises RingStopped after stop()."""
        return self._wait_until(RING_RUN, bool, timeout_s)

    def stop(self) -> None:
        """Release every producer and the consumer (they raise RingStopped)."""
        self.shared.store(RING_STOP, 1)
        for slot in range(self.num_slots):
            self.shared.notify(ring_slot_header(slot) + SEGMENT_EXPECT)
            self.shared.notify(ring_slot_header(slot) + SEGMENT_STATE)

    def stats(self) -> dict:
        """Counters for the UI: written, read, abandoned, producer waits, occupancy."""
        written = self.shared.load(RING_SEGMENTS_WRITTEN)
        read = self.shared.load(RING_SEGMENTS_READ)
        return {"written": written, "read": read, "abandoned": self.shared.load(RING_SEGMENTS_ABANDONED),
                "producer_waits": self.shared.load(RING_PRODUCER_WAITS), "occupancy": written - read,
                "slots": self.num_slots}

    def _wait_until(self, index: int, condition, timeout_s: float | None = None) -> bool:
        """Block until condition(value at index) holds; False on timeout."""
        waited = 0.0
        while True:
            if self.shared.load(RING_STOP):
                raise RingStopped("the rollout ring was stopped")
            value = self.shared.load(index)
            if condition(value):
                return True
            if timeout_s is not None and waited >= timeout_s:
                return False
            self.shared.wait(index, value, POLL_SECONDS)
            waited += POLL_SECONDS
