"""python -m tests.mutation MODULE... : mutation testing from the repository root."""
import argparse
import contextlib
import sys
from pathlib import Path

from . import report
from .operators import mutants
from .progress import Progress
from .runner import BaselineError, baseline, default_timeout, run_all
from .targets import Target, choose, kernel_module, mirror_tests
from .workspace import Workspace


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__)
    p.add_argument("modules", nargs="+", help="module files, relative to the repository root")
    p.add_argument("--tests", nargs="+", action="extend", default=[], metavar="FILE",
                   help="test files to run besides each module's mirror tests")
    p.add_argument("--no-mirror", action="store_true",
                   help="run only the --tests files, not the mirror tests")
    p.add_argument("--jobs", type=int, default=1, help="private copies run in parallel")
    p.add_argument("--timeout", type=float, metavar="S",
                   help="seconds a mutant's tests may take (default: 3 x baseline + 5)")
    p.add_argument("--sample", type=int, metavar="N", help="a random N mutants of each module")
    p.add_argument("--seed", type=int, default=0, help="the sample's seed")
    p.add_argument("--limit", type=int, metavar="N", help="at most the first N mutants of each module")
    p.add_argument("--json", metavar="PATH", help="write the results here as JSON")
    return p.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    root = Path.cwd()
    targets = []
    for path in args.modules:
        path = Path(path).as_posix()
        if not (root / path).is_file():
            sys.exit(f"no module {path} (paths are relative to the repository root)")
        tests = ([] if args.no_mirror else mirror_tests(root, path)) + args.tests
        if not tests:
            sys.exit(f"no tests for {path}: name some with --tests")
        targets.append(Target(path, tests, kernel_module(root, path)))

    with contextlib.ExitStack() as stack:
        spaces = [stack.enter_context(Workspace.copy_of(root))]
        spaces += [stack.enter_context(spaces[0].clone()) for _ in range(args.jobs - 1)]
        work = []
        for target in targets:
            # from the copy: the checkout may change while this runs
            original = spaces[0].read(target.path)
            chosen = choose(mutants(target.path, original), args.sample, args.seed, args.limit)
            work += [(target, original, m) for m in chosen]
        for target in targets:
            try:
                target.baseline_s = baseline(spaces[0], target)
            except BaselineError as e:
                sys.exit(f"baseline: {e}")
            target.timeout_s = args.timeout or default_timeout(target.baseline_s)
            print(f"{target.path}: baseline {target.baseline_s:.1f} s, timeout {target.timeout_s:.1f} s, "
                  f"tests {' '.join(target.tests)}", file=sys.stderr)
        progress = Progress(len(work))
        try:
            results = run_all(spaces, work, progress)
        finally:
            progress.close()

    print(report.text(targets, results))
    if args.json:
        report.write_json(args.json, targets, results)


if __name__ == "__main__":
    main()
