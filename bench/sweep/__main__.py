"""python -m bench.sweep [--device cpu|cuda] [--quick] [--only PATTERN] [--sizes 10,14,...]

Every registered op beside torch at every size, sorted by worst ratio; JSON and a heatmap
go to bench/results/. A full cpu run also measures each op's first call, cold and warm.
"""
import argparse
import datetime
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..libs import LOADERS, REFERENCE, TM, Unavailable, cuda_simulated
from ..machine import machine_info
from ..progress import Progress
from ..report import RESULTS
from . import first_call
from .registry import all_ops
from .report import heatmap, markdown, verdicts, write_json
from .run import EXPONENTS, SETTINGS, cases, run

QUICK_EXPONENTS = (10, 18)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.sweep", description=(
        "Time every registered op beside torch, at every size."))
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    p.add_argument("--quick", action="store_true",
                   help=f"sizes 2^{QUICK_EXPONENTS[0]} and 2^{QUICK_EXPONENTS[1]}, short "
                        "samples, no first-call children: a smoke run, not figures to keep")
    p.add_argument("--only", metavar="PATTERN",
                   help="only the ops whose name or family contains PATTERN (case-insensitive)")
    p.add_argument("--sizes", metavar="EXPS",
                   help="comma-separated powers of two of the element count (default "
                        + ",".join(map(str, EXPONENTS)) + ")")
    p.add_argument("--dtypes", metavar="NAMES", help="comma-separated dtypes to keep")
    p.add_argument("--first-calls", choices=("auto", "yes", "no"), default="auto",
                   help="time each op's first call in fresh processes (auto: full cpu runs)")
    p.add_argument("--results-dir", type=Path, default=RESULTS, metavar="DIR")
    args = p.parse_args(argv)

    ops = list(all_ops().values())
    if args.only:
        pat = args.only.lower()
        ops = [op for op in ops if pat in op.name.lower() or pat in op.family.lower()]
        if not ops:
            p.error(f"no op matches {args.only!r}")
    exps = (tuple(int(e) for e in args.sizes.split(",")) if args.sizes
            else QUICK_EXPONENTS if args.quick else EXPONENTS)
    dtypes = args.dtypes.split(",") if args.dtypes else None
    todo = cases(ops, exps, dtypes)
    if not todo:
        p.error("no case to run at those sizes and dtypes")
    try:
        libs = [LOADERS[args.device][name]() for name in (TM, REFERENCE)]
    except (ImportError, Unavailable) as e:
        print(f"cannot run on {args.device}: {e}", file=sys.stderr)
        return 2
    simulated = args.device == "cuda" and cuda_simulated()
    settings = SETTINGS["quick" if args.quick or simulated else "full"]

    rng = np.random.default_rng(0)
    records, first_calls = [], {}
    bar = Progress(len(todo))
    try:
        for case in todo:
            bar.note(f"{case.op.name} {case.layout} 2^{case.exp} {case.dtype}")
            records.append(run(case, libs, settings, rng))
            for lib in libs:
                lib.release()
            bar.advance()
    finally:
        bar.close()
    wants_first = args.first_calls == "yes" or (
        args.first_calls == "auto" and args.device == "cpu" and not args.quick)
    if wants_first:
        bar = Progress(len(ops))
        for op in ops:
            bar.note(f"first call: {op.name}")
            first_calls[op.name] = first_call.measure(op)
            bar.advance()
        bar.close()

    date = datetime.date.today().isoformat()
    info = machine_info(args.device, libs, simulated)
    label = (" (CUDA simulator)" if simulated else "") + (" (quick)" if args.quick else "")
    table = markdown(records, first_calls, info, args.device, date, label)
    print(table)
    stem = args.results_dir / _stem(args, date, simulated)
    write_json(stem.with_suffix(".json"), device=args.device, date=date, quick=args.quick,
               simulated=simulated, only=args.only, exponents=exps, machine=info,
               settings=asdict(settings), verdicts=verdicts(records, args.device),
               cases=records, first_calls=first_calls, markdown=table)
    why_not = heatmap(records, stem.with_suffix(".png"),
                      f"tensorrt_mini ÷ torch, {args.device}, {date}{label}")
    print(f"results: {stem.with_suffix('.json')}", file=sys.stderr)
    print(why_not or f"heatmap: {stem.with_suffix('.png')}", file=sys.stderr)
    return 0


def _stem(args, date, simulated):
    """A full run owns `sweep-<device>-<date>`; partial runs get suffixes."""
    stem = f"sweep-{args.device}-{date}" + ("-sim" if simulated else "")
    if args.quick:
        stem += "-quick"
    if args.only:
        stem += "-only-" + "".join(c if c.isalnum() else "_" for c in args.only)
    if args.sizes:
        stem += "-sizes-" + args.sizes.replace(",", "_")
    if args.dtypes:
        stem += "-" + args.dtypes.replace(",", "_")
    return stem


if __name__ == "__main__":
    sys.exit(main())
