"""python -m tests.fuzz --cases N --seed S [--device cpu|cuda] [--verbose]
python -m tests.fuzz --seed S --case K --verbose   (one case, printed as a program)

Exits 1 when tm and torch differ anywhere.
"""
import argparse
import os
import sys


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.split("\n")[0])
    p.add_argument("--cases", type=int, default=100, help="run cases 0 .. N-1 of the seed")
    p.add_argument("--case", type=int, help="run this one case only")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                   help="tm's device (torch always runs on cpu)")
    p.add_argument("--verbose", action="store_true",
                   help="print every case that differs as a program")
    args = p.parse_args(argv)
    if args.device == "cuda":
        # numba.cuda reads it once, on import: before tm is imported
        os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
    from .runner import run_case
    from .summary import render, summarize

    cases = [args.case] if args.case is not None else range(args.cases)
    results = []
    for k in _progress(cases, args.device):
        result = run_case(args.seed, k, args.device)
        results.append(result)
        if args.verbose and (result.differences or args.case is not None):
            print(render(result) + "\n", flush=True)
    print(summarize(results))
    return 1 if any(r.differences for r in results) else 0


def _progress(cases, device):
    try:
        from tqdm import tqdm
    except ImportError:
        return cases
    return tqdm(cases, desc=f"fuzz {device}", unit="case", file=sys.stderr,
                disable=len(cases) == 1)


if __name__ == "__main__":
    sys.exit(main())
