"""SGD, Adam and AdamW: trajectories against a numpy transcription of PyTorch's update
rules (always) and against torch.optim itself (where importable)."""
import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini import optim

RNG = np.random.default_rng(0)
P0 = RNG.standard_normal((3, 4)).astype(np.float32)
GRADS = [RNG.standard_normal((3, 4)).astype(np.float32) for _ in range(4)]


def sgd_reference(lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
                  maximize=False):
    p, buf = P0.astype(np.float64), None
    for g in GRADS:
        d = -g if maximize else g.astype(np.float64)
        d = d + weight_decay * p
        if momentum:
            buf = d if buf is None else momentum * buf + (1 - dampening) * d
            d = d + momentum * buf if nesterov else buf
        p = p - lr * d
    return p


def adam_reference(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                   decoupled=False, maximize=False):
    p = P0.astype(np.float64)
    m, v, vmax = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(GRADS, 1):
        g = -g if maximize else g.astype(np.float64)
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        vmax = np.maximum(vmax, v)
        denom = np.sqrt(vmax if amsgrad else v) / np.sqrt(1 - betas[1] ** t) + eps
        p = p - lr / (1 - betas[0] ** t) * m / denom
    return p


def run(lib, make, grads=GRADS):
    p = lib.tensor(P0.copy(), requires_grad=True)
    opt = make(lib, [p])
    for g in grads:
        p.grad = lib.tensor(g.copy())
        opt.step()
    return np.asarray(p.detach())


SGD_CASES = [dict(lr=0.1), dict(lr=0.1, momentum=0.9), dict(lr=0.1, momentum=0.9, dampening=0.5),
             dict(lr=0.1, momentum=0.9, nesterov=True), dict(lr=0.1, weight_decay=0.1),
             dict(lr=0.05, momentum=0.5, weight_decay=0.01, maximize=True)]
ADAM_CASES = [dict(lr=0.01), dict(lr=0.01, weight_decay=0.1), dict(lr=0.01, amsgrad=True),
              dict(lr=0.01, betas=(0.5, 0.9), eps=1e-3, maximize=True)]


@pytest.mark.parametrize("kw", SGD_CASES, ids=str)
def test_sgd(kw):
    mine = run(tm, lambda L, ps: optim.SGD(ps, **kw))
    np.testing.assert_allclose(mine, sgd_reference(**kw), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kw", ADAM_CASES, ids=str)
def test_adam(kw):
    mine = run(tm, lambda L, ps: optim.Adam(ps, **kw))
    np.testing.assert_allclose(mine, adam_reference(**kw), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kw", ADAM_CASES + [dict(lr=0.01, weight_decay=0.5)], ids=str)
def test_adamw(kw):
    mine = run(tm, lambda L, ps: optim.AdamW(ps, **kw))
    expected = adam_reference(decoupled=True, **{"weight_decay": 1e-2, **kw})
    np.testing.assert_allclose(mine, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,kw", [("SGD", c) for c in SGD_CASES] +
                         [("Adam", c) for c in ADAM_CASES] + [("AdamW", c) for c in ADAM_CASES],
                         ids=str)
def test_against_torch(name, kw):
    torch = pytest.importorskip("torch")
    mine = run(tm, lambda L, ps: getattr(optim, name)(ps, **kw))
    theirs = run(torch, lambda L, ps: getattr(torch.optim, name)(ps, **kw))
    np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)


def test_parameters_without_grad_are_skipped():
    a = tm.ones(2, requires_grad=True)
    b = tm.ones(2, requires_grad=True)
    opt = optim.SGD([a, b], lr=1.0)
    a.grad = tm.ones(2)
    opt.step()
    assert a.tolist() == [0.0, 0.0] and b.tolist() == [1.0, 1.0]


def test_step_bumps_the_version_so_stale_graphs_raise():
    w = tm.ones(2, requires_grad=True)
    y = (w * w).sum()
    w.grad = tm.ones(2)
    optim.SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_non_contiguous_parameter_and_gradient():
    base = tm.ones(4, 3)
    p = base.t().detach().requires_grad_()  # a (3, 4) leaf with transposed strides
    p.grad = tm.arange(12.0).view(4, 3).t()
    optim.SGD([p], lr=1.0).step()
    np.testing.assert_array_equal(np.asarray(p.detach()), 1 - np.arange(12.0).reshape(4, 3).T)


def test_large_parameter_uses_the_parallel_kernel():
    p = tm.zeros(100_000, requires_grad=True)
    p.grad = tm.ones(100_000)
    opt = optim.Adam([p], lr=0.1)
    opt.step()
    np.testing.assert_allclose(np.asarray(p.detach()), -0.1, rtol=1e-5)


def test_closure_is_evaluated_with_grad():
    w = tm.tensor([2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss
    assert opt.step(closure).item() == 4.0
    assert w.tolist() == [1.0]


@pytest.mark.parametrize("name, kw, key", [("SGD", {"lr": 0.1, "momentum": 0.9}, "momentum_buffer"),
                                           ("Adam", {"lr": 0.1}, "exp_avg"),
                                           ("AdamW", {"lr": 0.1, "amsgrad": True}, "max_exp_avg_sq")])
def test_state_of_a_transposed_parameter_lines_up_with_it(name, kw, key):
    # regression: state allocated like a transposed parameter was walked in memory order
    # while the parameter was walked in logical order, scrambling the state tensor
    w = np.arange(12, dtype=np.float32).reshape(3, 4)
    p = tm.nn.Parameter(tm.tensor(w).t())
    q = tm.nn.Parameter(tm.tensor(np.ascontiguousarray(w.T)))
    opt_p = getattr(tm.optim, name)([p], **kw)
    opt_q = getattr(tm.optim, name)([q], **kw)
    g = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    for step in range(2):
        p.grad = tm.tensor(g * (step + 1))
        q.grad = tm.tensor(g * (step + 1))
        opt_p.step()
        opt_q.step()
    assert np.array_equal(np.asarray(p.detach()), np.asarray(q.detach()))
    assert np.array_equal(np.asarray(opt_p.state[p][key]), np.asarray(opt_q.state[q][key]))


@pytest.mark.parametrize("dtype, name, kw", [
    ("float16", "SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.01)),
    ("bfloat16", "SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.01)),
    ("bfloat16", "Adam", dict(lr=0.01, amsgrad=True))])
def test_half_parameters_against_torch(dtype, name, kw):
    """The fused steps compute in float32 and round each state once, where torch's
    for-loop steps round after every op: a few ulps apart after three steps. The states
    keep torch's dtypes (Adam's step count float32, the moments in the parameter's).
    (Not Adam in float16: there torch's per-op rounding underflows small second moments
    and eps=1e-8 to 0, giving NaN or jumps that tm's float32 step does not make.)"""
    torch = pytest.importorskip("torch")
    w0 = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    x0 = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    results = []
    for lib in (tm, torch):
        w = lib.tensor(w0).to(getattr(lib, dtype)).requires_grad_()
        opt = getattr(lib.optim, name)([w], **kw)
        for _ in range(3):
            opt.zero_grad()
            (lib.tensor(x0).to(w.dtype) @ w.t()).square().mean().backward()
            opt.step()
        results.append((w, [str(v.dtype) for v in opt.state[w].values() if hasattr(v, "dtype")]))
    (ours, our_states), (theirs, their_states) = results
    assert str(ours.dtype) == str(theirs.dtype) and our_states == their_states
    ulp = {"float16": 2 ** -10, "bfloat16": 2 ** -7}[dtype]
    np.testing.assert_allclose(ours.float().tolist(), theirs.float().detach().numpy(),
                               rtol=4 * ulp, atol=4 * ulp)
