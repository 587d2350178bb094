"""Compile the PTX catalog for compute capability 9.0 and report, as JSON on stdout.

Run by test_cuda_ptx.py in a fresh process without the simulator (numba.cuda is either
simulated or real for a whole process) and with TENSORRT_MINI_PTX_CACHE pointing at an
empty folder, so every kernel really compiles. Kernels compile on all CPUs. Kernels
whose launch bounds cap their registers are also assembled for sm_90, to report spills.
"""
import importlib
import json
import os
import re
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
    sass = None
    try:
        from tensorrt_mini.kernels.cuda import compiler
        kernel = build(module, factory, args)
        path, name = compiler.ptx(kernel, CC)
        with open(path) as f:
            text = f.read()
        ok = ".target sm_90" in text and f".entry {name}(" in text
        error = None if ok else "PTX lacks the sm_90 target or the entry"
        if ok and kernel.min_blocks is not None:
            sass = assemble(text)
    except Exception as e:  # report every failure, not only the first
        error = f"{type(e).__name__}: {e}"[:2000]
    return key, error, time.perf_counter() - start, sass


def assemble(ptx):
    """What ptxas makes of a kernel whose registers are capped (its launch bounds name
    blocks per SM): {"registers", "spill_bytes"}, through nvJitLink (no GPU needed), or
    {"unavailable": why}."""
    try:
        from cuda.bindings import nvjitlink
    except ImportError as e:
        return {"unavailable": f"nvJitLink's binding does not import: {e}"}
    data = ptx.encode()
    handle = nvjitlink.create(2, [f"-arch=sm_{CC[0]}{CC[1]}", "-verbose"])
    try:
        nvjitlink.add_data(handle, nvjitlink.InputType.PTX, data, len(data), "kernel")
        nvjitlink.complete(handle)
        log = bytearray(nvjitlink.get_info_log_size(handle))
        nvjitlink.get_info_log(handle, log)
    finally:
        nvjitlink.destroy(handle)
    log = log.decode(errors="replace")
    registers = re.search(r"Used (\d+) registers", log)
    spills = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", log)
    if not (registers and spills):
        return {"unavailable": f"no register report in ptxas's log: {log[-500:]}"}
    return {"registers": int(registers.group(1)),
            "spill_bytes": int(spills.group(1)) + int(spills.group(2))}


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
    json.dump({"results": {k: {"error": e, "seconds": s, "sass": sass}
                           for k, e, s, sass in results},
               "wall_seconds": wall, "workers": os.cpu_count(), "cache_hit_error": cache},
              sys.stdout)


if __name__ == "__main__":
    main()
