"""Gradients through in-place ops: the graph is rebased onto the op's node, so results
match the out-of-place computation."""
import pytest

import tensorrt_mini as tm
from tensorrt_mini.autograd import gradcheck


INPLACE = {
    "add_": lambda x, w: (x * 1).add_(w),
    "add_-alpha": lambda x, w: (x * 1).add_(w, alpha=2),
    "sub_": lambda x, w: (x * 2).sub_(w),
    "mul_": lambda x, w: (x * 2).mul_(w),
    "div_": lambda x, w: (x * 2).div_(w),
    "pow_": lambda x, w: (x * 1).abs().add_(0.5).pow_(w),
    "iadd": lambda x, w: _iadd(x * 1, w),
    "chain": lambda x, w: (x * 1).mul_(w).add_(x).exp_(),
    "unary": lambda x, w: (x + w).sin_().mul_(2).tanh_(),
    "clamp_": lambda x, w: (x * w).clamp_(-0.3, 0.4),
    "copy_": lambda x, w: (x * 1).copy_(w * 3),
    "fill_": lambda x, w: (x * w).fill_(2.0) + x,
    "zero_": lambda x, w: (x * w).zero_() + w,
    "view-mul_": lambda x, w: _on_view(x * 1, lambda v: v.mul_(w[1:])),
    "view-copy_": lambda x, w: _on_view(x * 1, lambda v: v.copy_(w[:2] * 2)),
    "setitem-basic": lambda x, w: _setitem(x * 1, slice(0, 2), w[1:] ** 2),
    "setitem-advanced": lambda x, w: _setitem(x * 1, tm.tensor([2, 0]), w[:2] * 3),
    "setitem-mask": lambda x, w: _setitem(x * 1, tm.tensor([True, False, True]), w[1:]),
    "setitem-into-no-grad": lambda x, w: _setitem(tm.zeros(3, dtype=tm.float64), 1, (x * w)[0]),
}


def _iadd(y, w):
    y += w
    return y


def _on_view(y, op):
    op(y[1:])
    return y


def _setitem(y, idx, value):
    y[idx] = value
    return y


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace(name, view):
    x = view((3,), low=0.2, high=0.8)
    w = view((3,), low=0.5, high=1.5)
    assert gradcheck(INPLACE[name], (x, w))


def test_inplace_result_takes_the_op_node():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.add_(1)
    assert y.grad_fn.name() == "AddBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_inplace_on_a_view_rebases_the_base():
    x = tm.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = x * 1
    v = b[1:]
    v.mul_(10)
    assert b.grad_fn.name() == "CopySlices"
    assert v.grad_fn.name() == "AsStridedBackward0"
    b.sum().backward()
    assert x.grad.tolist() == [1.0, 10.0, 10.0]


def test_setitem_makes_a_tensor_require_grad():
    w = tm.tensor([3.0], requires_grad=True)
    z = tm.zeros(3)
    z[1] = w[0] * 2
    assert z.requires_grad and z.grad_fn.name() == "CopySlices"
    (z * tm.tensor([1.0, 5.0, 1.0])).sum().backward()
    assert w.grad.tolist() == [10.0]


def test_comparison_in_place_cuts_the_gradient():
    x = tm.tensor([1.0, -1.0], requires_grad=True)
    y = x * 3
    y.gt_(0)
    (y * x).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0]


def test_changing_a_saved_result_in_place_raises_like_torch():
    x = tm.tensor([0.5, 1.0], dtype=tm.float64, requires_grad=True)
    y = (x * 1).exp_().add_(1)  # exp_'s backward needs its result, which add_ changed
    with pytest.raises(RuntimeError, match=r"output 0 of Exp, is at version 2; expected version 1"):
        y.sum().backward()
