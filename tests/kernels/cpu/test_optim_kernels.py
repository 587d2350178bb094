"""The fused optimizer kernels: serial and parallel twins agree with the numpy formula."""
import numpy as np
import pytest

from tensorrt_mini.kernels.cpu import optim as K


@pytest.mark.parametrize("kernel", [K.sgd, K.sgd_par])
@pytest.mark.parametrize("first", [True, False])
def test_sgd(kernel, first):
    rng = np.random.default_rng(0)
    p, g, buf = (rng.standard_normal(40000).astype(np.float32) for _ in range(3))
    p0, buf0 = p.astype(np.float64), buf.astype(np.float64)
    kernel(p, g, buf, 0.1, 0.01, 0.9, 0.1, True, False, first)
    d = g + 0.01 * p0
    b = d if first else 0.9 * buf0 + 0.9 * d
    np.testing.assert_allclose(buf, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(p, p0 - 0.1 * (d + 0.9 * b), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kernel", [K.adam, K.adam_par])
@pytest.mark.parametrize("decoupled", [True, False])
def test_adam(kernel, decoupled):
    rng = np.random.default_rng(1)
    p, g = (rng.standard_normal(40000) for _ in range(2))
    m, v, vmax = np.zeros(40000), np.zeros(40000), np.zeros(40000)
    p0 = p.copy()
    kernel(p, g, m, v, vmax, 0.1, 0.9, 0.999, 1e-8, 0.5, 0.1 / 0.1, 0.001 ** 0.5, True, False,
           decoupled)
    w = p0 * (1 - 0.1 * 0.5) if decoupled else p0
    d = g if decoupled else g + 0.5 * p0
    np.testing.assert_allclose(m, 0.1 * d)
    np.testing.assert_allclose(v, 0.001 * d * d)
    np.testing.assert_allclose(vmax, v)
    np.testing.assert_allclose(p, w - 1.0 * m / (np.sqrt(v) / 0.001 ** 0.5 + 1e-8))
