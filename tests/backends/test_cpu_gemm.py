"""backends/cpu_gemm.py: the spread batched GEMM gives np.matmul's products (broadcast
batch dims, transposed operands, batches that do not split evenly) and gives OpenBLAS
its thread count back."""
import numpy as np
import pytest

from tensorrt_mini.backends import cpu_gemm

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("a_shape, b_shape, transpose_b", [
    ((3, 2, 96, 64), (3, 1, 64, 160), False),  # b shared across dim 1; 3 does not split in 2
    ((1, 5, 128, 64), (5, 128, 64), True),     # split along the second batch dim
])
def test_matches_numpy(a_shape, b_shape, transpose_b):
    a = RNG.standard_normal(a_shape, dtype=np.float32)
    b = RNG.standard_normal(b_shape, dtype=np.float32)
    if transpose_b:
        b = b.swapaxes(-1, -2)
    expected = np.matmul(a, b)
    assert expected.size * a.shape[-1] >= cpu_gemm.SPREAD_MIN  # (the spread path runs)
    out = np.full(expected.shape, np.nan, np.float32)
    cpu_gemm.matmul_spread(out, a, b)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-4)


def test_openblas_threads_restored():
    if cpu_gemm._single is None:
        pytest.skip("numpy's BLAS is not an OpenBLAS whose threads can be set")
    before = cpu_gemm._setters[0]()
    a = RNG.standard_normal((4, 128, 128), dtype=np.float32)
    cpu_gemm.matmul_spread(np.empty((4, 128, 128), np.float32), a, a)
    assert cpu_gemm._setters[0]() == before


def test_a_forked_child_spreads_its_own_products():
    """The parent's pool threads do not exist in a fork: the child starts its own."""
    import multiprocessing
    a = RNG.standard_normal((4, 128, 128), dtype=np.float32)
    cpu_gemm.matmul_spread(np.empty((4, 128, 128), np.float32), a, a)  # the parent's pool
    with multiprocessing.get_context("fork").Pool(1) as pool:
        got = pool.apply_async(_spread_product, (a,)).get(timeout=60)
    np.testing.assert_allclose(got, np.matmul(a, a), rtol=1e-5, atol=1e-4)


def _spread_product(a):
    out = np.empty(a.shape, np.float32)
    cpu_gemm.matmul_spread(out, a, a)
    return out
