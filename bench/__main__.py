"""python -m bench [--device cpu|cuda] [--quick] [--only NAME]"""
import argparse
import datetime
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .cases import cases
from .libs import Unavailable, cuda_simulated, load_libs
from .machine import cpu_snapshot, machine_info, other_cpu_pct, wait_idle
from .progress import Progress
from .report import RESULTS, chart, markdown, results_stem, write_json
from .runner import SETTINGS


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench", description=(
        "Time tensorrt_mini beside torch and numpy (cpu) or torch and CuPy (cuda)."))
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    p.add_argument("--quick", action="store_true",
                   help="small sizes and few repeats: a smoke run, not figures to keep")
    p.add_argument("--only", metavar="NAME",
                   help="run only the cases whose name contains NAME (case-insensitive)")
    p.add_argument("--skip", action="append", default=[], metavar="NAME",
                   help="leave out the cases whose name contains NAME (case-insensitive; "
                        "repeatable)")
    p.add_argument("--wait-idle", type=float, default=0.0, metavar="S",
                   help="before each case, wait up to S seconds for other processes to "
                        "go quiet (for shared machines)")
    p.add_argument("--results-dir", type=Path, default=RESULTS, metavar="DIR",
                   help=f"where the JSON and the chart go (default {RESULTS})")
    args = p.parse_args(argv)

    # Under Numba's CUDA simulator (NUMBA_ENABLE_CUDASIM=1) the cuda device runs on the CPU:
    # tiny sizes, and the figures only prove the plumbing (bench/gpu_check.sh's simulate mode).
    simulated = args.device == "cuda" and cuda_simulated()
    todo = cases(args.device, args.quick, simulated)
    if args.only:
        todo = [c for c in todo if args.only.lower() in c.name.lower()]
        if not todo:
            names = ", ".join(c.name for c in cases(args.device, args.quick, simulated))
            p.error(f"no case matches {args.only!r}; the cases: {names}")
    todo = [c for c in todo if not any(s.lower() in c.name.lower() for s in args.skip)]
    if not todo:
        p.error("--skip leaves no case to run")
    try:
        libs, skipped = load_libs(args.device)
    except (ImportError, Unavailable) as e:
        print(f"cannot run on {args.device}: {e}", file=sys.stderr)
        return 2
    print(f"comparing {', '.join(lib.name for lib in libs)} on {args.device}", file=sys.stderr)
    for name, why in skipped.items():
        print(f"peer not run: {name}: {why}", file=sys.stderr)

    settings = SETTINGS[args.device, args.quick or simulated]
    rng = np.random.default_rng(0)
    records = []
    interrupted = None
    bar = Progress(len(todo))
    try:
        for case in todo:
            if args.wait_idle:
                bar.note("waiting for other processes to go quiet")
                wait_idle(args.wait_idle)
            bar.note(f"{case.name} {case.size}")
            before = cpu_snapshot()
            rec = case.run(libs, settings, rng, args.device)
            rec["other_cpu_pct"] = other_cpu_pct(before, cpu_snapshot())
            records.append(rec)
            bar.advance()
    except KeyboardInterrupt:  # Ctrl-C (or SIGTERM under bench.gpu_check): keep what finished
        interrupted = case.name
    finally:
        bar.close()
    if interrupted:
        print(f"interrupted during {interrupted!r}: writing the {len(records)} finished "
              f"cases of {len(todo)}", file=sys.stderr)

    date = datetime.date.today().isoformat()
    info = machine_info(args.device, libs, simulated)
    table = markdown(records, info, skipped, args.device, date, args.quick, simulated)
    if interrupted:
        table += (f"\n**Interrupted** during {interrupted}: {len(records)} of {len(todo)} "
                  "cases ran.\n")
    print(table)
    stem = args.results_dir / results_stem(args.device, date, args.quick, args.only, simulated,
                                             args.skip)
    write_json(stem.with_suffix(".json"), device=args.device, date=date, quick=args.quick,
               simulated=simulated, only=args.only, skip=args.skip, interrupted=interrupted,
               wait_idle_s=args.wait_idle, machine=info, settings=asdict(settings),
               skipped_peers=skipped, cases=records, markdown=table)
    why_not = chart(records, args.device, stem.with_suffix(".png"),
                    f"tensorrt_mini ÷ torch, {args.device}, {date}"
                    + (" (CUDA simulator)" if simulated else ""))
    print(f"results: {stem.with_suffix('.json')}", file=sys.stderr)
    print(why_not or f"chart: {stem.with_suffix('.png')}", file=sys.stderr)
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
