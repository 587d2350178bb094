"""The bench's GPU kernels under Nsight Compute (ncu): why a kernel runs at the speed it does.

    python3 -m bench.ncu_profile --record FILE    runs ncu over `python3 -m bench.ncu_profile
                                                  kernels`, keeps its CSV beside FILE
    python3 -m bench.ncu_profile kernels FILE     the profiled program (ncu runs it); FILE
                                                  gets each launch's case and kernel

`kernels` compiles, loads and launches each case once outside the profiled range, then
runs each once more between cudaProfilerStart and Stop (ncu's --profile-from-start off):
a + b.t() and b.t().contiguous() at 8192² (the tiled kernel), sum(1) at 8192², and a + b
at (1024,) (a tiny op's kernel). ncu reads, per kernel: its time, DRAM bytes per second and
that as a share of the peak, achieved and theoretical occupancy, registers per thread and
the block limit they set. Clocks are left as the card has them (--clock-control none).

Without ncu (not on PATH, nor under /opt/nvidia/nsight-compute) the record says so; no
phase of the GPU check fails on it.
"""
import argparse
import csv
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from .host_probe import launches_of

METRICS = {  # ncu metric -> the record's name for it
    "gpu__time_duration.sum": "time",
    "dram__bytes.sum.per_second": "dram_rate",
    "dram__throughput.avg.pct_of_peak_sustained_elapsed": "dram_pct_of_peak",
    "sm__warps_active.avg.pct_of_peak_sustained_active": "achieved_occupancy_pct",
    "sm__maximum_warps_per_active_cycle_pct": "theoretical_occupancy_pct",
    "launch__registers_per_thread": "registers",
    "launch__occupancy_limit_registers": "block_limit_registers",
}
N = 8192
MIN_SECONDS = 20  # less than this is not worth starting ncu for (its start takes ~10 s)
CASES = ("a + b.t()", "b.t().contiguous()", "sum(1)", "a + b (1024,)")


def find_ncu():
    found = shutil.which("ncu")
    if found:
        return found
    found = glob.glob("/opt/nvidia/nsight-compute/*/ncu")
    # the newest version (2025.10 after 2025.9)
    return max(found, key=lambda p: [int(x) for x in re.findall(r"\d+", Path(p).parent.name)],
               default=None)


def run_kernels(launches_path):
    """The program ncu profiles: each case warmed up, then once in the profiled range.
    Writes [case, kernel name] per launch in that range, in launch order (ncu's order)."""
    import cupy

    import tensorrt_mini as tm
    from tensorrt_mini.backends import cuda_runtime
    a, b = tm.rand(N, N, device="cuda"), tm.rand(N, N, device="cuda")
    x, y = tm.rand(1024, device="cuda"), tm.rand(1024, device="cuda")
    ops = dict(zip(CASES, (lambda: a + b.t(), lambda: b.t().contiguous(), lambda: a.sum(1),
                           lambda: x + y)))
    for op in ops.values():  # compile, load, first launch
        op()
    rt = cuda_runtime.runtime()
    cupy.cuda.runtime.deviceSynchronize()
    cupy.cuda.profiler.start()
    launches = [[case, kernel.name] for case, op in ops.items()
                for kernel, *_ in launches_of(rt, op)]
    cupy.cuda.runtime.deviceSynchronize()
    cupy.cuda.profiler.stop()
    Path(launches_path).write_text(json.dumps(launches))
    return 0


def parse(text):
    """ncu's `--csv --page raw`: a header row (ID, ..., Kernel Name, ..., one column per
    metric), a row of units, then a row per kernel. Returns [{kernel, units, metrics}]."""
    rows = list(csv.reader(line for line in text.splitlines() if line.startswith('"')))
    head = next((i for i, r in enumerate(rows) if "Kernel Name" in r), None)
    if head is None:
        return []
    names = rows[head]
    units = dict(zip(names, rows[head + 1])) if head + 1 < len(rows) else {}
    kernels = []
    for r in rows[head + 2:]:
        cells = dict(zip(names, r))
        metrics = {}
        for metric, label in METRICS.items():
            value = cells.get(metric, "").replace(",", "")
            try:
                metrics[label] = float(value)
            except ValueError:
                continue
        kernels.append(dict(kernel=cells.get("Kernel Name", "?"), metrics=metrics,
                            units={METRICS[m]: u for m, u in units.items() if m in METRICS}))
    return kernels


def profile(record, timeout_s):
    ncu = find_ncu()
    if ncu is None:
        return dict(skipped="ncu not found (not on PATH, nor under /opt/nvidia/nsight-compute)")
    launches_path = Path(record).with_suffix(".launches.json")
    command = [ncu, "--clock-control", "none", "--profile-from-start", "off", "--csv",
               "--page", "raw", "--print-units", "base", "--metrics", ",".join(METRICS),
               sys.executable, "-m", "bench.ncu_profile", "kernels", str(launches_path)]
    # its own process group: on a timeout the program ncu runs goes too, and does not hold
    # the GPU into the next phase
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)
    try:
        stdout, stderr = run.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGKILL)
        run.communicate()
        return dict(error=f"ncu did not finish in {timeout_s} s", command=command)
    csv_path = Path(record).with_suffix(".csv")
    csv_path.write_text(stdout)
    kernels = parse(stdout)
    try:
        launches = json.loads(launches_path.read_text())
    except (OSError, ValueError):
        launches = []
    for k, (case, name) in zip(kernels, launches):
        k["case"], k["name"] = case, name
    out = dict(command=command, rc=run.returncode, csv=str(csv_path), kernels=kernels)
    if run.returncode or not kernels or len(kernels) != len(launches):
        out["error"] = (f"ncu exit status {run.returncode}, {len(kernels)} kernels read, "
                        f"{len(launches)} launched: {stderr[-1500:]}")
    return out


def line(rec):
    """The record in one line, for the GPU check's summary."""
    if "skipped" in rec:
        return f"skipped ({rec['skipped']})"
    parts = []
    for k in rec.get("kernels", []):
        m = k["metrics"]
        parts.append(f"{k.get('case', '?')} ({k.get('name', k['kernel'])[:40]}): " + ", ".join(
            text.format(m[key]) for key, text in (
                ("time", "{:.4g} " + k["units"].get("time", "")),
                ("dram_rate", "{:.4g} " + k["units"].get("dram_rate", "")),
                ("dram_pct_of_peak", "DRAM {:.0f}% of peak"),
                ("achieved_occupancy_pct", "occupancy {:.0f}%"),
                ("theoretical_occupancy_pct", "theoretical {:.0f}%"),
                ("registers", "{:.0f} registers")) if key in m))
    text = " · ".join(parts) or "no kernels read"
    return text + (f" [{rec['error'][:200]}]" if rec.get("error") else "")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 2 and argv[0] == "kernels":
        return run_kernels(argv[1])
    p = argparse.ArgumentParser(prog="python3 -m bench.ncu_profile",
                                description=__doc__.split("\n")[0])
    p.add_argument("--record", required=True, help="write the outcome as JSON here")
    p.add_argument("--timeout", type=float, default=80)
    p.add_argument("--mode", choices=("gpu", "sim"), default="gpu")
    args = p.parse_args(argv)
    if args.mode != "gpu":
        rec = dict(skipped="the simulator has no GPU to profile")
    elif args.timeout < MIN_SECONDS:
        rec = dict(skipped=f"{args.timeout:.0f} s left in the GPU check's budget")
    else:
        rec = profile(args.record, args.timeout)
    Path(args.record).write_text(json.dumps(rec, indent=1) + "\n")
    print(line(rec))
    return 0


if __name__ == "__main__":
    sys.exit(main())
