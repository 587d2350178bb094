"""Where a tiny op's host time goes on a GPU (issue 3: no more than torch's, ~6 µs).

    python3 -m bench.host_probe [--record FILE] [--n 1024]
    python3 -m bench.host_probe --fake-cupy     # no GPU: tensorrt_mini's own share only

On (n,) fp32 operands, in one process, interleaved rounds, time per call over a loop of
500 calls that starts on an empty device queue; the loop's own cost is not subtracted, as
every row pays it alike. Two figures per row: "issue", when the loop returns (the host's
own cost: 500 launches do not fill the driver's queue), and "total", after a device
synchronise (above issue where the GPU, not the host, sets the pace). The rows:

    torch a + b, torch.add(a, b, out=c)    the target
    tm a + b                               what the bench's "tiny op" case measures
    tm a + b, launch skipped               tensorrt_mini's Python alone (allocation included;
                                           swapping the launch out costs ~0.1 µs more)
    tm launch (CuPy.launch)                tm's launch of that kernel: its parameter block
                                           written, then driver.launchKernel
    cupy.empty(n)                          the allocation tm made before cupy.cuda.alloc
    cupy.cuda.alloc(4n)                    the allocation tm makes: pool memory, no ndarray
    get_current_stream().ptr               the stream lookup tm's launch makes each call
    CuPy RawKernel call                    the launch tm made before its own, same kernel
    CuPy Function call                     the same, one wrapper down (RawKernel.kernel)
    driver.launchKernel, packed per call   the same kernel through CuPy's driver binding,
                                           its argument words written into a kept
                                           parameter block each call (numpy)
    driver.launchKernel, packed once       the floor of a launch from Python

tm's a + b is checked against numpy, and a driver launch packed here (not by tm) is
checked to give the same, so a wrong figure cannot hide a wrong launch.

With --fake-cupy (any machine, no GPU) the cuda runtime is the real CuPy class driving a
stand-in for CuPy: allocations are plain objects with an address and launchKernel does
nothing. What is timed is then tensorrt_mini's
own Python on the GPU path (front end, plan, parameter block; CuPy's allocation and
launch cost nothing), beside the CPU's a + b.
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path


def _timer(sync, inner):
    """Seconds per call of fn over `inner` calls, as (issue, total): the clock read when the
    loop returns, and again after the device synchronise. The queue is drained first, so
    with fewer calls than the driver queues (~1000) the issue time is the host's own cost,
    and a total above it means the device, not the host, set the pace."""
    def per_call(fn):
        fn()
        sync()
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        t1 = time.perf_counter()
        sync()
        return (t1 - t0) / inner, (time.perf_counter() - t0) / inner
    return per_call


def launches_of(rt, op):
    """(kernel, grid, block, args) of each launch `op` makes through runtime `rt`, in order."""
    seen = []
    real = rt.launch

    def spy(kernel, grid, block, args):
        real(kernel, grid, block, args)
        seen.append((kernel, grid, block, list(args)))

    rt.launch = spy
    try:
        op()
    finally:
        del rt.launch  # the class's method again
    return seen


def _packed(np, args):
    """cuLaunchKernel's kernelParams for args: a pointer to each argument's bytes."""
    values = np.zeros(len(args), np.uint64)
    raw = values.view(np.uint8)
    for i, a in enumerate(args):
        item = np.asarray(a if isinstance(a, np.generic) else np.int64(a))
        raw[8 * i:8 * i + item.itemsize] = np.frombuffer(item.tobytes(), np.uint8)
    params = values.ctypes.data + 8 * np.arange(len(args), dtype=np.uint64)
    return values, params


def probe(n):
    import cupy
    import numpy as np
    try:
        import torch
    except ImportError:
        torch = None

    import tensorrt_mini as tm
    from tensorrt_mini.backends import cuda_runtime
    from tensorrt_mini.kernels.cuda import compiler

    rt = cuda_runtime.runtime()
    a, b = tm.rand(n, device="cuda"), tm.rand(n, device="cuda")
    want = a.cpu().numpy() + b.cpu().numpy()
    kept = []  # the captured launch's output stays allocated: later launches write to it
    kernel, grid, block, args = launches_of(rt, lambda: kept.append(a + b))[-1]
    checks = {"tm a + b": bool(np.array_equal(kept[0].cpu().numpy(), want))}
    path, entry = compiler.ptx(kernel, rt.cc)
    fn = cupy.RawModule(path=path).get_function(entry)  # a cupy.RawKernel, as tm launched before
    function = fn.kernel  # the cupy.cuda.function.Function it calls
    fptr = function.ptr
    grid3, block3 = (tuple(grid) + (1, 1))[:3], (tuple(block) + (1, 1))[:3]
    stream = cupy.cuda.get_current_stream().ptr
    launch = cupy.cuda.driver.launchKernel

    # packed once, into a fresh output, whose result is checked
    out = cupy.empty(n, cupy.float32)
    values, params = _packed(np, [out.data.ptr] + args[1:])
    try:
        launch(fptr, *grid3, *block3, 0, stream, params.ctypes.data, 0)
        cupy.cuda.runtime.deviceSynchronize()
        checks["driver.launchKernel"] = bool(np.array_equal(out.get(), want))
    except Exception as e:  # the other rows still tell where the time goes
        print(f"  driver.launchKernel: {type(e).__name__}: {e}", file=sys.stderr)
        checks["driver.launchKernel"] = False

    # per call, as a launch path would: the argument words written into a kept block
    words = [int(w) for w in _packed(np, args)[0]]
    kept_values, kept_params = _packed(np, args)
    kept_address = kept_params.ctypes.data

    def packed_per_call():
        kept_values[:] = words
        launch(fptr, *grid3, *block3, 0, stream, kept_address, 0)

    def tm_no_launch():
        rt.launch = lambda *launch_args: None
        try:
            a + b
        finally:
            del rt.launch

    rows = {}
    if torch is not None and torch.cuda.is_available():
        ta, tb = torch.rand(n, device="cuda"), torch.rand(n, device="cuda")
        tc = torch.empty_like(ta)
        rows["torch a + b"] = lambda: ta + tb
        rows["torch.add(a, b, out=c)"] = lambda: torch.add(ta, tb, out=tc)
    else:
        print("  torch with CUDA is not importable: its rows are left out", file=sys.stderr)
    rows.update({
        "tm a + b": lambda: a + b,
        "tm a + b, launch skipped": tm_no_launch,
        "tm launch (CuPy.launch)": lambda: rt.launch(kernel, grid, block, args),
        "cupy.empty(n)": lambda: cupy.empty(n, cupy.float32),
        "cupy.cuda.alloc(4n), no ndarray": lambda: cupy.cuda.alloc(4 * n),
        "get_current_stream().ptr": lambda: cupy.cuda.get_current_stream().ptr,
        "CuPy RawKernel call": lambda: fn(grid, block, tuple(args)),
        "CuPy Function call (RawKernel.kernel)": lambda: function(grid, block, tuple(args)),
        "driver.launchKernel, packed per call": packed_per_call,
        "driver.launchKernel, packed once":
            lambda: launch(fptr, *grid3, *block3, 0, stream, params.ctypes.data, 0),
    })
    timer = _timer(cupy.cuda.runtime.deviceSynchronize, 500)
    samples = {name: [] for name in rows}
    raised = set()
    for _ in range(7):
        for name, call in rows.items():
            if name in raised:  # reported, not retried
                continue
            try:
                samples[name].append(timer(call))
            except Exception as e:
                raised.add(name)
                checks[name] = False
                print(f"  {name}: {type(e).__name__}: {e}", file=sys.stderr)
    issue = {k: statistics.median(i for i, _ in v) for k, v in samples.items() if v}
    total = {k: statistics.median(t for _, t in v) for k, v in samples.items() if v}
    return kernel.name, total, issue, checks


def fake_cupy_probe(n):
    """tensorrt_mini's GPU-path Python per op, on a stand-in for CuPy (see the docstring)."""
    import os
    os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")  # numba.cuda imports without a GPU
    import itertools
    from types import SimpleNamespace

    from tensorrt_mini.backends import cuda_runtime
    from tensorrt_mini.kernels.cuda import compiler

    addresses = itertools.count(1 << 40, 1 << 20)  # aligned, and apart for n up to 256Ki
    function = SimpleNamespace(ptr=1)
    # what CuPy's runtime class calls, each as cheap as Python allows
    stream = SimpleNamespace(ptr=0)
    fake = SimpleNamespace(cuda=SimpleNamespace(
        Device=lambda: SimpleNamespace(compute_capability="90"),
        alloc=lambda nbytes: SimpleNamespace(ptr=next(addresses)),
        memory=SimpleNamespace(OutOfMemoryError=MemoryError),
        get_current_stream=lambda: stream,
        driver=SimpleNamespace(launchKernel=lambda *args: None, CUDADriverError=RuntimeError),
        runtime=SimpleNamespace(memGetInfo=lambda: None)),
        RawModule=lambda path: SimpleNamespace(
            get_function=lambda entry: SimpleNamespace(kernel=function)))
    compiler.ptx = lambda kernel, cc: ("unused", "unused")  # nothing is compiled or loaded
    rt = cuda_runtime.CuPy(fake)
    cuda_runtime._runtime = rt
    import tensorrt_mini as tm
    from tensorrt_mini.backends import cuda as backend

    def tensor():
        return tm._tensor._new(backend.empty(n, tm.float32), (n,), (1,))

    a, b, c = tensor(), tensor(), tensor()
    x, y = tm.rand(2, 2), tm.rand(2, 2)
    rows = {"tm a + b, GPU path, CuPy faked": lambda: a + b,
            "tm a * b + c, GPU path, CuPy faked": lambda: a * b + c,
            "tm a + b on the cpu, (2, 2)": lambda: x + y}
    timer = _timer(lambda: None, 20000)
    samples = {name: [] for name in rows}
    for _ in range(7):
        for name, call in rows.items():
            samples[name].append(timer(call)[1])
    return {k: statistics.median(v) for k, v in samples.items()}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m bench.host_probe",
                                description=__doc__.split("\n")[0])
    p.add_argument("--record", help="write the figures as JSON here")
    p.add_argument("--n", type=int, default=1024)
    p.add_argument("--fake-cupy", action="store_true",
                   help="no GPU: time tensorrt_mini's GPU-path Python on a stand-in for CuPy")
    args = p.parse_args(argv)
    if args.fake_cupy:
        times = fake_cupy_probe(args.n)
        for name, t in times.items():
            print(f"  {name:40s} {t * 1e6:7.2f} µs")
        if args.record:
            Path(args.record).write_text(json.dumps(dict(n=args.n, fake_cupy=True,
                                                         seconds=times), indent=1) + "\n")
        return 0
    from tensorrt_mini.kernels.cuda import compiler
    if compiler.SIMULATOR:
        print("host probe: skipped under the simulator (its figures would be the CPU's)")
        if args.record:
            Path(args.record).write_text(json.dumps(dict(skipped="simulator")) + "\n")
        return 0
    kernel, times, issue, checks = probe(args.n)
    torch_s = times.get("torch a + b", float("nan"))
    print(f"host time per call, ({args.n},) fp32; kernel {kernel}")
    print(f"  {'':40s} {'total':>7s}     {'issue':>7s}")
    for name, t in times.items():
        print(f"  {name:40s} {t * 1e6:7.2f} µs  {issue[name] * 1e6:7.2f} µs  "
              f"{t / torch_s:5.2f}x torch a + b")
    for name, ok in checks.items():
        print(f"  {name}: {'right' if ok else 'failed'}")
    if args.record:
        Path(args.record).write_text(json.dumps(
            dict(n=args.n, kernel=kernel, seconds=times, issue_seconds=issue, checks=checks),
            indent=1) + "\n")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
