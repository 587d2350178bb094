"""Large host buffers are reused instead of returned to the system.

A fresh buffer from the system arrives as untouched pages: the first write to each page
faults, and the kernel zeroes it. For a 64 MiB output that costs 5-8 ms on the 2-vCPU
machine, as much as exp itself (8.6 ms into a reused buffer, 16.4 ms into a fresh one;
bench/NOTES.md). So a storage of at least POOL_MIN bytes that dies with no other
reference to its memory (no numpy view, no DLPack consumer) leaves its buffer in a pool
keyed by size, and the next allocation of that size takes it. The pool holds at most
POOL_MAX bytes; torch's CPU allocator keeps none.
"""
import sys
import threading

import numpy as np

from ..storage import CPUStorage

POOL_MIN = 1 << 20
POOL_MAX = 1 << 30
PER_SIZE = 4  # buffers kept of one size

_lock = threading.Lock()
_free = {}  # nbytes -> [raw uint8 buffers]
_held = 0  # bytes in the pool


class _Probe:
    def __del__(self):
        global _DYING
        _DYING = sys.getrefcount(self)


_DYING = None
_Probe()  # how many references a finalizer sees when the last one was just dropped


class PooledStorage(CPUStorage):
    """A CPUStorage whose buffer goes back to the pool when it dies unshared."""

    __slots__ = ()

    def __del__(self):
        if sys is None or sys.getrefcount(self) != _DYING:
            return  # finalised by the cycle collector, which may still resurrect it
        array = self.array
        raw = array.base
        # references to the typed array: the slot, `array`, getrefcount's argument; to the
        # raw buffer: the typed array's base, `raw`, the argument. numpy points every view
        # (t.numpy(), np.asarray(t), slices) at the buffer that owns the memory, so any
        # view alive, or anyone holding the array itself, makes a count higher
        if sys.getrefcount(array) == 3 and sys.getrefcount(raw) == 3:
            _give_back(raw)


def empty(numel, dtype):
    """A storage of numel elements of dtype, its buffer from the pool where one fits."""
    nbytes = numel * dtype.itemsize
    if nbytes < POOL_MIN:
        return CPUStorage(np.empty(numel, dtype.np), dtype)
    raw = _take(nbytes)
    if raw is None:
        raw = _allocate(nbytes)
    return PooledStorage(raw.view(dtype.np), dtype)


def _allocate(nbytes):
    try:
        return np.empty(nbytes, np.uint8)
    except (MemoryError, ValueError):
        # torch's error type (numpy's MemoryError, or ValueError past its index range)
        raise RuntimeError(f"DefaultCPUAllocator: can't allocate memory: you tried to allocate "
                           f"{nbytes} bytes.") from None


def _take(nbytes):
    global _held
    with _lock:
        stack = _free.get(nbytes)
        if not stack:
            return None
        _held -= nbytes
        return stack.pop()


def _give_back(raw):
    global _held
    if not isinstance(raw, np.ndarray) or raw.base is not None:  # unpickled: bytes
        return
    nbytes = raw.nbytes
    with _lock:
        stack = _free.setdefault(nbytes, [])
        if len(stack) >= PER_SIZE or _held + nbytes > POOL_MAX:
            return
        stack.append(raw)
        _held += nbytes


def release():
    """Return every pooled buffer to the system."""
    global _held
    with _lock:
        _free.clear()
        _held = 0
