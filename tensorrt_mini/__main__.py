"""`python -m tensorrt_mini [--device cpu|cuda]`: the seed lesson, cell by cell, then a small
training run. `python -m tensorrt_mini warmup [--jobs N] [--family NAME]`: compile the common
cpu kernels into the kernel caches ahead of time (tensorrt_mini/warmup.py)."""
import argparse
import sys
import time

import tensorrt_mini as tm
from tensorrt_mini import warmup as compile_ahead
from tensorrt_mini.lesson import CELLS, run_cell, source


def walkthrough(device, out=sys.stdout):
    tm.manual_seed(0)
    namespace = {"tm": tm}
    section = None
    for title, cell in CELLS:
        if title != section:
            section = title
            print(f"\n== {title} ==", file=out)
        code = source(cell, device)
        print("\n".join(">>> " + line for line in code.split("\n")), file=out)
        result = run_cell(code, namespace)
        if result is not None:
            print(result, file=out)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tensorrt_mini", description=__doc__)
    parser.add_argument("command", nargs="?", choices=["warmup"],
                        help="warmup: compile the common cpu kernels ahead of time")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    parser.add_argument("--jobs", type=int, default=None,
                        help="warmup: processes compiling at once (default: one per cpu)")
    parser.add_argument("--family", action="append", choices=list(compile_ahead.FAMILIES),
                        help="warmup: only this family of ops (repeatable)")
    args = parser.parse_args(argv)
    if args.command == "warmup":
        warmup(args.jobs, args.family)
        return
    if args.jobs is not None or args.family:
        parser.error("--jobs and --family go with the warmup command")
    device = str(tm.device(args.device))
    try:
        tm.empty(0, device=device)  # a missing GPU or CUDA package says so here, in one line
    except RuntimeError as e:
        parser.exit(2, f"{parser.prog}: {e}\n")
    print(f"tensorrt_mini {tm.__version__}: the seed lesson on {device}")
    walkthrough(device)
    print(f"\n== Training: an MLP on the three-spirals set, on {device} ==")
    from tensorrt_mini.demo import train
    train(device)


def warmup(jobs, families):
    start = time.perf_counter()
    seconds = compile_ahead.run(jobs, families)
    print(", ".join(f"{name} {s:.1f} s" for name, s in seconds.items()))
    print(f"kernels compiled into the caches in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
