"""Bilinear and Unflatten against PyTorch: values, gradients, init bounds, reprs, errors."""
import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import outcome
from tensorrt_mini import nn
from tensorrt_mini.backends import cuda_runtime


def test_bilinear_values_and_grads_as_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x1, x2 = rng.standard_normal((4, 2, 3)), rng.standard_normal((2, 4, 5))
    w, b = rng.standard_normal((6, 3, 5)), rng.standard_normal(6)

    def run(L):
        ts = [L.tensor(a, requires_grad=True) for a in (x1, x2, w, b)]
        y = L.nn.functional.bilinear(ts[0], ts[1].transpose(0, 1), ts[2], ts[3])  # a view
        (y * L.arange(float(y.numel()), dtype=L.float64).reshape(y.shape)).sum().backward()
        return [np.array(y.tolist())] + [np.array(t.grad.tolist()) for t in ts]
    for mine, theirs in zip(run(tm), run(torch)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10)


def test_bilinear_module_init_repr_and_errors():
    torch = pytest.importorskip("torch")
    m = nn.Bilinear(20, 30, 4)
    assert repr(m) == repr(torch.nn.Bilinear(20, 30, 4))
    bound = 1 / np.sqrt(20)
    w = np.asarray(m.weight.detach())
    assert w.shape == (4, 20, 30) and 0.9 * bound < np.abs(w).max() <= bound
    assert nn.Bilinear(2, 3, 4, bias=False).bias is None
    for expr in ["L.nn.functional.bilinear(L.zeros(2, 3), L.zeros(2, 4), L.zeros(5, 3, 3))",
                 "L.nn.functional.bilinear(L.zeros(2, 3), L.zeros(3, 4), L.zeros(5, 3, 4))",
                 "L.nn.functional.bilinear(L.zeros(2, 3), L.zeros(2, 4), L.zeros(5, 3, 4), "
                 "L.zeros(4))"]:
        assert outcome(tm, lambda: eval(expr, {"L": tm})) == \
            outcome(torch, lambda: eval(expr, {"L": torch}))


def test_bilinear_on_cuda():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    m = nn.Bilinear(2, 3, 2)
    x1, x2 = tm.randn(4, 2), tm.randn(4, 3)
    want = np.asarray(m(x1, x2).detach())
    got = m.cuda()(x1.cuda(), x2.cuda())
    np.testing.assert_allclose(np.asarray(got.detach().cpu()), want, rtol=1e-5, atol=1e-6)


def test_unflatten_as_torch():
    torch = pytest.importorskip("torch")
    for expr in ["L.nn.Unflatten(1, (2, -1))", "L.nn.Unflatten(1, (2, 5))(L.zeros(3, 10)).shape",
                 "L.nn.Unflatten(-1, (2, 3))(L.zeros(6)).shape",
                 "L.nn.Unflatten(1, [2, 3.0])", "L.nn.Unflatten(1, 6)",
                 "L.nn.Unflatten(1, (2, 3))(L.zeros(2, 5))"]:
        assert outcome(tm, lambda: eval(expr, {"L": tm})) == \
            outcome(torch, lambda: eval(expr, {"L": torch}))
