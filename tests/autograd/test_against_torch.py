"""Gradients compared with PyTorch's on the same data, including the edge cases where a
formula has a choice to make (ties, zeros, clamp bounds, kinks). Skipped without torch."""
import numpy as np
import pytest

import tensorrt_mini as tm

torch = pytest.importorskip("torch")

# each case: (input arrays, fn(lib, *tensors) -> tensor); written once for both libraries
T = np.array([[1.0, 3.0, 3.0, -2.0], [0.0, 0.0, 5.0, -1.0], [2.0, 2.0, 2.0, 0.5]], np.float32)
CASES = {
    "amax-ties": ((T,), lambda L, x: x.amax(1)),
    "amin-ties-all": ((T,), lambda L, x: x.amin()),
    "max-ties": ((T,), lambda L, x: x.max()),
    "max-dim-ties": ((T,), lambda L, x: x.max(1)[0]),
    "min-dim-keepdim": ((T,), lambda L, x: x.min(0, keepdim=True)[0]),
    "maximum-ties": ((T, T[::-1].copy()), lambda L, a, b: L.maximum(a, b)),
    "minimum-ties": ((T, T[::-1].copy()), lambda L, a, b: L.minimum(a, b)),
    "prod-zeros": ((T,), lambda L, x: x.prod(1)),
    "prod-zeros-all": ((T[1:2],), lambda L, x: x.prod()),
    "relu-at-zero": ((T,), lambda L, x: x.relu()),
    "abs-at-zero": ((T,), lambda L, x: x.abs()),
    "clamp-at-bounds": ((T,), lambda L, x: x.clamp(0.0, 2.0)),
    "clamp-tensor-bounds": ((T, T * 0 + 0.5, T * 0 + 2.0), lambda L, x, lo, hi: L.clamp(x, lo, hi)),
    "clamp-crossed-bounds": ((T, T * 0 + 2.0, T * 0 + 1.0), lambda L, x, lo, hi: L.clamp(x, lo, hi)),
    "sqrt-of-zero": ((np.abs(T),), lambda L, x: x.sqrt()),
    "pow-zero-base": ((np.abs(T), T), lambda L, a, b: a ** b),
    "rpow": ((T,), lambda L, x: 2.0 ** x),
    "std-dim": ((T,), lambda L, x: x.std(1)),
    "var-all": ((T,), lambda L, x: x.var(unbiased=False)),
    "where-broadcast": ((T, T[0]), lambda L, a, b: L.where(a > 1, a, b)),
    "matmul-broadcast": ((np.ones((2, 3, 4), np.float32), T.T.copy()),
                         lambda L, a, b: L.matmul(a, b)),
    "index-repeat": ((T,), lambda L, x: x[L.tensor([0, 2, 0])][:, [1, 1]]),
    "mask": ((T,), lambda L, x: x[x > 1]),
    "cat-stack": ((T, T), lambda L, a, b: L.stack([L.cat([a, b], 1), L.cat([b, a], 1)])),
    "sigmoid-tanh-erf": ((T,), lambda L, x: x.sigmoid() * x.tanh() + L.erf(x)),
    "log-softmax-like": ((T,), lambda L, x: x - (x - x.amax(1, keepdim=True)).exp().sum(1, keepdim=True).log()),
    "remainder": ((T, T * 0 + 1.5), lambda L, a, b: L.remainder(a, b)),
    "setitem-chain": ((T,), lambda L, x: _setitem_chain(L, x)),
    "view-inplace": ((T,), lambda L, x: _view_inplace(L, x)),
}


def _setitem_chain(L, x):
    y = x * 2
    y[0] = 7.0
    y[1:, 1] = x[1:, 0] * 3
    y[L.tensor([2, 2])] += 1.0
    return y


def _view_inplace(L, x):
    y = x * 1
    y.diagonal().mul_(3)
    y[:, 1:].t().add_(x[0, :3])
    return y.exp()


def _run(lib, arrays, fn, seed):
    xs = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = fn(lib, *xs)
    g = np.random.default_rng(seed).standard_normal(tuple(out.shape)).astype(np.float32)
    out.backward(lib.tensor(g))
    return np.asarray(out.detach()), [None if x.grad is None else np.asarray(x.grad) for x in xs]


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name):
    arrays, fn = CASES[name]
    out, grads = _run(tm, arrays, fn, 1)
    t_out, t_grads = _run(torch, arrays, fn, 1)
    np.testing.assert_allclose(out, t_out, rtol=1e-5, atol=1e-6)
    for g, tg in zip(grads, t_grads):
        if tg is None:
            assert g is None or not g.any()
        else:
            np.testing.assert_allclose(g, tg, rtol=1e-5, atol=1e-5)
