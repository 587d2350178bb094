"""`python -m tensorrt_mini [--device cpu|cuda]`: the seed lesson, cell by cell."""
import argparse
import sys

import tensorrt_mini as tm
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
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    main()
