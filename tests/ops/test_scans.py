"""Scans (cumsum, cumprod, cummax, cummin, logcumsumexp, diff): values against numpy over
random layouts, torch's float32 cumsum digits, results, errors and gradients against torch,
and the cuda device (simulated in CI) against the cpu."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorrt_mini as tm
from oracle import expr_outcome, host, needs_torch, weighted_grads
from view_strategies import layouts
from tensorrt_mini.backends import cuda_runtime

EXPRESSIONS = [
    'L.cumsum(L.tensor([1, 2, 3], dtype=L.int32), 0)',
    'L.cumsum(L.tensor([True, True]), 0)',
    'L.cumsum(L.tensor([[1., 2], [3, 4]]).t(), 1)',
    'L.cumsum(L.tensor([1., 2]), 0, dtype=L.float64)',
    'L.cumprod(L.tensor([1, 2, 3], dtype=L.uint8), 0)',
    'L.cumprod(L.tensor([[1., 2], [3, 4]]), 0)',
    "L.cummax(L.tensor([1., 3., 3., 2., float('nan'), 5.]), 0)",
    'L.cummin(L.tensor([3, 1, 2, 1]), 0)',
    'L.cummax(L.tensor([[1, 3], [2, 0]]), 1)',
    'L.logcumsumexp(L.tensor([-1000., 0., 1.]), 0)',
    'L.logcumsumexp(L.tensor([1, 2]), 0)',
    'L.diff(L.tensor([1, 4, 9, 16]))',
    'L.diff(L.tensor([[1, 4], [9, 16]]), dim=0, prepend=L.tensor([[0, 0]]))',
    'L.diff(L.tensor([1., 4, 9]), n=2)',
    'L.diff(L.tensor([True, False, False]))',
    'L.tensor([3, 1, 2]).cumsum(0)',
]




@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_results_and_errors_match_torch(expr):
    torch = needs_torch()
    assert expr_outcome(tm, expr) == expr_outcome(torch, expr)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from((tm.float64, tm.int32, tm.bool)).flatmap(lambda dt: layouts(dt)),
       st.data())
def test_scans_match_numpy(case, data):
    x, xv = case
    d = data.draw(st.integers(0, max(x.dim() - 1, 0)))
    a = xv.reshape(1) if not x.dim() else xv
    acc = np.int64 if xv.dtype.kind in "iub" else np.float64
    expected = {"cumsum": np.cumsum(a, d, dtype=acc), "cumprod": np.cumprod(a, d, dtype=acc)}
    for name, want in expected.items():
        got = getattr(x, name)(d)
        np.testing.assert_allclose(host(got).reshape(want.shape), want, rtol=1e-12)
        assert got.dtype == (tm.int64 if xv.dtype.kind in "iub" else x.dtype)
    if xv.dtype.kind != "b":
        values, indices = x.cummax(d)
        np.testing.assert_array_equal(host(values).reshape(a.shape),
                                      np.maximum.accumulate(a, d))
        picked = np.take_along_axis(a, host(indices).reshape(a.shape), d)
        np.testing.assert_array_equal(picked, host(values).reshape(a.shape))


@pytest.mark.parametrize("n", [1, 7, 1000, 1 << 16, (1 << 16) + 5])
def test_float32_cumsum_prints_torchs_digits(n):
    """torch's cpu cumsum adds float32 in float64 and rounds each partial sum once."""
    torch = needs_torch()
    values = np.random.default_rng(n).standard_normal(n).astype(np.float32) * 100
    ours = host(tm.tensor(values).cumsum(0))
    theirs = torch.tensor(values).cumsum(0).numpy()
    assert ours.tobytes() == theirs.tobytes()


@pytest.mark.parametrize("op", [
    lambda L, x: L.cumsum(x, 1), lambda L, x: L.cumsum(x.t(), 0), lambda L, x: L.cumprod(x, 1),
    lambda L, x: L.cumprod(x, 0), lambda L, x: L.cummax(x, 1)[0], lambda L, x: L.cummin(x, 0)[0],
    lambda L, x: L.logcumsumexp(x, 1), lambda L, x: L.diff(x, n=2, dim=1),
])
@pytest.mark.parametrize("values", ["plain", "zeros"])
def test_gradients_match_torch(op, values):
    torch = needs_torch()
    xv = np.array([[0.5, -2.0, 3.0, 1.0], [4.0, 0.25, -1.0, 2.0], [1.0, 1.5, -3.0, 0.5]])
    if values == "zeros":  # cumprod's zero branches: one zero, two zeros in a row
        xv[0, 1] = 0.0
        xv[1, 1] = xv[1, 3] = 0.0
    ours, theirs = (weighted_grads(lib, op, xv)[0] for lib in (tm, torch))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_logcumsumexp_gradient_with_large_magnitudes():
    """The log-domain gradient stays finite where exp(-out) alone would overflow."""
    torch = needs_torch()
    grads = []
    for lib in (tm, torch):
        x = lib.tensor([-1000.0, 0.0, 800.0, 1.0], requires_grad=True)
        (lib.logcumsumexp(x, 0) * lib.tensor([1.0, -2.0, 3.0, 0.5])).sum().backward()
        grads.append(x.grad.tolist())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)


def test_on_cuda_as_on_cpu():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    results = []
    for device in ("cpu", "cuda"):
        x = tm.tensor([[3.0, 1.0, 2.0], [0.5, -2.0, 4.0]], device=device, dtype=tm.float64)
        out = [x.cumsum(1), x.t().cumsum(1), x.cumprod(0), *x.cummax(1), *x.cummin(0),
               x.logcumsumexp(1), x.diff(dim=1), tm.tensor([1, 2, 3], device=device).cumsum(0)]
        results.append([t.tolist() for t in out])
    np.testing.assert_allclose(np.concatenate([np.ravel(r) for r in results[0]]),
                               np.concatenate([np.ravel(r) for r in results[1]]), rtol=1e-12)
