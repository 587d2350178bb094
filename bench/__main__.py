"""python -m bench [--device cpu|cuda] [--quick] [--only NAME]"""
import argparse
import datetime
import sys
from dataclasses import asdict

import numpy as np
from tqdm import tqdm

from .cases import cases
from .libs import Unavailable, load_libs
from .machine import cpu_snapshot, machine_info, other_cpu_pct, wait_idle
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
    p.add_argument("--wait-idle", type=float, default=0.0, metavar="S",
                   help="before each case, wait up to S seconds for other processes to "
                        "go quiet (for shared machines)")
    args = p.parse_args(argv)

    todo = cases(args.device, args.quick)
    if args.only:
        todo = [c for c in todo if args.only.lower() in c.name.lower()]
        if not todo:
            names = ", ".join(c.name for c in cases(args.device, args.quick))
            p.error(f"no case matches {args.only!r}; the cases: {names}")
    try:
        libs, skipped = load_libs(args.device)
    except (ImportError, Unavailable) as e:
        print(f"cannot run on {args.device}: {e}", file=sys.stderr)
        return 2
    print(f"comparing {', '.join(lib.name for lib in libs)} on {args.device}", file=sys.stderr)
    for name, why in skipped.items():
        print(f"peer not run: {name}: {why}", file=sys.stderr)

    settings = SETTINGS[args.device, args.quick]
    rng = np.random.default_rng(0)
    records = []
    with tqdm(todo, unit="case", file=sys.stderr) as bar:
        for case in bar:
            if args.wait_idle:
                bar.set_postfix_str("waiting for other processes to go quiet")
                wait_idle(args.wait_idle)
            bar.set_postfix_str(f"{case.name} {case.size}")
            before = cpu_snapshot()
            rec = case.run(libs, settings, rng, args.device)
            rec["other_cpu_pct"] = other_cpu_pct(before, cpu_snapshot())
            records.append(rec)

    date = datetime.date.today().isoformat()
    info = machine_info(args.device, libs)
    table = markdown(records, info, skipped, args.device, date, args.quick)
    print(table)
    stem = RESULTS / results_stem(args.device, date, args.quick, args.only)
    write_json(stem.with_suffix(".json"), device=args.device, date=date, quick=args.quick,
               only=args.only, wait_idle_s=args.wait_idle, machine=info,
               settings=asdict(settings), skipped_peers=skipped,
               cases=records, markdown=table)
    why_not = chart(records, args.device, stem.with_suffix(".png"),
                    f"tensorrt_mini ÷ torch, {args.device}, {date}")
    print(f"results: {stem.with_suffix('.json')}", file=sys.stderr)
    print(why_not or f"chart: {stem.with_suffix('.png')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
