"""The cpu's fused softmax and log_softmax kernels: values against a float64 reference
across shapes that exercise every branch (rows shorter and longer than the lanes, rows
with a remainder, inner dims, serial and parallel), special values against torch, and
the backend's buffer checks."""
import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import close_to_torch
from tensorrt_mini.backends import cpu

RNG = np.random.default_rng(7)


def _reference(x, dim, log):
    x = x.astype(np.float64)
    shifted = x - x.max(axis=dim, keepdims=True)
    lse = np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
    return shifted - lse if log else np.exp(shifted - lse)


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("dtype", [tm.float32, tm.float64])
@pytest.mark.parametrize("shape,dim", [
    ((1,), 0), ((7,), 0), ((8,), 0), ((1000,), 0), ((3, 17), 1), ((3, 17), 0),
    ((2, 3, 4), 1), ((4, 1, 5), 1), ((300, 129), 1), ((256, 256), 0), ((16, 64, 40), 1),
])
def test_values_match_a_float64_reference(shape, dim, dtype, log):
    x = (RNG.standard_normal(shape) * 10).astype(dtype.np)
    fn = tm.log_softmax if log else tm.softmax
    got = np.asarray(fn(tm.from_numpy(x), dim))
    tol = 2e-5 if dtype is tm.float32 else 1e-12
    np.testing.assert_allclose(got, _reference(x, dim, log), rtol=tol, atol=tol)


@pytest.mark.parametrize("row", [
    "[1., float('nan'), 3.]", "[float('-inf'), float('-inf')]", "[float('inf'), 1.]",
    "[float('-inf'), 0.]", "[1e30, -1e30, 3.]", "[88.] * 9", "[-100., -101., -99.] * 5",
])
@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_special_values_as_torch(row, fn):
    """NaN and infinities where torch has them; finite values to float32's last bits (the
    exp's rounding and the order of the sum differ)."""
    close_to_torch(f"lib.{fn}(lib.tensor([{row}] * 3), 1)")
    close_to_torch(f"lib.{fn}(lib.tensor([{row}] * 3).t().contiguous(), 0)")


def test_strided_inputs_give_contiguous_results_as_torch():
    close_to_torch("lib.softmax(lib.arange(12.).view(3, 4).t(), 1)")
    close_to_torch("lib.log_softmax(lib.arange(12.).view(3, 4)[:, ::2], 0)")


def test_backend_refuses_mismatched_or_strided_buffers():
    x = tm.ones(4, 6)
    with pytest.raises(RuntimeError, match="size"):
        cpu.softmax(tm.empty(4, 5), x, 1, False)
    with pytest.raises(RuntimeError, match="contiguous"):
        cpu.softmax(tm.empty(6, 4).t(), x, 1, False)
