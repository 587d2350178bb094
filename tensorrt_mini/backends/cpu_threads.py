"""The thread pool behind Numba's parallel kernels: TBB where installed, else OpenMP.

Measured on a 2-vCPU VM (bench/NOTES.md, 2026-11-26):
- OpenMP workers that spin after a kernel (libgomp's default) share the cores with the
  next matmul's OpenBLAS threads, and the scheduler's time slices stall the whole GEMM:
  an MLP training step took 2.5x torch's time.
- OpenMP workers that sleep at once (OMP_WAIT_POLICY=PASSIVE) keep BLAS fast, but waking
  a sleeping vCPU costs 50 µs, and far more after an idle spell: a 4096² sum() that takes
  1.1 ms in a loop took 1.7 ms right after a 0.1 s pause.
- TBB's workers spin briefly, yield, then sleep: MLP step 1.04x torch and the sum 1.07x,
  both in one run. So the `tbb` wheel is a dependency on Linux.

Settings never leak: libgomp reads its environment once, when it loads, so PASSIVE is
set only around the pool's start and taken back (torch's own libgomp and child processes
keep their defaults). A user's NUMBA_THREADING_LAYER or OMP_WAIT_POLICY wins. If torch
was imported first, Numba's OpenMP layer binds torch's libgomp and its settings stand.
"""
import ctypes
import os
import sys

import numba


def _load_tbb():
    """Whether libtbb could be loaded. The pip wheel puts it in <prefix>/lib, off the
    loader's path, where Numba's TBB layer would not find it: load it globally first."""
    for lib in (os.path.join(sys.prefix, "lib", "libtbb.so.12"), "libtbb.so.12"):
        try:
            ctypes.CDLL(lib, mode=ctypes.RTLD_GLOBAL)
            return True
        except OSError:
            continue
    return False


def start():
    """Pick the layer and launch the pool (before any parallel kernel runs)."""
    if "NUMBA_THREADING_LAYER" not in os.environ and _load_tbb():
        numba.config.THREADING_LAYER = "tbb"
        try:
            numba.get_num_threads()
            return
        except ValueError:  # a libtbb Numba cannot use: take its default layer
            numba.config.THREADING_LAYER = "default"
    if "OMP_WAIT_POLICY" in os.environ:
        numba.get_num_threads()
        return
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        numba.get_num_threads()  # launches the pool: a libgomp loading now reads the setting
    finally:
        del os.environ["OMP_WAIT_POLICY"]
