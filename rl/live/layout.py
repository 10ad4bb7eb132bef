"""Byte layouts of the shared memory between workers: the one definition both
hosts use (browser: a SharedArrayBuffer; CPython: a bytearray or
multiprocessing.shared_memory). docs/shared_memory.md draws the same layouts.

Everything is little-endian; int32 fields are indexed in int32 units
(byte offset / 4) because that is how Atomics address them.

Weights board (one writer: the trainer; many readers)

    int32 [0 .. 8)    board control            BOARD_*
    int32 [8 .. 16)   slot 0 header            SLOT_* (+ 8)
    int32 [16 .. 24)  slot 1 header            SLOT_* (+ 16)
    f32   [24 .. 24 + P)        slot 0 parameters
    f32   [24 + P .. 24 + 2P)   slot 1 parameters

Rollout ring (N producers: rollout workers; one consumer: the trainer)

    int32 [0 .. 16)                     ring control                  RING_*
    int32 [16 + 16 s .. 32 + 16 s)      header of slot s (s < S)      SEGMENT_*
    bytes [RING_HEADER_BYTES(S) + s * segment_bytes ...)   payload of slot s,
          laid out by SegmentLayout (one field after another, 4-byte aligned)
"""

from dataclasses import dataclass

# --- weights board -------------------------------------------------------------------
BOARD_ACTIVE_SLOT = 0      # slot readers should copy (0 or 1)
BOARD_VERSION = 1          # policy version of the active slot; first_version - 1 (default 0) until the first publish
BOARD_SHAPE_HASH = 2       # rl.model.shape_hash of the layout the slots hold
BOARD_NUM_PARAMS = 3       # P, float32 values per slot
BOARD_CONTROL_INTS = 8
SLOT_SEQUENCE = 0          # seqlock: odd while the slot is being written
SLOT_VERSION = 1           # policy version held by the slot
SLOT_TRAIN_STEP_LOW = 2    # env steps trained on, low 31 bits ...
SLOT_TRAIN_STEP_HIGH = 3   # ... and the bits above
SLOT_HEADER_INTS = 8
BOARD_PARAMS_INT = BOARD_CONTROL_INTS + 2 * SLOT_HEADER_INTS   # int32 index where slot 0's floats start


def board_slot_header(slot: int) -> int:
    """int32 index of slot `slot`'s header."""
    return BOARD_CONTROL_INTS + slot * SLOT_HEADER_INTS


def board_params_offset(slot: int, num_params: int) -> int:
    """Byte offset of slot `slot`'s parameters."""
    return 4 * (BOARD_PARAMS_INT + slot * num_params)


def board_bytes(num_params: int) -> int:
    return 4 * (BOARD_PARAMS_INT + 2 * num_params)


# --- rollout ring --------------------------------------------------------------------
RING_NEXT_TICKET = 0       # producers atomically add 1 to claim ticket t -> slot t % S
RING_NEXT_READ = 1         # the consumer's next ticket
RING_STOP = 2              # 1: everyone blocked on the ring returns
RING_NUM_SLOTS = 3         # S
RING_SEGMENT_BYTES = 4     # bytes of one slot's payload
RING_PRODUCER_WAITS = 5    # times a producer found its slot still full (back-pressure)
RING_SEGMENTS_WRITTEN = 6
RING_SEGMENTS_READ = 7
RING_SEGMENTS_ABANDONED = 8  # claimed by a producer that failed before writing
RING_RUN = 9               # 1: rollout workers collect; 0: they pause (training stopped)
RING_CONTROL_INTS = 16

SEGMENT_STATE = 0          # FREE, WRITING, READY, ABANDONED
SEGMENT_TICKET = 1         # ticket of the segment in the slot
SEGMENT_EXPECT = 2         # the only ticket allowed to write the slot next (s, s + S, s + 2S, ...)
SEGMENT_PRODUCER = 3       # id of the worker that wrote it
SEGMENT_POLICY_VERSION = 4  # weights version the worker acted with
SEGMENT_NUM_EPISODES = 5   # episodes that ended inside the segment
SEGMENT_WINS = 6           # their outcomes from the learner's view
SEGMENT_DRAWS = 7
SEGMENT_LOSSES = 8
SEGMENT_HEADER_INTS = 16

FREE, WRITING, READY, ABANDONED = 0, 1, 2, 3


def ring_slot_header(slot: int) -> int:
    """int32 index of slot `slot`'s header."""
    return RING_CONTROL_INTS + slot * SEGMENT_HEADER_INTS


def ring_header_bytes(num_slots: int) -> int:
    return 4 * (RING_CONTROL_INTS + num_slots * SEGMENT_HEADER_INTS)


def ring_bytes(num_slots: int, segment_bytes: int) -> int:
    return ring_header_bytes(num_slots) + num_slots * segment_bytes


@dataclass(frozen=True)
class SegmentLayout:
    """The payload of one ring slot: one rl.rollout.Rollout of T steps x E envs.

    Fields, in order (typecode, count); all flat and time-major like Rollout:
        obs             f  T*E*obs_size
        actions         i  T*E
        logprobs, values, rewards, next_values, dones, valid     f  T*E each
        episode_returns f  T*E   (first SEGMENT_NUM_EPISODES entries used)
        episode_lengths i  T*E
    """

    num_steps: int
    num_envs: int
    obs_size: int

    def fields(self) -> list[tuple[str, str, int]]:
        n = self.num_steps * self.num_envs
        return [("obs", "f", n * self.obs_size), ("actions", "i", n), ("logprobs", "f", n), ("values", "f", n),
                ("rewards", "f", n), ("next_values", "f", n), ("dones", "f", n), ("valid", "f", n),
                ("episode_returns", "f", n), ("episode_lengths", "i", n)]

    def offsets(self) -> dict[str, tuple[str, int, int]]:
        """name -> (typecode, byte offset within the payload, count)."""
        offsets, offset = {}, 0
        for name, typecode, count in self.fields():
            offsets[name] = (typecode, offset, count)
            offset += 4 * count
        return offsets

    @property
    def nbytes(self) -> int:
        return sum(4 * count for _, _, count in self.fields())
