"""The cuda tiled kernel's block shape and launch bounds, swept on a GPU (bench/NOTES.md).

    python3 -m bench.tiled_sweep [--n 8192] [--settings 8:None,8:6,8:8]

Times the transposed copy and a + b.t(), fp32 and fp64 at n x n, for each (tile rows,
blocks an SM) setting, beside torch in the same rounds, and checks each result against
torch's; then lists the registers and local (spilled) bytes the driver gave each tiled
kernel. The kernels are rebuilt for each setting from the geometry figures the backend
reads when it builds a kernel (blocks: the launch bounds of every tiled kernel that is
not one of the catalog's heavy ops; None: no bounds).
"""
import argparse
import statistics
import time

import numpy as np
import torch

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda as backend
from tensorrt_mini.kernels.cuda import elementwise, geometry


def configure(rows, blocks):
    geometry.TILE_ROWS = elementwise.TILE_ROWS = rows
    elementwise.TILED_BLOCKS = elementwise.TILED_BLOCKS_WIDE = blocks
    backend._tiled_kernel.cache_clear()
    backend._ew_plans.clear()


def device_seconds(fn, inner):
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    torch.cuda.synchronize()
    tm.cuda.synchronize()
    start.record()
    for _ in range(inner):
        fn()
    end.record()
    end.synchronize()
    return start.elapsed_time(end) / 1e3 / inner


def host_seconds(fn, inner):  # under the simulator: no events
    tm.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(inner):
        fn()
    tm.cuda.synchronize()
    return (time.perf_counter() - t0) / inner


def registers(label):
    """(name, registers, local bytes) of each tiled kernel loaded whose name ends in label."""
    from cupy.cuda import driver
    return [(name, driver.funcGetAttribute(4, fn.ptr), driver.funcGetAttribute(3, fn.ptr))
            for name, (fn, _) in backend._rt._functions.items()
            if ".tiled." in name and name.endswith(label)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=8192)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--inner", type=int, default=20)
    parser.add_argument("--settings", default="8:None,8:6,8:8",
                        help="rows:blocks,... (blocks None: no launch bounds)")
    args = parser.parse_args()
    settings = [(int(r), None if b == "None" else int(b))
                for r, b in (x.split(":") for x in args.settings.split(","))]
    gpu = torch.cuda.is_available()
    timer = device_seconds if gpu else host_seconds
    tdev = "cuda" if gpu else "cpu"
    n = args.n
    rng = np.random.default_rng(0)
    cases = {}
    for dtype in ("float32", "float64"):
        a_np = rng.standard_normal((n, n)).astype(dtype)
        b_np = rng.standard_normal((n, n)).astype(dtype)
        a, b = tm.tensor(a_np, device="cuda"), tm.tensor(b_np, device="cuda")
        ta, tb = torch.from_numpy(a_np).to(tdev), torch.from_numpy(b_np).to(tdev)
        size = a_np.itemsize * n * n
        cases[f"b.t().contiguous() {dtype}"] = (
            lambda b=b: b.t().contiguous(), lambda tb=tb: tb.t().contiguous(), 2 * size)
        cases[f"a + b.t() {dtype}"] = (
            lambda a=a, b=b: a + b.t(), lambda ta=ta, tb=tb: ta + tb.t(), 3 * size)
    print(f"n={n}, {args.rounds} rounds of {args.inner} calls; device time per call, "
          f"median; ratio to torch in the same rounds")
    print(f"{'rows':>4} {'blocks':>6}  {'case':<28} {'tm µs':>8} {'torch µs':>9} "
          f"{'GB/s':>6} {'ratio':>6}")
    for rows, blocks in settings:
        configure(rows, blocks)
        for label, (tm_fn, torch_fn, nbytes) in cases.items():
            got = tm_fn().cpu().numpy()
            if not np.array_equal(got, torch_fn().cpu().numpy()):
                raise SystemExit(f"rows={rows} blocks={blocks} {label}: wrong result")
            timer(tm_fn, 3)
            timer(torch_fn, 3)
            t_tm, t_torch = [], []
            for _ in range(args.rounds):
                t_tm.append(timer(tm_fn, args.inner))
                t_torch.append(timer(torch_fn, args.inner))
            m_tm, m_torch = statistics.median(t_tm), statistics.median(t_torch)
            spread = (max(t_tm) - min(t_tm)) / m_tm
            print(f"{rows:>4} {str(blocks):>6}  {label:<28} {m_tm * 1e6:8.1f} "
                  f"{m_torch * 1e6:9.1f} {nbytes / m_tm / 1e9:6.0f} "
                  f"{m_tm / m_torch:6.2f}  (tm spread {spread:.0%})", flush=True)
        if gpu:
            for name, regs, local in registers(f"x{rows}.b{blocks}"):
                print(f"      {name}: {regs} registers, {local} local bytes")


if __name__ == "__main__":
    main()
