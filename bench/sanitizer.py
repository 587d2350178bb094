"""NVIDIA's compute-sanitizer over tests that launch every kernel family: memcheck (reads
and writes outside an allocation, misaligned accesses, launch errors) and racecheck
(shared-memory hazards in the tiled transpose, the reductions and fused attention).

    python3 -m bench.sanitizer --mode gpu|sim --record FILE [--time-limit S]

CuPy's memory pool is switched off inside the checked process: within one pooled block
an overrun lands in another tensor's memory, which memcheck cannot see; with one
cudaMalloc per tensor, every allocation has its own bounds. The record holds, per tool,
the error count from its "ERROR SUMMARY" line, its exit status and time, and the last
lines of its report. Under the simulator (no GPU) it records that it was skipped.
"""
import argparse
import glob
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BACKEND = "tests/backends/test_cuda_backend.py"
# (tool, pytest arguments, share of the time limit): memcheck over every kernel family
# (elementwise in each layout, casts, reductions and arg-reductions, the tiled transpose,
# matmul, gather and scatter, random, optimizer steps, user kernels and tm.reduction);
# racecheck over the kernels that share memory within a block; both over the fused
# attention kernels (their k/v and q/dout tiles staged in shared memory)
ATTENTION = "tests/backends/test_cuda_flash_attention.py"
RUNS = (
    ("memcheck", [BACKEND, "-k", "binary_across_layouts or unary or scalar_operands or "
                  "broadcast_where or batched_transpose or in_place or casts or reductions "
                  "or max_min or matmul or advanced_indexing or take_keeps or index_put or "
                  "random or optimizer or gpu_"], 0.55),
    ("racecheck", [BACKEND, "-k", "batched_transpose or reductions or max_min or gpu_large"],
     0.3),
    ("memcheck", [ATTENTION, "-k", "tiles or no_keys"], 0.075),
    ("racecheck", [ATTENTION, "-k", "tiles"], 0.075),
)
# pytest in this one process: pyproject's xdist workers (`-n auto`) stay off, so the GPU
# image need not have pytest-xdist and the tool sees every kernel
SERIAL_PYTEST_ARGS = ("-o", "addopts=--import-mode=importlib -m 'not slow'")
# the checked process: pytest with CuPy's pool off (see above)
NO_POOL_PYTEST = ("import sys, cupy, pytest; cupy.cuda.set_allocator(None); "
                  "sys.exit(pytest.main(sys.argv[1:]))")


def find_sanitizer():
    found = shutil.which("compute-sanitizer")
    if found:
        return found
    found = glob.glob("/usr/local/cuda*/bin/compute-sanitizer") + glob.glob(
        str(Path(sys.prefix) / "lib/python3*/site-packages/nvidia/*/compute-sanitizer*/"
                               "compute-sanitizer"))
    return sorted(found)[-1] if found else None


def errors_in(report):
    """The count of compute-sanitizer's last "ERROR SUMMARY: N error(s)" line, or None."""
    counts = re.findall(r"ERROR SUMMARY: (\d+) error", report)
    return int(counts[-1]) if counts else None


def run(tool_path, tool, pytest_args, seconds):
    cmd = [tool_path, "--tool", tool, "--error-exitcode", "99", "--print-limit", "20",
           "--target-processes", "all", sys.executable, "-c", NO_POOL_PYTEST, "-q",
           "-p", "no:cacheprovider", *SERIAL_PYTEST_ARGS, *pytest_args]
    t0 = time.time()
    try:
        done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=seconds)
        report, rc = done.stdout + done.stderr, done.returncode
    except subprocess.TimeoutExpired as e:
        report = (e.stdout or b"").decode(errors="replace") + (e.stderr or b"").decode(
            errors="replace")
        rc = 124
    return dict(tool=tool, errors=errors_in(report), rc=rc, seconds=round(time.time() - t0, 1),
                tail=report.splitlines()[-40:])


def check(mode, time_limit):
    """The record: {"skipped": why} or {"runs": [...], "ok": bool}."""
    if mode == "sim":
        return dict(skipped="the simulator has no GPU to check")
    path = find_sanitizer()
    if path is None:
        return dict(ok=False, error="compute-sanitizer not found (PATH, /usr/local/cuda*/bin)")
    runs = [run(path, tool, args, time_limit * share) for tool, args, share in RUNS]
    # a clean run: 0 errors reported and pytest passed (exit 0) under the tool
    return dict(ok=all(r["errors"] == 0 and r["rc"] == 0 for r in runs), tool=path, runs=runs)


def line(record):
    """The record in one line, for the check's summary table."""
    if "skipped" in record:
        return f"skipped ({record['skipped']})"
    if "error" in record:
        return record["error"]
    return " · ".join(f"{r['tool']}: {'?' if r['errors'] is None else r['errors']} errors, "
                      f"exit {r['rc']}, {r['seconds']:.0f} s" for r in record.get("runs", []))


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m bench.sanitizer",
                                description=__doc__.split("\n")[0])
    p.add_argument("--mode", choices=("gpu", "sim"), default="gpu")
    p.add_argument("--record", help="write the outcome as JSON here")
    p.add_argument("--time-limit", type=float, default=150.0, help="seconds for all tools")
    args = p.parse_args(argv)
    record = check(args.mode, args.time_limit)
    print(line(record))
    for r in record.get("runs", []):
        if r["errors"] != 0 or r["rc"] != 0:
            print(f"---- {r['tool']}:", *r["tail"], sep="\n")
    if args.record:
        Path(args.record).write_text(json.dumps(record, indent=1) + "\n")
    return 0 if record.get("ok", "skipped" in record) else 1


if __name__ == "__main__":
    sys.exit(main())
