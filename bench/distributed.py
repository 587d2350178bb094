"""python -m bench.distributed [--quick] [--ranks 2 4] [--max-mb 256]

Data-parallel communication on cpu ranks, in one run:
- all-reduce bus bandwidth against message size (4 KB to 256 MB, float32) for
  tm.distributed (MPI, started by tensorrt_mini.distributed.run) and, when torch is
  installed, torch.distributed's gloo backend over localhost, on each world size;
- DistributedDataParallel's step time on 2 ranks for an MLP of 12.6 M parameters, against
  the same step without DDP (compute alone) and against the all-reduce of all its
  gradients alone (what the step would add without overlap); torch's DDP on gloo beside.

Bus bandwidth is nccl-tests' figure: algbw = bytes / time, busbw = algbw * 2(n-1)/n, the
time being the slowest rank's mean over the repeats. Each rank writes its figures to a
JSON file; this process prints a table and writes bench/results/distributed-cpu-<date>.json.
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .machine import cpu_model, cpu_snapshot, git_state, other_cpu_pct, usable_cpus
from .progress import Progress
from .report import RESULTS, write_json

ROOT = Path(__file__).resolve().parent.parent
MLP_WIDTHS = (1024, 2048, 2048, 2048, 1024)  # 12.6 M parameters
DDP_BATCH = 64  # per rank
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "NUMBA_NUM_THREADS": "1"}  # one core per rank: the ranks share the machine


def sizes(max_mb):
    """4 KB, 16 KB, ... up to max_mb MB, in bytes."""
    out, size = [], 4096
    while size <= max_mb * 2 ** 20:
        out.append(size)
        size *= 4
    return out


def repeats(nbytes, quick):
    budget = 2 ** 24 if quick else 2 ** 27  # bytes reduced per size, about
    return max(2 if quick else 3, min(50, budget // nbytes))


# -- the ranks --------------------------------------------------------------------------

class Library:
    """The few calls the timing loops need, for tensorrt_mini or torch."""

    def __init__(self, name):
        if name == "tm":
            import tensorrt_mini as xp
            xp.distributed.init_process_group("mpi")
        else:
            import torch as xp
            xp.distributed.init_process_group(
                "gloo", init_method=f"tcp://127.0.0.1:{os.environ['MASTER_PORT']}",
                rank=int(os.environ["RANK"]), world_size=int(os.environ["WORLD_SIZE"]))
        self.xp, self.dist = xp, xp.distributed
        self.rank, self.world = self.dist.get_rank(), self.dist.get_world_size()

    def slowest(self, seconds):
        """The largest of every rank's value."""
        t = self.xp.tensor([seconds], dtype=self.xp.float64)
        self.dist.all_reduce(t, op=self.dist.ReduceOp.MAX)
        return t.item()

    def timed(self, step, count):
        """The slowest rank's mean seconds per call of step, over count calls after one."""
        step()
        self.dist.barrier()
        start = time.perf_counter()
        for _ in range(count):
            step()
        return self.slowest((time.perf_counter() - start) / count)


def all_reduce_rank(lib, args):
    rows = []
    todo = sizes(args.max_mb)
    progress = Progress(len(todo)) if lib.rank == 0 else None
    for nbytes in todo:
        t = lib.xp.ones(nbytes // 4, dtype=lib.xp.float32)
        if progress:
            progress.note(f"{args.lib} {lib.world} ranks {nbytes >> 10} KB")
        seconds = lib.timed(lambda: lib.dist.all_reduce(t), repeats(nbytes, args.quick))
        algbw = nbytes / seconds
        rows.append(dict(bytes=nbytes, seconds=seconds, algbw_GBps=algbw / 1e9,
                         busbw_GBps=algbw * 2 * (lib.world - 1) / lib.world / 1e9))
        if progress:
            progress.advance()
    if progress:
        progress.close()
    return rows


def ddp_rank(lib, args):
    xp, nn = lib.xp, lib.xp.nn

    def build():
        xp.manual_seed(0)
        layers = []
        for a, b in zip(MLP_WIDTHS, MLP_WIDTHS[1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        return nn.Sequential(*layers[:-1])

    x, y = xp.randn(DDP_BATCH, MLP_WIDTHS[0]), xp.randn(DDP_BATCH, MLP_WIDTHS[-1])

    def median_step(net):
        opt = xp.optim.SGD(net.parameters(), lr=1e-3)

        def step():
            opt.zero_grad()
            ((net(x) - y) ** 2).mean().backward()
            opt.step()
        count = 3 if args.quick else 10
        return statistics.median(lib.timed(step, count) for _ in range(3))

    model = build()
    params = sum(p.numel() for p in model.parameters())
    compute = median_step(model)
    ddp = median_step(nn.parallel.DistributedDataParallel(build()))
    as_view = median_step(nn.parallel.DistributedDataParallel(build(),
                                                              gradient_as_bucket_view=True))
    flat = xp.zeros(params)
    comm = statistics.median(lib.timed(lambda: lib.dist.all_reduce(flat), 5) for _ in range(3))
    return dict(parameters=params, batch_per_rank=DDP_BATCH, widths=MLP_WIDTHS,
                compute_s=compute, ddp_s=ddp, ratio=ddp / compute, as_view_s=as_view,
                as_view_ratio=as_view / compute, all_reduce_s=comm)


def rank_main(args):
    lib = Library(args.lib)
    result = all_reduce_rank(lib, args) if args.worker == "all_reduce" else ddp_rank(lib, args)
    if lib.rank == 0:
        Path(args.out).write_text(json.dumps(result))
    lib.dist.barrier()
    lib.dist.destroy_process_group()


# -- the launches -----------------------------------------------------------------------

def launch(lib, worker, world, args, out, env_extra=None):
    """Start `world` ranks of this module as `worker`; rank 0's JSON, or an error text."""
    rank_args = ["--worker", worker, "--lib", lib, "--out", str(out), "--max-mb",
                 str(args.max_mb)] + (["--quick"] if args.quick else [])
    env = dict(os.environ, PYTHONPATH=str(ROOT), **(env_extra or {}))
    if lib == "tm":
        procs = [subprocess.Popen([sys.executable, "-m", "tensorrt_mini.distributed.run",
                                   "--nproc-per-node", str(world), "-m", "bench.distributed"]
                                  + rank_args, env=env, cwd=ROOT)]
    else:
        env.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(29400 + world), WORLD_SIZE=str(world))
        procs = [subprocess.Popen([sys.executable, "-m", "bench.distributed"] + rank_args,
                                  env=dict(env, RANK=str(r), LOCAL_RANK=str(r)), cwd=ROOT)
                 for r in range(world)]
    codes = [p.wait(timeout=args.timeout) for p in procs]
    if any(codes) or not out.exists():
        return None, f"{lib} {worker} on {world} ranks failed (exit {codes})"
    return json.loads(out.read_text()), None


def torch_available():
    try:
        import torch.distributed as td
    except ImportError:
        return False
    return td.is_available() and td.is_gloo_available()


def run_all(args):
    libs = ["tm"] + (["torch-gloo"] if torch_available() else [])
    plan = [] if args.only == "ddp" else \
        [("all_reduce", lib, world) for world in args.ranks for lib in libs]
    plan += [] if args.only == "all_reduce" else [("ddp", lib, 2) for lib in libs]
    results = dict(all_reduce=[], ddp=[], errors=[])
    progress = Progress(len(plan))
    with tempfile.TemporaryDirectory() as tmp:
        for i, (worker, lib, world) in enumerate(plan):
            progress.note(f"{worker} {lib} {world} ranks")
            before = cpu_snapshot()
            data, error = launch("tm" if lib == "tm" else "torch", worker, world, args,
                                 Path(tmp) / f"{i}.json",
                                 ONE_THREAD if worker == "ddp" else None)
            noise = other_cpu_pct(before, cpu_snapshot())
            if error:
                results["errors"].append(error)
            elif worker == "all_reduce":
                results["all_reduce"].append(dict(lib=lib, ranks=world, rows=data,
                                                  other_cpu_pct=noise))
            else:
                results["ddp"].append(dict(data, lib=lib, ranks=world, other_cpu_pct=noise))
            progress.advance()
    progress.close()
    return results


def table(results):
    lines = []
    by = {(r["lib"], r["ranks"]): r["rows"] for r in results["all_reduce"]}
    for world in sorted({r for _, r in by}):
        tm_rows, gloo_rows = by.get(("tm", world)), by.get(("torch-gloo", world))
        lines.append(f"\nall_reduce, float32, {world} cpu ranks: bus bandwidth (GB/s)")
        lines.append(f"{'size':>9} {'tm (MPI)':>10} {'gloo':>10} {'tm/gloo':>8}")
        for i, row in enumerate(tm_rows or gloo_rows):
            tm_bw = tm_rows[i]["busbw_GBps"] if tm_rows else None
            gloo_bw = gloo_rows[i]["busbw_GBps"] if gloo_rows else None
            ratio = f"{tm_bw / gloo_bw:8.2f}" if tm_bw and gloo_bw else f"{'-':>8}"
            lines.append(f"{human(row['bytes']):>9} {num(tm_bw):>10} {num(gloo_bw):>10} {ratio}")
    for d in results["ddp"]:
        lines.append(f"\nDDP step ({d['lib']}), {d['parameters'] / 1e6:.1f} M-parameter MLP, "
                     f"batch {d['batch_per_rank']} per rank, {d['ranks']} cpu ranks (one thread "
                     "each)")
        lines.append(f"  compute alone {d['compute_s'] * 1e3:8.1f} ms")
        lines.append(f"  DDP step      {d['ddp_s'] * 1e3:8.1f} ms   ({d['ratio']:.2f}x compute)")
        lines.append(f"  DDP step, gradient_as_bucket_view {d['as_view_s'] * 1e3:8.1f} ms   "
                     f"({d['as_view_ratio']:.2f}x compute)")
        lines.append(f"  all-reduce of every gradient alone {d['all_reduce_s'] * 1e3:.1f} ms "
                     f"(without overlap the step would take about "
                     f"{(d['compute_s'] + d['all_reduce_s']) / d['compute_s']:.2f}x compute)")
    for error in results["errors"]:
        lines.append(f"\nFAILED: {error}")
    return "\n".join(lines)


def human(nbytes):
    return f"{nbytes >> 20} MB" if nbytes >= 2 ** 20 else f"{nbytes >> 10} KB"


def num(x):
    return "-" if x is None else f"{x:.3g}"


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.distributed", description=__doc__.split(
        "\n\n")[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="up to 4 MB and few repeats: a smoke run")
    p.add_argument("--ranks", type=int, nargs="+", default=[2, 4])
    p.add_argument("--max-mb", type=int, default=256)
    p.add_argument("--only", choices=("all_reduce", "ddp"), help="run one of the two parts")
    p.add_argument("--timeout", type=float, default=1800, help="seconds per launch")
    p.add_argument("--worker", choices=("all_reduce", "ddp"), help=argparse.SUPPRESS)
    p.add_argument("--lib", choices=("tm", "torch"), help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.max_mb = min(args.max_mb, 4)
    if args.worker:
        rank_main(args)
        return
    started = time.time()
    results = run_all(args)
    print(table(results))
    date = datetime.date.today().isoformat()
    tags = ("-" + args.only if args.only else "") + ("-quick" if args.quick else "")
    path = RESULTS / f"distributed-cpu-{date}{tags}.json"
    write_json(path, machine=dict(cpu_model=cpu_model(), cpus_usable=usable_cpus(),
                                  load_average=os.getloadavg(), git=git_state()),
               wall_s=round(time.time() - started, 1), **results)
    print(f"\nwritten {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
