"""Time per MLP training step (forward, backward, SGD step) in tensorrt_mini and torch.

    python -m bench.mlp_step [--batch 512] [--widths 1024,1024,1024,10] [--rounds 15]
                             [--threads N]

The same model (Linear/ReLU layers, MSE loss, plain SGD) is built in both libraries from
the same initial weights and data. Steps are timed in interleaved samples
(tensorrt_mini, torch, torch, tensorrt_mini, ...) so machine drift hits both alike;
the figures are medians, and the ratio tensorrt_mini / torch is the one that counts.
Each sample starts after a short sleep and one untimed step (see `sample`).
`--threads N` caps both libraries' thread pools (BLAS, Numba, torch's intra-op pool): on a
machine shared with other work, spinning pool threads make timings swing by 10x or more.
"""
import argparse
import os
import statistics
import time


def build(lib, weights, x, y, lr):
    """A step function for `lib` (tensorrt_mini or torch) over copies of the weights."""
    layers = []
    for i, (w, b) in enumerate(weights):
        if i:
            layers.append(lib.nn.ReLU())
        lin = lib.nn.Linear(w.shape[1], w.shape[0])
        with lib.no_grad():
            lin.weight.copy_(lib.tensor(w))
            lin.bias.copy_(lib.tensor(b))
        layers.append(lin)
    model = lib.nn.Sequential(*layers)
    opt = lib.optim.SGD(model.parameters(), lr=lr)
    loss_fn = lib.nn.MSELoss()
    xt, yt = lib.tensor(x), lib.tensor(y)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()
        return loss
    return step


def sample(step, inner, settle_s=0.0):
    """Seconds per step over `inner` steps. The sleep lets the other library's spinning
    pool threads go idle, and one untimed step wakes this library's pools."""
    time.sleep(settle_s)
    step()
    t0 = time.perf_counter()
    for _ in range(inner):
        step()
    return (time.perf_counter() - t0) / inner


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--widths", default="1024,1024,1024,10")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--min-sample-s", type=float, default=0.2)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--settle-s", type=float, default=0.1)
    args = parser.parse_args(argv)
    if args.threads:  # read when the libraries load, so set before importing them
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "NUMBA_NUM_THREADS"):
            os.environ[var] = str(args.threads)
    import numpy as np
    import tensorrt_mini as tm  # first: it sets the OpenMP wait policy before torch loads OpenMP

    import torch
    widths = [int(w) for w in args.widths.split(",")]
    rng = np.random.default_rng(0)
    weights = [(rng.uniform(-1, 1, (b, a)).astype(np.float32) / np.sqrt(a),
                rng.uniform(-1, 1, b).astype(np.float32) / np.sqrt(a))
               for a, b in zip(widths, widths[1:])]
    x = rng.standard_normal((args.batch, widths[0]), dtype=np.float32)
    y = rng.standard_normal((args.batch, widths[-1]), dtype=np.float32)
    steps = {"tensorrt_mini": build(tm, weights, x, y, 1e-3), "torch": build(torch, weights, x, y,
                                                                               1e-3)}
    # warm-up (compiles kernels), and both libraries must compute the same losses
    losses = {name: [step().item() for _ in range(3)] for name, step in steps.items()}
    assert np.allclose(losses["tensorrt_mini"], losses["torch"], rtol=1e-3), losses
    inner = {name: max(1, int(args.min_sample_s / sample(step, 3))) for name, step in steps.items()}
    times = {name: [] for name in steps}
    order = list(steps)
    for r in range(args.rounds):
        for name in (order if r % 2 == 0 else order[::-1]):
            times[name].append(sample(steps[name], inner[name], args.settle_s))
    med = {name: statistics.median(ts) for name, ts in times.items()}
    print(f"MLP step, batch {args.batch}, widths {'-'.join(map(str, widths))}, "
          f"{args.rounds} interleaved rounds, threads {args.threads or 'default'}")
    for name, t in med.items():
        print(f"  {name:14s} {t * 1e3:9.3f} ms/step (median; min {min(times[name]) * 1e3:.3f})")
    print(f"  ratio tensorrt_mini / torch: {med['tensorrt_mini'] / med['torch']:.2f}")


if __name__ == "__main__":
    main()
