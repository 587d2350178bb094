"""Float sums in torch's order: bit for bit against torch's CPU sum, on one thread and
on two (torch's per-thread splits, planned for two threads whatever Numba runs)."""
import numpy as np
import pytest
from numpy.lib.stride_tricks import as_strided

from tensorrt_mini.kernels.cpu import cascade_sum as cs
from tests.oracle import needs_torch

F32, F64 = np.dtype("float32"), np.dtype("float64")


def cascade_sum(x, dims, nthreads):
    """Sum numpy view x over dims with the kernel, reading x's own buffer."""
    strides = [s // x.itemsize for s in x.strides]
    span = sum((n - 1) * s for n, s in zip(x.shape, strides)) + 1
    plan = cs.plan(x.shape, strides, dims, nthreads)
    out = np.full(plan.numel_out, np.nan, x.dtype)  # the kernel clears it
    cs.run(plan, as_strided(x, (span,), (x.itemsize,)), 0, out)
    return out


@pytest.fixture
def torch_threads():
    torch = needs_torch()
    before = torch.get_num_threads()
    yield torch
    torch.set_num_threads(before)


def check(torch, x, dims, nthreads):
    torch.set_num_threads(nthreads)
    want = torch.from_numpy(x).sum(dims).numpy().reshape(-1)
    got = cascade_sum(x, dims, nthreads)
    assert got.tobytes() == want.tobytes(), (x.shape, x.strides, dims, nthreads)


def data(rng, shape, dtype):
    return (rng.standard_normal(shape) * 100).astype(dtype)


# lengths around every vector/lane boundary, cascade level sizes (2^4 rows of 4
# vectors), and past torch's parallel grain (32768)
LENGTHS = [1, 3, 4, 7, 8, 9, 31, 32, 33, 63, 100, 127, 511, 512, 513, 2049, 8191, 32767,
           32768, 32769, 65537, 300007]


@pytest.mark.parametrize("dtype", [F32, F64])
def test_1d(torch_threads, dtype):
    rng = np.random.default_rng(0)
    for n in LENGTHS:
        x = data(rng, n, dtype)
        for nthreads in (1, 2):
            check(torch_threads, x, (0,), nthreads)


SHAPES_2D = [(3, 5), (7, 9), (13, 40), (40, 13), (100, 37), (37, 100), (64, 64), (300, 301),
             (2, 40000), (40000, 3)]


@pytest.mark.parametrize("dtype", [F32, F64])
def test_2d_layouts(torch_threads, dtype):
    """Contiguous, transposed and sliced: all four of torch's loops, both splits."""
    rng = np.random.default_rng(1)
    for shape in SHAPES_2D:
        base = data(rng, (shape[0], shape[1] + 3), dtype)
        for x in (base[:, :shape[1]], base[:, :shape[1]].T, base[:, 1:].T.copy().T,
                  base[::2, ::2]):
            for dims in ((0,), (1,), (0, 1)):
                for nthreads in (1, 2):
                    check(torch_threads, x, dims, nthreads)


def test_3d_layouts(torch_threads):
    rng = np.random.default_rng(2)
    for shape in [(5, 6, 7), (9, 17, 33), (2, 300, 7), (50, 3, 40), (40, 50, 60)]:
        x0 = data(rng, shape, F32)
        for perm in [(0, 1, 2), (2, 0, 1), (1, 2, 0)]:
            x = x0.transpose(perm)
            for dims in [(0,), (1,), (2,), (0, 1), (0, 2), (1, 2), (0, 1, 2)]:
                for nthreads in (1, 2):
                    check(torch_threads, x, dims, nthreads)


def test_size_one_dims_and_no_reduction(torch_threads):
    rng = np.random.default_rng(3)
    x = data(rng, (1, 70, 1, 9), F32)
    for dims in [(0,), (2,), (0, 2), (1,), (1, 3), (0, 1, 2, 3)]:
        check(torch_threads, x, dims, 1)
