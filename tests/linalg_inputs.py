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
