"""The cpu's batch norm passes (backend channel_moments and plane_affine): values against
a float64 reference, serial and parallel, across CHUNK, far from zero; buffer checks."""
import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cpu
from tensorrt_mini.kernels.cpu import batch_norm as kernels

RNG = np.random.default_rng(4)


@pytest.mark.parametrize("shape", [(1, 1, 2), (3, 5, 7), (2, 3, kernels.CHUNK + 5),
                                   (40, 3, 300)])  # the last two: parallel
@pytest.mark.parametrize("dtype", [tm.float32, tm.float64])
def test_moments_match_a_float64_reference(shape, dtype):
    x = (RNG.standard_normal(shape) * 0.5 + 1000).astype(dtype.np)  # far from 0
    mean, var = tm.empty(shape[1], dtype=dtype), tm.empty(shape[1], dtype=dtype)
    cpu.channel_moments(mean, var, tm.from_numpy(x))
    ref = x.astype(np.float64)
    tol = 1e-6 if dtype is tm.float32 else 1e-12
    np.testing.assert_allclose(np.asarray(mean), ref.mean((0, 2)), rtol=tol)
    np.testing.assert_allclose(np.asarray(var), ref.var((0, 2)), rtol=1e-4 if tol > 1e-9 else 1e-9)


@pytest.mark.parametrize("shape", [(2, 3, 4), (64, 4, 200)])
@pytest.mark.parametrize("rows", ["per-channel", "per-plane"])
def test_planes_apply_one_scale_and_shift_each(shape, rows):
    n, c, _ = shape
    x = RNG.standard_normal(shape)
    r = 1 if rows == "per-channel" else n
    scale, shift = RNG.standard_normal((r, c)), RNG.standard_normal((r, c))
    out = tm.empty(shape, dtype=tm.float64)
    cpu.plane_affine(out, tm.from_numpy(x), tm.from_numpy(scale), tm.from_numpy(shift))
    np.testing.assert_allclose(np.asarray(out), x * scale[..., None] + shift[..., None],
                               rtol=1e-12)


def test_buffers_are_checked():
    x = tm.ones(2, 3, 4)
    with pytest.raises(RuntimeError, match="channel_moments: buffers of size"):
        cpu.channel_moments(tm.empty(2), tm.empty(3), x)
    with pytest.raises(RuntimeError, match="channel_moments"):
        cpu.channel_moments(tm.empty(3), tm.empty(3), tm.ones(0, 3, 4))
    with pytest.raises(RuntimeError, match="channel_moments"):
        cpu.channel_moments(tm.empty(3, dtype=tm.float64), tm.empty(3), x)
    with pytest.raises(RuntimeError, match="plane_affine: scale"):
        cpu.plane_affine(tm.empty(2, 3, 4), x, tm.ones(3, 3), tm.ones(3, 3))
    with pytest.raises(RuntimeError, match="plane_affine: scale"):
        cpu.plane_affine(tm.empty(2, 3, 4), x, tm.ones(1, 3).expand(2, 3), tm.ones(2, 3))
