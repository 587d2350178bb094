"""The cpu's one-pass-per-row layer_norm: values against a float64 reference for every
affine form, serial and parallel, and torch's values, strides and errors."""
import numpy as np
import pytest

import tensorrt_mini as tm
import tensorrt_mini.nn.functional as F
from oracle import close_to_torch, same_as_torch
from tensorrt_mini.backends import cpu

RNG = np.random.default_rng(3)


def _reference(x, w, b, eps):
    x = x.astype(np.float64)
    xhat = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps)
    return xhat * (1 if w is None else w) + (0 if b is None else b)


@pytest.mark.parametrize("affine", ["none", "weight", "both", "bias"])
@pytest.mark.parametrize("dtype", [tm.float32, tm.float64])
@pytest.mark.parametrize("shape", [(1,), (7,), (3, 9), (2, 3, 16), (600, 100)])
def test_values_match_a_float64_reference(shape, dtype, affine):
    x = (RNG.standard_normal(shape) * 3 + 5).astype(dtype.np)
    k = shape[-1]
    w = RNG.standard_normal(k).astype(dtype.np) if affine in ("weight", "both") else None
    b = RNG.standard_normal(k).astype(dtype.np) if affine in ("both", "bias") else None
    got = F.layer_norm(tm.from_numpy(x), (k,), *(None if a is None else tm.from_numpy(a)
                                                 for a in (w, b)))
    tol = 1e-4 if dtype is tm.float32 else 1e-10
    np.testing.assert_allclose(np.asarray(got), _reference(x, w, b, 1e-5), rtol=tol, atol=tol)


@pytest.mark.parametrize("expr", [
    "lib.nn.functional.layer_norm(lib.arange(24.).view(2, 3, 4) ** 2, (4,))",
    "lib.nn.functional.layer_norm(lib.arange(24.).view(2, 3, 4), (3, 4))",
    "lib.nn.functional.layer_norm(lib.full((2, 5), 3.), (5,), lib.ones(5), lib.zeros(5))",
    "lib.nn.functional.layer_norm(lib.tensor([[1., float('nan'), 2.]]), (3,))",
    "lib.nn.functional.layer_norm(lib.arange(12.).view(3, 4).t(), (3,))",
    "lib.nn.functional.layer_norm(lib.arange(12.).view(3, 4), (4,), bias=lib.ones(4))",
    # rows whose mean is exactly 0 (the variance pass once took 0 for "no shift")
    "lib.nn.functional.layer_norm(lib.tensor([[-2., -1., 1., 2.], [3., -3., 0., 0.]]), (4,))",
])
def test_values_as_torch(expr):
    close_to_torch(expr, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("expr", [
    "lib.nn.functional.layer_norm(lib.ones(2, 0), (0,))",
    "lib.nn.functional.layer_norm(lib.ones(2, 3), (3,), lib.ones(3, dtype=lib.float64))",
    "lib.nn.functional.layer_norm(lib.ones(2, 3), (3,), None, lib.ones(3, dtype=lib.float64))",
    "lib.nn.functional.layer_norm(lib.ones(2, 3), (2,))",
])
def test_edges_and_errors_as_torch(expr):
    same_as_torch(expr)


def test_gradients_flow_through_the_fused_forward():
    x = tm.tensor(RNG.standard_normal((4, 6)), requires_grad=True)
    w = tm.tensor(RNG.standard_normal(6), requires_grad=True)
    assert tm.autograd.gradcheck(lambda x, w: F.layer_norm(x, (6,), w), (x, w))


def test_backend_refuses_buffers_that_do_not_fit():
    x = tm.ones(4, 6)
    with pytest.raises(RuntimeError, match="do not fit"):
        cpu.layer_norm(tm.empty(4, 6), tm.empty(4, 6), tm.empty(3), x, None, None, 1e-5)
    with pytest.raises(RuntimeError, match="weight or bias"):
        cpu.layer_norm(tm.empty(4, 6), tm.empty(4, 6), tm.empty(4), x, tm.ones(5), None, 1e-5)


@pytest.mark.parametrize("shape", [(2, 0), (0, 3)])
def test_empty_inputs_warn_nothing_as_torch(shape):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert F.layer_norm(tm.ones(shape), (shape[-1],)).shape == shape
