"""Inputs for the linear-algebra tests: random matrices in float32 or float64, symmetric
positive-definite ones, transposed layouts, and each dtype's tolerance."""
import numpy as np

import tensorrt_mini as tm

RNG = np.random.default_rng(1)


def matrices(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def spd(*shape, dtype=np.float64):
    """Symmetric positive-definite matrices of shape + (n,), n the last of shape."""
    a = matrices(*shape, shape[-1])
    return (a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def transposed(a):
    """A tm tensor of a's values whose last two dims are stored transposed."""
    return tm.tensor(np.ascontiguousarray(np.swapaxes(a, -1, -2))).transpose(-1, -2)


def tol(dtype):
    return dict(rtol=2e-4, atol=2e-4) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-9)


def assert_laid_out_as_torch(expr, torch):
    """expr (over lib, L = lib.linalg and matrices a, b, s, w) gives torch's shape, dtype
    and strides (each matrix column-major, as LAPACK writes it); and its values where they
    are unique (not the sign of a vector)."""
    a, b = matrices(2, 4, 4) + 4 * np.eye(4), matrices(2, 4, 3)
    s, w = spd(2, 4), matrices(2, 5, 3)
    got, want = (eval(expr, {"lib": lib, "L": lib.linalg, "a": lib.tensor(a),
                             "b": lib.tensor(b), "s": lib.tensor(s), "w": lib.tensor(w)})
                 for lib in (tm, torch))
    assert (tuple(got.shape), str(got.dtype).split(".")[-1], tuple(got.stride())) == \
        (tuple(want.shape), str(want.dtype).split(".")[-1], tuple(want.stride()))
    if not any(v in expr for v in (".Q", ".U", ".Vh", "eigenvectors")):
        np.testing.assert_allclose(np.asarray(got), want.numpy(), rtol=1e-10, atol=1e-10)
