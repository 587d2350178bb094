"""Batched products of many small matrices on the CPU: single-threaded BLAS calls spread
over a few threads, a slice of the batch each.

OpenBLAS splits each GEMM over its own threads, which meet at barriers inside the call.
On a busy machine (here 2 vCPUs shared by several processes, load average 8-9) a barrier
waits until the scheduler runs both threads at once, and a batch of small GEMMs pays that
in every call: 32 products (512x64)(64x512) took 1.35 s with OpenBLAS's two threads and
0.07-0.08 s with one (numpy alone, same run), and two Python threads each running one
BLAS thread over half the batch took 0.076 s. Threads that each own a whole slice of the
batch meet once per call instead.

OpenBLAS's thread count is process-wide: it is set to 1 only while such products run
(counted, so overlapping calls from several threads restore it once), and a product that
another thread starts meanwhile runs single-threaded, which is slower but no different.
Where the library is not numpy's OpenBLAS, the products run as one np.matmul.
"""
import ctypes
import glob
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

SPREAD_MIN = 1 << 22  # multiply-adds below which one np.matmul call is cheaper than a pool


def _openblas_thread_setters():
    """(get, set) of numpy's OpenBLAS thread count, or None where it cannot be found."""
    libs = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    for path in sorted(glob.glob(os.path.join(libs, "*openblas*"))):
        try:
            lib = ctypes.CDLL(path)  # (the copy numpy loaded: same file, same handle)
        except OSError:
            continue
        for prefix, suffix in (("scipy_openblas", "64_"), ("scipy_openblas", ""),
                               ("openblas", "64_"), ("openblas", "")):
            get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
            put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
            if get is not None and put is not None:
                put.argtypes = [ctypes.c_int]
                return get, put
    return None


class _SingleThreadedBlas:
    """A context in which OpenBLAS runs each call in its caller's thread."""

    def __init__(self, setters):
        self._get, self._set = setters
        self._lock = threading.Lock()
        self._users = 0
        self._saved = 1

    def __enter__(self):
        with self._lock:
            if not self._users:
                self._saved = self._get()
                self._set(1)
            self._users += 1

    def __exit__(self, *exc):
        with self._lock:
            self._users -= 1
            if not self._users:
                self._set(self._saved)


_setters = _openblas_thread_setters()
_single = _SingleThreadedBlas(_setters) if _setters is not None else None
_workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
_pool = None
_pool_lock = threading.Lock()


def _forget_pool():
    """A forked child has none of the parent's threads: it starts its own pool, and a
    fresh count of users (a lock held in the parent at the fork stays held in the child)."""
    global _pool, _pool_lock, _single
    _pool, _pool_lock = None, threading.Lock()
    if _setters is not None:
        _single = _SingleThreadedBlas(_setters)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _get_pool():
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_workers, thread_name_prefix="tm-gemm")
        return _pool


def matmul_spread(out, a, b):
    """out[...] = a @ b for numpy arrays whose batch dims broadcast to out's (out is
    C-contiguous), a slice of the batch's longest dim per thread."""
    batch = out.shape[:-2]
    axis = max(range(len(batch)), key=batch.__getitem__, default=None)  # (the longest)
    work = out.size * a.shape[-1]
    if _single is None or _workers < 2 or axis is None or batch[axis] < 2 or work < SPREAD_MIN:
        np.matmul(a, b, out=out)
        return
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    n = batch[axis]
    bounds = [n * i // _workers for i in range(_workers + 1)]
    lead = (slice(None),) * axis

    def part(i):
        s = lead + (slice(bounds[i], bounds[i + 1]),)
        np.matmul(a[s], b[s], out=out[s])
    with _single:
        pool = _get_pool()
        futures = [pool.submit(part, i) for i in range(_workers) if bounds[i] < bounds[i + 1]]
        for f in futures:  # (all finish before OpenBLAS gets its threads back)
            f.exception()
    for f in futures:
        f.result()
