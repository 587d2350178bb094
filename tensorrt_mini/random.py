"""Random number state: `Generator`, `manual_seed`, `seed`, `initial_seed`, `get_rng_state`.

One seed drives every device. The CPU draws torch's CPU sequence: a 32-bit mt19937 seeded
with the seed mod 2^32 (kernels/cpu/rng.py), plus the float64 normal that torch's generator
keeps between scalar normal draws. Its state as bytes has the layout of torch's CPU state
(5056 bytes), so tm and torch can exchange states. The cuda backend's counter-based
(Philox) stream reads `initial_seed()` and advances `offset`.
"""
import secrets

import numpy as np

from . import dtypes as D
from .device import as_device
from .kernels.cpu import rng
from .storage import CPUStorage
from ._tensor import Tensor, _new

_DEFAULT_SEED = 67280421310721  # PyTorch's default seed, so unseeded runs are repeatable
_WORDS = 624

# torch's CPUGeneratorImplState: (byte offset, numpy dtype) of each field used here
_STATE_SIZE = 5056
_SEED, _LEFT, _SEEDED, _NEXT, _KEY = (0, np.uint64), (8, np.int32), (12, np.int32), \
    (16, np.uint64), (24, np.uint64)
_NORMAL, _NORMAL_VALID = (5024, np.float64), (5040, np.int32)
_FLOAT_NORMAL, _FLOAT_NORMAL_VALID = (5048, np.float32), (5052, np.uint8)


def _field(buf, field, count=1):
    offset, dtype = field
    return buf[offset:offset + count * np.dtype(dtype).itemsize].view(dtype)


class Generator:
    def __init__(self, device="cpu"):
        self.device = as_device(device)
        self._pos = np.zeros(1, np.int64)
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        seed = int(seed)
        if not -(1 << 63) <= seed < 1 << 64:
            raise ValueError("Overflow when unpacking long long")
        self._seed = seed % (1 << 64)
        self._key = rng.mt_key(self._seed)
        self._pos[0] = _WORDS
        self._fresh = True  # no draw since seeding: torch's state says next=0, not 624
        self.normal = None  # the second float64 normal of a scalar pair, kept for the next
        self._float_normal = None  # torch's float cache: its CPU kernels leave it unused
        self.offset = 0
        return self

    def initial_seed(self):
        return self._seed

    def seed(self):
        """Reseed from a non-deterministic source and return the new seed."""
        return self.manual_seed(secrets.randbits(64))._seed

    def random32(self, n):
        """The next n 32-bit draws (uint32)."""
        out = np.empty(n, np.uint32)
        if n:
            rng.mt_draw(self._key, self._pos, out)
            self._fresh = False
        return out

    def get_state(self):
        buf = np.zeros(_STATE_SIZE, np.uint8)
        pos = int(self._pos[0])
        _field(buf, _SEED)[0] = self._seed
        _field(buf, _SEEDED)[0] = 1
        _field(buf, _LEFT)[0] = _WORDS + 1 - pos
        _field(buf, _NEXT)[0] = 0 if self._fresh else pos
        _field(buf, _KEY, _WORDS)[:] = self._key
        if self.normal is not None:
            _field(buf, _NORMAL)[0] = self.normal
            _field(buf, _NORMAL_VALID)[0] = 1
        if self._float_normal is not None:
            _field(buf, _FLOAT_NORMAL)[0] = self._float_normal
            _field(buf, _FLOAT_NORMAL_VALID)[0] = 1
        return _new(CPUStorage(buf, D.uint8), (_STATE_SIZE,), (1,), 0)

    def set_state(self, new_state):
        if not isinstance(new_state, Tensor) or new_state.dtype is not D.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        buf = np.ascontiguousarray(np.asarray(new_state)).reshape(-1)
        if buf.size != _STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_SIZE} but "
                               f"found the input RNG state size to be {buf.size}")
        left, nxt = int(_field(buf, _LEFT)[0]), int(_field(buf, _NEXT)[0])
        if not 1 <= left <= _WORDS + 1:
            raise RuntimeError("The input RNG state is invalid: its 'left' is out of range")
        self._seed = int(_field(buf, _SEED)[0])
        self._key = _field(buf, _KEY, _WORDS).astype(np.uint32)
        self._pos[0] = _WORDS + 1 - left
        self._fresh = left == 1 and nxt == 0
        self.normal = float(_field(buf, _NORMAL)[0]) if _field(buf, _NORMAL_VALID)[0] else None
        self._float_normal = float(_field(buf, _FLOAT_NORMAL)[0]) \
            if _field(buf, _FLOAT_NORMAL_VALID)[0] else None
        return self

    def next_offset(self, n):
        """Reserve n counter values for a device draw and return the first."""
        start = self.offset
        self.offset += n
        return start


default_generator = Generator()


def generator_or_default(generator):
    """The generator a random function was given (None: the default one)."""
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"expected a torch.Generator, but got {type(generator).__name__}")
    return generator


def manual_seed(seed):
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)
