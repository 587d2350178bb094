"""Gradients of gradients (create_graph=True): Hessian-vector products of many ops
against torch's, gradgradcheck against finite differences, and the ops that refuse."""
import importlib

import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import needs_torch
from tensorrt_mini.autograd import gradgradcheck


def F(L):
    return importlib.import_module(L.__name__ + ".nn.functional")


SECOND_DERIVATIVES = {
 "mul": lambda L, x, w: (x * x * w).sum(),
 "exp": lambda L, x, w: (x.exp() * w).sum(),
 "tanh": lambda L, x, w: (x.tanh() * w).sum(),
 "sigmoid": lambda L, x, w: (x.sigmoid() * w).sum(),
 "log": lambda L, x, w: ((x * x + 1).log() * w).sum(),
 "sqrt": lambda L, x, w: ((x * x + 1).sqrt() * w).sum(),
 "pow3": lambda L, x, w: (x.pow(3) * w).sum(),
 "div": lambda L, x, w: (w / (x * x + 1)).sum(),
 "sin": lambda L, x, w: (x.sin() * w).sum(),
 "relu": lambda L, x, w: (F(L).relu(x) * x * w).sum(),
 "gelu": lambda L, x, w: (F(L).gelu(x) * w).sum(),
 "softmax": lambda L, x, w: (F(L).softmax(x, 1) * w).sum(),
 "log_softmax": lambda L, x, w: (F(L).log_softmax(x, 1) * w).sum(),
 "matmul": lambda L, x, w: ((x @ w.t()) ** 2).sum(),
 "mean_var": lambda L, x, w: (x.var(1) * w[:, 0]).sum() + x.mean() ** 2,
 "sum_dim": lambda L, x, w: (x.sum(0) ** 2).sum(),
 "amax": lambda L, x, w: (x.amax(1) ** 2).sum(),
 "max_dim": lambda L, x, w: (x.max(1)[0] ** 2).sum(),
 "norm": lambda L, x, w: (x * x).sum().sqrt(),
 "mse": lambda L, x, w: F(L).mse_loss(x * x, w),
 "cross_entropy": lambda L, x, w: F(L).cross_entropy(x * x, L.tensor([0, 2, 1])),
 "nll": lambda L, x, w: F(L).nll_loss(F(L).log_softmax(x, 1), L.tensor([0, 2, 1])),
 "layer_norm": lambda L, x, w: (F(L).layer_norm(x, (4,)) * w).sum(),
 "linear": lambda L, x, w: (F(L).linear(x, w) ** 2).sum(),
 "index": lambda L, x, w: (x[L.tensor([0, 2])] ** 2 * w[:2]).sum(),
 "view_t": lambda L, x, w: (x.t().reshape(-1) ** 3).sum(),
 "cat": lambda L, x, w: (L.cat([x, x * x], 0) ** 2).sum(),
 "where": lambda L, x, w: (L.where(x > 0, x * x, x.exp()) * w).sum(),
 "clamp": lambda L, x, w: (x.clamp(-0.5, 0.5) * x * w).sum(),
 "cumsum": lambda L, x, w: (x.cumsum(1) ** 2 * w).sum(),
 "cumprod": lambda L, x, w: (x.cumprod(1) * w).sum(),
 "sort": lambda L, x, w: (x.sort(1)[0] ** 2 * w).sum(),
 "scatter_add": lambda L, x, w: (x.scatter_add(1, L.tensor([[0, 0, 1, 1]] * 3), x * x) * w).sum(),
 "einsum": lambda L, x, w: (L.einsum("ij,ij->i", x, x) ** 2).sum(),
 "gather": lambda L, x, w: (x.gather(1, L.tensor([[0, 3]] * 3)) ** 3).sum(),
 "abs": lambda L, x, w: (x.abs() * x * w).sum(),
 "erf": lambda L, x, w: (x.erf() * w).sum(),
 "pad": lambda L, x, w: (F(L).pad(x.unsqueeze(0), (1, 1), mode="reflect") ** 3).sum(),
 "embedding": lambda L, x, w: (F(L).embedding(L.tensor([0, 2, 2]), x) ** 3).sum(),
 "dropout0": lambda L, x, w: (F(L).dropout(x, 0.0) ** 3).sum(),
 "product": lambda L, x, w: (x.tanh() * x.sigmoid()).sum(),
}

X = np.array([[0.5, -1.2, 0.3, 2.0], [1.1, 0.2, -0.7, 0.4], [-0.3, 0.9, 1.5, -2.2]])
W = np.array([[0.2, -0.5, 1.0, 0.3], [0.7, 0.1, -0.4, 0.9], [0.5, 0.5, -1.0, 0.25]])
V = np.array([[1.0, 0.5, -0.5, 0.2], [0.3, -1.0, 0.4, 0.1], [0.2, 0.2, 0.6, -0.3]])


def _hessian_vector(L, f):
    x = L.tensor(X, requires_grad=True)
    (g,) = L.autograd.grad(f(L, x, L.tensor(W)), x, create_graph=True)
    (h,) = L.autograd.grad((g * L.tensor(V)).sum(), x, allow_unused=True)
    return np.zeros_like(X) if h is None else np.array(h.tolist())


@pytest.mark.parametrize("name", sorted(SECOND_DERIVATIVES))
def test_hessian_vector_products_match_torch(name):
    torch = needs_torch()
    f = SECOND_DERIVATIVES[name]
    np.testing.assert_allclose(_hessian_vector(tm, f), _hessian_vector(torch, f), rtol=1e-9,
                               atol=1e-12)


@pytest.mark.parametrize("fn", [
    lambda t: (t.tanh() * t).sum(1), lambda t: F(tm).softmax(t, 1), lambda t: t @ t.t(),
    lambda t: F(tm).layer_norm(t, (3,)), lambda t: t.sort(1)[0] * t.exp(),
    lambda t: F(tm).cross_entropy(t, tm.tensor([0, 2])), lambda t: t.cumprod(1),
])
def test_gradgradcheck(fn):
    x = tm.tensor([[0.5, 1.0, -0.7], [-0.3, 0.2, 1.4]], dtype=tm.float64, requires_grad=True)
    assert gradgradcheck(fn, (x,))


def test_a_gradient_penalty_trains_as_in_torch():
    """|d loss / d x|^2 added to the loss: one step of a WGAN-GP style penalty."""
    torch = needs_torch()
    results = []
    for L in (tm, torch):
        w = L.tensor([[0.5, -1.0], [0.25, 2.0]], dtype=L.float64, requires_grad=True)
        x = L.tensor([[1.0, 2.0], [-1.0, 0.5]], dtype=L.float64, requires_grad=True)
        out = (x @ w).tanh().sum()
        (gx,) = L.autograd.grad(out, x, create_graph=True)
        (out + (gx * gx).sum()).backward()
        results.append(w.grad.tolist())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


def test_logcumsumexp_has_a_second_derivative():
    torch = needs_torch()
    # large magnitudes too, and gradients of both signs and zero: nothing overflows
    values = [[0.5, -1.0, 2.0, 0.0], [900.0, -800.0, 1.5, 901.0]]
    weights = [[1.0, -2.0, 0.0, 0.5], [0.25, 3.0, -1.5, -0.75]]
    results = []
    for L in (tm, torch):
        x = L.tensor(values, dtype=L.float64, requires_grad=True)
        w = L.tensor(weights, dtype=L.float64, requires_grad=True)
        (gx,) = L.autograd.grad((x.logcumsumexp(1) * w).sum(), x, create_graph=True)
        ((gx * gx).sum() + (gx * x).sum()).backward()
        results.append((gx.tolist(), x.grad.tolist(), w.grad.tolist()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-300)
    rng = np.random.default_rng(5)
    for dim in (0, 1):
        x = tm.tensor(rng.standard_normal((3, 4)), requires_grad=True)
        assert gradgradcheck(lambda t: t.logcumsumexp(dim), (x,))


def test_custom_function_saved_output_leads_back():
    class Exp(tm.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

    x = tm.tensor([0.5, 1.0], dtype=tm.float64, requires_grad=True)
    (g,) = tm.autograd.grad(Exp.apply(x).sum(), x, create_graph=True)
    (h,) = tm.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.tolist(), np.exp([0.5, 1.0]))


def test_once_differentiable_refuses_a_second_derivative():
    class Square(tm.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @tm.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = tm.tensor([0.5, 1.0], dtype=tm.float64, requires_grad=True)
    y = Square.apply(x)
    seed = tm.ones(2, dtype=tm.float64, requires_grad=True)
    (g,) = tm.autograd.grad(y, x, seed, create_graph=True)
    assert g.tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="differentiate twice a function that was marked "
                                           "with @once_differentiable"):
        g.sum().backward()
