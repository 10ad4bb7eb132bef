"""The weights board: how the trainer hands fresh parameters to every reader
(the show match, rollout workers) without locks and without torn reads.

Two float32 slots; the trainer always writes the slot readers are not told to
use, then flips. Each slot is guarded by a seqlock:

    publish (one writer)                       read (any number of readers)
      s = 1 - active                             v = version; if v == last_seen: nothing new
      seq[s] += 1          (odd: writing)        a = active
      copy params -> slot s                      q1 = seq[a]; if odd: retry
      slot version, train step                   copy slot a; its version, train step
      seq[s] += 1          (even: stable)        q2 = seq[a]; if q1 != q2: retry (it was rewritten)
      active = s; version = new; notify

A reader therefore gets exactly the parameters of one publish, labelled with
that publish's version; it never blocks the writer. Byte layout: rl/live/layout.py.

Versions start at `first_version` (1 unless the creator says otherwise, e.g. a
run restored at policy version 50): the board version is first_version - 1
until the first publish. Published slots have versions >= 1, so a reader knows
nothing is published while the active slot's version is still 0, whatever the
board version says; readers that start from 0 need not know first_version.
"""

import time
from array import array

from rl.live.layout import (
    BOARD_ACTIVE_SLOT, BOARD_NUM_PARAMS, BOARD_SHAPE_HASH, BOARD_VERSION, SLOT_SEQUENCE, SLOT_TRAIN_STEP_HIGH,
    SLOT_TRAIN_STEP_LOW, SLOT_VERSION, board_params_offset, board_slot_header,
)

LOW_BITS = 2**31
MAX_VERSION = 2**31 - 1  # versions are int32


class WeightsBoard:
    def __init__(self, shared, num_params: int, shape_hash: int):
        self.shared, self.num_params, self.shape_hash = shared, num_params, shape_hash

    def initialize(self, first_version: int = 1) -> "WeightsBoard":
        """Write the control block of a fresh board (the creator does this once);
        the first publish will get version `first_version`."""
        if not (isinstance(first_version, int) and not isinstance(first_version, bool)
                and 1 <= first_version < MAX_VERSION):
            raise ValueError(f"first_version must be an int in [1, {MAX_VERSION}), got {first_version!r}")
        self.shared.store(BOARD_NUM_PARAMS, self.num_params)
        self.shared.store(BOARD_SHAPE_HASH, self.shape_hash)
        self.shared.store(BOARD_VERSION, first_version - 1)
        return self

    def check(self) -> None:
        """Raise ValueError if the board was made for another model layout."""
        num_params, shape_hash = self.shared.load(BOARD_NUM_PARAMS), self.shared.load(BOARD_SHAPE_HASH)
        if (num_params, shape_hash) != (self.num_params, self.shape_hash):
            raise ValueError(f"the weights board holds {num_params} parameters with shape hash {shape_hash}, "
                             f"this model has {self.num_params} with {self.shape_hash}")

    @property
    def version(self) -> int:
        return self.shared.load(BOARD_VERSION)

    def wait_for_version(self, newer_than: int, timeout_s: float) -> bool:
        """Block up to `timeout_s` until a version newer than `newer_than` is published."""
        current = self.shared.load(BOARD_VERSION)
        if current <= newer_than or not self.published():
            self.shared.wait(BOARD_VERSION, current, timeout_s)
        return self.shared.load(BOARD_VERSION) > newer_than and self.published()

    def published(self) -> bool:
        """Whether anything was published yet (the active slot holds a version >= 1)."""
        return self.shared.load(board_slot_header(self.shared.load(BOARD_ACTIVE_SLOT)) + SLOT_VERSION) > 0

    def publish(self, params: array, train_step: int) -> int:
        """Publish `params` (array('f') of num_params) as the next version; returns it."""
        if len(params) != self.num_params:
            raise ValueError(f"publish needs {self.num_params} parameters, got {len(params)}")
        slot = 1 - self.shared.load(BOARD_ACTIVE_SLOT)
        header = board_slot_header(slot)
        version = self.shared.load(BOARD_VERSION) + 1
        self.shared.add(header + SLOT_SEQUENCE, 1)
        self.shared.write(board_params_offset(slot, self.num_params), params)
        self.shared.store(header + SLOT_VERSION, version)
        self.shared.store(header + SLOT_TRAIN_STEP_LOW, train_step % LOW_BITS)
        self.shared.store(header + SLOT_TRAIN_STEP_HIGH, train_step // LOW_BITS)
        self.shared.add(header + SLOT_SEQUENCE, 1)
        self.shared.store(BOARD_ACTIVE_SLOT, slot)
        self.shared.store(BOARD_VERSION, version)
        self.shared.notify(BOARD_VERSION)
        return version

    def read_if_newer(self, last_version: int) -> tuple[int, int, array] | None:
        """(version, train_step, params) if a version newer than `last_version`
        was published, else None."""
        if self.shared.load(BOARD_VERSION) <= last_version:
            return None
        while True:
            slot = self.shared.load(BOARD_ACTIVE_SLOT)
            header = board_slot_header(slot)
            before = self.shared.load(header + SLOT_SEQUENCE)
            if before % 2:
                time.sleep(0)
                continue
            params = self.shared.read(board_params_offset(slot, self.num_params), "f", self.num_params)
            version = self.shared.load(header + SLOT_VERSION)
            train_step = (self.shared.load(header + SLOT_TRAIN_STEP_HIGH) * LOW_BITS
                          + self.shared.load(header + SLOT_TRAIN_STEP_LOW))
            if self.shared.load(header + SLOT_SEQUENCE) == before:
                return (version, train_step, params) if version > 0 else None  # 0: nothing published yet
