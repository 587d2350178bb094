"""The CPU's float32 exp, tanh, erf and log (kernels/cpu/scalar_math.py) against float64
references: within 4 ulp of the correctly rounded result everywhere (libm's and torch's
are within 1), with IEEE special values; float64 keeps libm's results exactly."""
import math

import numba as nb
import numpy as np
import pytest

from tensorrt_mini.kernels.cpu import scalar_math as sm

SPECIALS = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, -1e-30, 1e-40, -1e-40,
                     1.2e-38, 88.72, 88.73, -87.3, -103.9, -104.0, 9.0, 9.02, 3.99, 4.01,
                     0.875, -0.875, 0.55, -0.55], np.float32)
REFERENCES = {"exp": np.exp, "tanh": np.tanh, "log": np.log,
              "erf": np.vectorize(math.erf, otypes=[np.float64])}


def _run(fn, x):
    @nb.njit(error_model="numpy")
    def kernel(x, out):
        for i in range(x.shape[0]):
            out[i] = fn(x[i])
    out = np.empty_like(x)
    kernel(x, out)
    return out


def _ulps(got, want):
    """|got - want| in units of the float32 spacing at want (denormals: of the smallest)."""
    spacing = np.spacing(np.abs(want).astype(np.float32)).astype(np.float64)
    spacing = np.maximum(spacing, 2.0 ** -149)
    return np.abs(got.astype(np.float64) - want) / spacing


@pytest.mark.parametrize("name", ["exp", "tanh", "erf", "log"])
def test_float32_within_4_ulp(name):
    fn = getattr(sm, name)
    x = np.concatenate([np.linspace(-110, 100, 400_001, dtype=np.float32),
                        np.linspace(-5, 5, 400_001, dtype=np.float32),
                        np.geomspace(1e-38, 1, 20_001).astype(np.float32),
                        np.geomspace(1e-45, 3e38, 200_001).astype(np.float32), SPECIALS])
    got = _run(fn, x)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        want = REFERENCES[name](x.astype(np.float64))
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)
    with np.errstate(over="ignore"):
        rounded = want.astype(np.float32)
    finite = ~nan & np.isfinite(rounded)
    assert _ulps(got[finite], want[finite]).max() <= 4
    overflow = ~nan & ~np.isfinite(rounded)  # the float32 result is +-inf
    assert np.array_equal(got[overflow], rounded[overflow])
    # signed zeros keep their sign where the function is odd
    zeros = (x == 0)
    if name in ("tanh", "erf"):
        assert np.array_equal(np.signbit(got[zeros]), np.signbit(x[zeros]))


@pytest.mark.parametrize("name", ["exp", "tanh", "erf", "log"])
def test_float64_is_libm(name):
    x = np.linspace(-20, 20, 10_001)
    got = _run(getattr(sm, name), x)
    want = _run(getattr(math, name), x)
    assert np.array_equal(got, want, equal_nan=True)  # log of a negative: NaN
