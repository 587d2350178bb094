"""`python -m tensorrt_mini warmup`: compile the kernels most programs use, ahead of time,
into the user's kernel caches.

With empty caches, an op's first call compiles its kernel: about 0.2 s for a small
elementwise op, 1-8 s for a large one (its parallel kernel), 5-15 s for a reduction or
softmax (2-vCPU AMD VM, 2026-12-07: the main job spent 32 of its 36 s compiling). Numba
keeps what it compiles on disk, and a later process loads it instead: 10-40 ms a kernel,
after Numba's own start (~0.5 s, once per process). This runs a workload that touches
those kernels (the main job's training, and the common ops on float32 tensors of a
serial and a parallel size) in a few processes at once, a family of ops at a time in
each, so that the kernels within a family are compiled by one process. (Families share
a few kernels, such as the main job's additions; those two processes may both compile.)

It fills the caches of the environment it runs in: the same TENSORRT_MINI_CACHE,
NUMBA_CACHE_DIR and installed package as the programs that are to find them.
"""
import io
import os
import time

import numpy as np

# Each family runs in one process, on `a` and `b` of each size in SIZES (float32), `y` a
# class index per row (int64) and `i` row indices (workload()).
SIZES = ((32, 32), (256, 256))  # 1024 elements (serial kernels), 65536 (parallel ones)
FAMILIES = {
    "reductions": ["a.sum()", "a.mean()", "a.sum(0)", "a.sum(1)", "a.mean(1)", "a.amax()",
                   "a.amax(1)", "a.amin(0)", "a.argmax(1)", "a.argmax()", "a.var(1)",
                   "a.std()", "(a > 0).any()", "(a > 0).sum()", "(a > 0).all(1)"],
    "nn": ["tm.softmax(a, 1)", "tm.log_softmax(a, 1)", "F.cross_entropy(a, y)",
           "F.mse_loss(a, b)", "F.layer_norm(a, a.shape[1:])", "F.gelu(a)", "F.relu(a)"],
    "math": ["a.exp()", "a.abs().log()", "a.tanh()", "a.sigmoid()", "a.abs().sqrt()",
             "a.erf()", "a.sin()", "a.cos()", "a ** 2", "a.reciprocal()", "-a", "a.abs()",
             "a.clamp(-1, 1)"],
    "arithmetic": ["a + b", "a - b", "a * b", "a / b", "a + b.t()", "a * 2.0", "a + 1",
                   "a * b + a", "tm.maximum(a, b)", "tm.where(a > 0, a, b)", "a > b",
                   "a == b", "a.t().contiguous()", "a.clone()", "a @ b", "a[i]",
                   "tm.cat([a, b])", "tm.zeros_like(a)", "a.clone().zero_()",
                   "a.clone().add_(b)", "a.clone().mul_(2.0)"],
    "training": "mlp",  # the main job's model: forward, backward, Adam (demo.train)
    "cnn": "cnn",  # `train --model cnn`'s network and DataLoader, a few steps (cnn_demo.train)
}


def run(jobs=None, families=None, out=None):
    """Compile `families` (names of FAMILIES, default all) in `jobs` processes (default:
    one per CPU, at most one per family); {family: seconds}."""
    # here, not at the top: `python -m tensorrt_mini` imports this module for FAMILIES,
    # and the main job would pay ~23 ms for a process pool it never starts
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from multiprocessing import get_context

    from tqdm import tqdm
    names = list(FAMILIES) if families is None else list(dict.fromkeys(families))
    unknown = [n for n in names if n not in FAMILIES]
    if unknown:
        raise ValueError(f"no such warmup family: {', '.join(unknown)}; "
                         f"there are {', '.join(FAMILIES)}")
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(names)))
    seconds = {}
    # spawn: a fresh interpreter per worker, as the programs that will use the caches
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) as pool, \
            tqdm(total=len(names), desc="compiling", file=out, unit="family") as bar:
        pending = {pool.submit(compile_family, name): name for name in names}
        for done in as_completed(pending):
            seconds[pending[done]] = done.result()
            bar.set_postfix_str(pending[done])
            bar.update(1)
    return seconds


def compile_family(name):
    """Run family `name`'s workload in this process; the seconds it took."""
    start = time.perf_counter()
    if FAMILIES[name] == "mlp":
        from .demo import train
        train(steps=2, out=io.StringIO(), progress=False)
    elif FAMILIES[name] == "cnn":
        from .cnn_demo import train
        train(epochs=1, batch=64, n_train=128, n_test=64, out=io.StringIO(), progress=False)
    else:
        for shape in SIZES:
            names = workload(shape)
            for expr in FAMILIES[name]:
                eval(expr, names)
    return time.perf_counter() - start


def workload(shape):
    """The names FAMILIES' expressions read, for (rows, columns) `shape`."""
    import tensorrt_mini as tm
    rng = np.random.default_rng(0)
    return {"tm": tm, "F": tm.nn.functional,
            "a": tm.from_numpy(rng.standard_normal(shape, np.float32)),
            "b": tm.from_numpy(rng.standard_normal(shape, np.float32)),
            "y": tm.from_numpy(rng.integers(0, shape[1], shape[0])),
            "i": tm.from_numpy(rng.integers(0, shape[0], shape[0]))}
