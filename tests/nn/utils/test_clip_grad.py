"""Gradient clipping against PyTorch: the total norm returned, the scaled gradients, every
norm type, non-finite norms, and parameters without gradients."""
import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini import nn
from tensorrt_mini.backends import cuda_runtime
from tensorrt_mini.nn import utils

GRADS = [np.arange(-3.0, 3.0).reshape(2, 3), np.array([0.5, -4.0]), np.full((2, 2), 0.25)]


def _params(L, grads, device="cpu", dtype="float32"):
    ps = []
    for g in grads:
        p = L.nn.Parameter(L.zeros(g.shape, dtype=getattr(L, dtype), device=device))
        if g is not None:
            p.grad = L.tensor(g, dtype=getattr(L, dtype), device=device)
        ps.append(p)
    ps.append(L.nn.Parameter(L.zeros(2, device=device)))  # no grad: left out
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, "inf", float("inf")])
@pytest.mark.parametrize("max_norm", [1.0, 100.0])
def test_clip_grad_norm_as_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    mine, theirs = _params(tm, GRADS), _params(torch, GRADS)
    n_mine = utils.clip_grad_norm_(mine, max_norm, norm_type)
    n_theirs = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert n_mine.dtype == tm.float32 and n_mine.shape == ()
    np.testing.assert_allclose(n_mine.item(), n_theirs.item(), rtol=1e-6)
    for a, b in zip(mine[:-1], theirs[:-1]):
        np.testing.assert_allclose(np.asarray(a.grad), b.grad.numpy(), rtol=1e-6)
    assert mine[-1].grad is None


def test_clip_grad_norm_edge_cases():
    assert utils.clip_grad_norm_([], 1.0).item() == 0.0
    p = nn.Parameter(tm.zeros(3))
    p.grad = tm.tensor([3.0, 4.0, 0.0])
    assert utils.clip_grad_norm_(p, 1.0).item() == pytest.approx(5.0)  # one tensor
    p.grad = tm.tensor([float("nan"), 1.0, 0.0])
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from "
                       "`parameters` is non-finite"):
        utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert np.isnan(np.asarray(p.grad)[0]) and np.asarray(p.grad)[1] == 1.0  # unchanged


def test_get_total_norm_promotes_dtypes_as_torch():
    torch = pytest.importorskip("torch")
    mine = utils.get_total_norm([tm.ones(2), tm.ones(3, dtype=tm.float64)])
    theirs = torch.nn.utils.get_total_norm([torch.ones(2), torch.ones(3, dtype=torch.float64)])
    assert str(mine.dtype) == str(theirs.dtype)
    assert mine.item() == pytest.approx(theirs.item())


def test_clip_grad_value_as_torch():
    torch = pytest.importorskip("torch")
    mine, theirs = _params(tm, GRADS), _params(torch, GRADS)
    utils.clip_grad_value_(mine, 0.75)
    torch.nn.utils.clip_grad_value_(theirs, 0.75)
    for a, b in zip(mine[:-1], theirs[:-1]):
        np.testing.assert_array_equal(np.asarray(a.grad), b.grad.numpy())


def test_clipping_on_cuda():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    ps = _params(tm, GRADS, device="cuda")
    total = utils.clip_grad_norm_(ps, 1.0)
    assert total.device.type == "cuda"
    want = np.sqrt(sum((g ** 2).sum() for g in GRADS))
    assert total.item() == pytest.approx(want, rel=1e-6)
    np.testing.assert_allclose(np.asarray(ps[0].grad.cpu()), GRADS[0] / (want + 1e-6),
                               rtol=1e-6)
