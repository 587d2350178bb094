"""First-call latency per op: what a new user waits for the first time they call it.

Each op runs in a fresh interpreter twice: cold, with empty kernel caches (a temporary
TENSORRT_MINI_CACHE and NUMBA_CACHE_DIR), then warm, reusing what the cold run cached. The
child times the import, then the op's first call on a large tensor (2^18 elements: the
parallel kernels) and on a small one (2^10: the serial kernels).

`python -m bench.sweep.first_call OP` is the child.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

LARGE, SMALL = 18, 10


def measure(op, timeout_s=300):
    """{"cold": {...}, "warm": {...}} for one op, each with import_s, large_s and small_s
    (seconds), or an "error"."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="tm-first-call-") as cache:
        env = dict(os.environ, TENSORRT_MINI_CACHE=cache,
                   NUMBA_CACHE_DIR=os.path.join(cache, "numba"))
        for state in ("cold", "warm"):
            out[state] = _child(op.name, env, timeout_s)
    return out


def _child(name, env, timeout_s):
    try:
        proc = subprocess.run([sys.executable, "-m", "bench.sweep.first_call", name],
                              env=env, capture_output=True, text=True, timeout=timeout_s,
                              cwd=_repo_root())
    except subprocess.TimeoutExpired:
        return {"error": f"no result in {timeout_s} s"}
    if proc.returncode:
        return {"error": (proc.stderr.strip().splitlines() or ["exit %d" % proc.returncode])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _repo_root():
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _main(name):
    import numpy as np
    t0 = time.perf_counter()
    import tensorrt_mini as tm
    result = {"import_s": time.perf_counter() - t0}
    from .registry import all_ops
    from .run import Case
    op = all_ops()[name]
    form = "2d" if "2d" in op.forms else op.forms[0]
    rng = np.random.default_rng(0)
    for label, exp in (("large_s", LARGE), ("small_s", SMALL)):
        case = Case(op, form, exp, op.dtypes[0], False)
        host = op.inputs(rng, case.shape, case.dtype, op.domains[0])
        fn = op.build(tm, *(tm.from_numpy(h) for h in host))
        t0 = time.perf_counter()
        fn()
        result[label] = time.perf_counter() - t0
    print(json.dumps(result))


if __name__ == "__main__":
    _main(sys.argv[1])
