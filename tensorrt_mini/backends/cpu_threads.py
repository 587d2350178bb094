"""The thread pool behind Numba's parallel kernels: TBB where installed, else OpenMP.

Measured on a 2-vCPU VM (bench/NOTES.md, 2026-11-26):
- OpenMP workers that spin after a kernel (libgomp's default) share the cores with the
  next matmul's OpenBLAS threads, and the scheduler's time slices stall the whole GEMM:
  an MLP training step took 2.5x torch's time.
- OpenMP workers that sleep at once (OMP_WAIT_POLICY=PASSIVE) keep BLAS fast, but waking
  a sleeping vCPU costs 50 µs, and far more after an idle spell: a 4096² sum() that takes
  1.1 ms in a loop took 1.7 ms right after a 0.1 s pause.
- TBB's workers spin briefly, yield, then sleep: MLP step 1.04x torch and the sum 1.07x,
  both in one run. TBB is also fork-safe, which GNU OpenMP is not. So the `tbb` wheel is
  a dependency on x86-64 Linux (there are no aarch64 wheels).

The pool starts lazily, before the first parallel kernel (or reduction plan), so a
process that only runs small ops never starts threads, and one that forks early is safe.
Numba's default layer tries TBB first; the wheel only needs its library loaded, as it
sits in <prefix>/lib, off the loader's path. A user's NUMBA_THREADING_LAYER (or
numba.config.THREADING_LAYER set in code) still decides.

On OpenMP, PASSIVE is set only while the pool starts and then taken back: libgomp reads
its environment once, when it loads, so torch's own libgomp and child processes keep
their defaults. A user's OMP_WAIT_POLICY wins. If torch was imported first, Numba's
OpenMP layer binds torch's libgomp, and its settings stand.
"""
import ctypes
import os
import sys

import numba

_started = False


def _load_tbb():
    """Load libtbb globally, where Numba's TBB layer finds it; whether that worked."""
    for prefix in dict.fromkeys((sys.prefix, sys.base_prefix)):
        for lib in (os.path.join(prefix, "lib", "libtbb.so.12"), "libtbb.so.12"):
            try:
                ctypes.CDLL(lib, mode=ctypes.RTLD_GLOBAL)
                return True
            except OSError:
                continue
    return False


def ensure_started():
    """Start Numba's pool under our settings, once (a no-op when it already runs)."""
    global _started
    if _started:
        return
    _load_tbb()
    if "OMP_WAIT_POLICY" in os.environ:
        numba.get_num_threads()  # launches the pool
    else:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
        try:
            numba.get_num_threads()  # launches the pool: a libgomp loading now reads this
        finally:
            del os.environ["OMP_WAIT_POLICY"]
    _started = True
