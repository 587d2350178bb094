"""`python -m tensorrt_mini [--device cpu|cuda]`: the seed lesson, cell by cell, then a small
training run. `python -m tensorrt_mini train [--model cnn|mlp|transformer] [--epochs N]`: one
training walkthrough alone (the CNN: a convolutional network on generated images, from a
DataLoader; the transformer: an encoder that learns to sort digit sequences).
`python -m tensorrt_mini warmup [--jobs N] [--family NAME]`: compile the common cpu kernels
into the kernel caches ahead of time (tensorrt_mini/warmup.py)."""
import argparse
import sys
import time

import tensorrt_mini as tm
from tensorrt_mini import warmup as compile_ahead
from tensorrt_mini.lesson import CELLS, explain_block, explained_view, run_cell, source


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
        view = explained_view(cell)
        if view is not None:
            print(explain_block(view, namespace), file=out)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tensorrt_mini", description=__doc__)
    parser.add_argument("command", nargs="?", choices=["train", "warmup"],
                        help="train: one training walkthrough; warmup: compile the common cpu "
                             "kernels ahead of time")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    parser.add_argument("--jobs", type=int, default=None,
                        help="warmup: processes compiling at once (default: one per cpu)")
    parser.add_argument("--family", action="append", choices=list(compile_ahead.FAMILIES),
                        help="warmup: only this family of ops (repeatable)")
    parser.add_argument("--model", choices=["cnn", "mlp", "transformer"], default=None,
                        help="train: the CNN on generated shapes (default), the MLP, or the "
                             "transformer that sorts digit sequences")
    parser.add_argument("--epochs", type=int, default=None, help="train --model cnn: epochs")
    args = parser.parse_args(argv)
    if args.command != "train" and (args.model or args.epochs):
        parser.error("--model and --epochs go with the train command")
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
    if args.command == "train":
        train_one(args.model or "cnn", device, args.epochs)
        return
    print(f"tensorrt_mini {tm.__version__}: the seed lesson on {device}")
    walkthrough(device)
    print(f"\n== Training: an MLP on the three-spirals set, on {device} ==")
    from tensorrt_mini.demo import train
    train(device)


def train_one(model, device, epochs):
    if model == "mlp":
        from tensorrt_mini.demo import train as train_mlp
        print(f"tensorrt_mini {tm.__version__}: an MLP on the three-spirals set, on {device}")
        train_mlp(device)
        return
    if model == "transformer":
        from tensorrt_mini import sequence_demo
        print(f"tensorrt_mini {tm.__version__}: a transformer encoder learns to sort digit "
              f"sequences, on {device}")
        sequence_demo.train(device)
        return
    from tensorrt_mini import cnn_demo
    print(f"tensorrt_mini {tm.__version__}: a CNN on generated shapes "
          f"({', '.join(cnn_demo.shapes.CLASSES)}), on {device}")
    cnn_demo.train(device, **({} if epochs is None else {"epochs": epochs}))


def warmup(jobs, families):
    start = time.perf_counter()
    seconds = compile_ahead.run(jobs, families)
    print(", ".join(f"{name} {s:.1f} s" for name, s in seconds.items()))
    print(f"kernels compiled into the caches in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
