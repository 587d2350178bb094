"""Compile the PTX catalog for compute capability 9.0 and report, as JSON on stdout.

Run by test_cuda_ptx.py in a fresh process without the simulator (numba.cuda is either
simulated or real for a whole process) and with TENSORRT_MINI_PTX_CACHE pointing at an
empty folder, so every kernel really compiles. Kernels compile on all CPUs.
"""
import importlib
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

# tests/, where the catalog lives (pytest puts it on sys.path; this runs outside pytest)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
import cuda_ptx_catalog  # noqa: E402

CC = (9, 0)


def build(module, factory, args):
    mod = importlib.import_module(f"tensorrt_mini.kernels.cuda.{module}")
    return getattr(mod, factory)(*args)


def compile_one(entry):
    key, module, factory, args = entry
    start = time.perf_counter()
    try:
        from tensorrt_mini.kernels.cuda import compiler
        path, name = compiler.ptx(build(module, factory, args), CC)
        with open(path) as f:
            text = f.read()
        ok = ".target sm_90" in text and f".entry {name}(" in text
        error = None if ok else "PTX lacks the sm_90 target or the entry"
    except Exception as e:  # report every failure, not only the first
        error = f"{type(e).__name__}: {e}"[:2000]
    return key, error, time.perf_counter() - start


def cache_hit_check(entry):
    """A second process finds the PTX on disk: it must not compile again."""
    from tensorrt_mini.kernels.cuda import compiler

    def refuse(*args, **kwargs):
        raise AssertionError("compiled although the PTX was cached")
    compiler.cuda.compile_ptx = refuse
    try:
        compiler.ptx(build(*entry[1:]), CC)
        return None
    except Exception as e:
        return f"{type(e).__name__}: {e}"


def main():
    entries = cuda_ptx_catalog.entries()
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        results = list(pool.map(compile_one, entries, chunksize=4))
    wall = time.perf_counter() - start
    with ProcessPoolExecutor(max_workers=1) as pool:
        cache = pool.submit(cache_hit_check, entries[0]).result()
    json.dump({"results": {k: {"error": e, "seconds": s} for k, e, s in results},
               "wall_seconds": wall, "workers": os.cpu_count(), "cache_hit_error": cache},
              sys.stdout)


if __name__ == "__main__":
    main()
