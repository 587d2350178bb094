"""The cuda batch norm kernels under the simulator (the backend's channel_moments and
plane_affine): rows longer than a block, more rows than blocks, several parts per row,
more planes than the grid holds, per-plane scales; against a float64 reference."""
import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime

RNG = np.random.default_rng(5)


@pytest.fixture
def backend(sim):
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    from tensorrt_mini.backends import cuda
    return cuda


@pytest.mark.parametrize("dtype,shape", [
    (tm.float32, (3, 5, 19)),  # 5 rows > GRID_X blocks; 19 > REDUCE_THREADS; 3 > 2 parts
    (tm.float64, (3, 5, 19)),
    (tm.float64, (9, 3, 2)),  # rows shorter than a block: flat, over 2 parts
])
def test_moments(backend, dtype, shape):
    x = (RNG.standard_normal(shape) + 100).astype(dtype.np)
    mean = tm.empty(shape[1], dtype=dtype, device="cuda")
    var = tm.empty(shape[1], dtype=dtype, device="cuda")
    backend.channel_moments(mean, var, tm.tensor(x, device="cuda"))
    ref = x.astype(np.float64)
    tol = 1e-5 if dtype is tm.float32 else 1e-12
    np.testing.assert_allclose(np.asarray(mean.cpu()), ref.mean((0, 2)), rtol=tol)
    np.testing.assert_allclose(np.asarray(var.cpu()), ref.var((0, 2)), rtol=tol * 10)


@pytest.mark.parametrize("rows,shape", [
    (1, (3, 2, 37)),  # 37 > THREADS * GRID_X; 6 planes > GRID_YZ
    (3, (3, 2, 37)),
    (3, (3, 2, 1)),  # planes shorter than a block: flat
    (1, (9, 2, 3)),  # flat, 54 elements > THREADS * GRID_X
])
def test_planes(backend, rows, shape):
    x = RNG.standard_normal(shape)
    scale, shift = RNG.standard_normal((rows, 2)), RNG.standard_normal((rows, 2))
    out = tm.empty(shape, dtype=tm.float64, device="cuda")
    backend.plane_affine(out, tm.tensor(x, device="cuda"), tm.tensor(scale, device="cuda"),
                         tm.tensor(shift, device="cuda"))
    np.testing.assert_allclose(np.asarray(out.cpu()), x * scale[..., None] + shift[..., None],
                               rtol=1e-12)


def test_buffers_are_checked(backend):
    x = tm.ones(2, 3, 4, device="cuda")
    with pytest.raises(RuntimeError, match="channel_moments: buffers of size"):
        backend.channel_moments(tm.empty(3), tm.empty(3), x)  # on another device
    with pytest.raises(RuntimeError, match="plane_affine: scale"):
        backend.plane_affine(tm.empty(2, 3, 4, device="cuda"), x, tm.ones(2, 2, device="cuda"),
                             tm.ones(2, 2, device="cuda"))
