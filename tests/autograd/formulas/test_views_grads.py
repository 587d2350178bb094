"""gradcheck of the view ops, indexing and clone, on inputs in several layouts."""
import pytest

import tensorrt_mini as tm
from oracle import needs_torch
from tensorrt_mini.autograd import gradcheck

VIEWS = {
    "view": ((2, 6), lambda x: x.contiguous().view(3, 4)),
    "reshape": ((2, 6), lambda x: x.reshape(4, 3)),
    "reshape-copy": ((2, 6), lambda x: x.t().reshape(12)),
    "flatten": ((2, 2, 3), lambda x: x.flatten(1)),
    "transpose": ((2, 3, 4), lambda x: x.transpose(0, 2)),
    "t": ((2, 3), lambda x: x.t()),
    "T": ((2, 3, 4), lambda x: x.T),
    "permute": ((2, 3, 4), lambda x: x.permute(1, 2, 0)),
    "movedim": ((2, 3, 4), lambda x: x.movedim(0, -1)),
    "expand": ((3, 1), lambda x: x.expand(2, 3, 4)),
    "expand_as": ((4,), lambda x: x.expand_as(tm.zeros(3, 4))),
    "squeeze": ((3, 1, 2), lambda x: x.squeeze()),
    "squeeze-dim": ((3, 1, 2), lambda x: x.squeeze(1)),
    "unsqueeze": ((3, 2), lambda x: x.unsqueeze(1)),
    "narrow": ((4, 5), lambda x: x.narrow(1, 1, 3)),
    "select": ((4, 5), lambda x: x.select(0, 2)),
    "diagonal": ((4, 5), lambda x: x.diagonal(1)),
    "diagonal-negative": ((4, 5), lambda x: x.diagonal(-1)),
    "unbind": ((3, 2), lambda x: x.unbind(1)[1]),
    "split": ((5, 2), lambda x: x.split(2)[2]),
    "chunk": ((5, 2), lambda x: x.chunk(2, 0)[0]),
    "clone": ((3, 2), lambda x: x.clone()),
    "contiguous": ((3, 2), lambda x: x.t().contiguous()),
    "slice-stepped": ((6, 5), lambda x: x[1::2, ::3]),
    "index-int": ((4, 5), lambda x: x[2, 1:]),
    "index-none-ellipsis": ((4, 5), lambda x: x[None, ..., 1]),
    "index-tensor-repeats": ((4, 5), lambda x: x[tm.tensor([0, 2, 2, 3])]),
    "index-two-tensors": ((4, 5), lambda x: x[tm.tensor([0, 3, 0]), tm.tensor([1, 1, 1])]),
    "index-list-and-slice": ((4, 5), lambda x: x[1:, [4, 0, 4]]),
    "index-mask": ((4, 5), lambda x: x[x.detach() > 0]),
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_view_ops(name, view):
    shape, fn = VIEWS[name]
    assert gradcheck(fn, (view(shape),))


AS_STRIDED = {
    "disjoint": ((3, 2), (1, 3), 0),
    "offset": ((2, 2), (4, 1), 2),
    "overlapping": ((3, 3), (1, 1), 0),
    "broadcast": ((2, 4), (0, 2), 1),
}


@pytest.mark.parametrize("name", sorted(AS_STRIDED))
def test_as_strided(name, leaf):
    size, stride, offset = AS_STRIDED[name]
    x = leaf((12,))
    assert gradcheck(lambda x: x.as_strided(size, stride, offset), (x,))


def test_as_strided_of_an_overlapping_input(leaf):
    """An expanded input reaches each element from several indices: each gets a share."""
    x = leaf((3,))
    assert gradcheck(lambda x: x.expand(2, 3).as_strided((2, 2), (1, 1)), (x,))


def test_expand_sums_the_gradient_back():
    x = tm.tensor([[1.0], [2.0]], requires_grad=True)
    x.expand(2, 3).sum().backward()
    assert x.grad.tolist() == [[3.0], [3.0]]


def test_advanced_index_accumulates_repeated_positions():
    x = tm.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[tm.tensor([0, 0, 2, 0])].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


@pytest.mark.parametrize("call", [
    lambda y: y.unsqueeze_(1), lambda y: y.squeeze_(), lambda y: y.t_(),
    lambda y: y.transpose_(0, 1), lambda y: y.as_strided_((3, 2), (1, 3)),
    lambda y: y.unsqueeze_(0).transpose_(0, 2).squeeze_(1),
])
def test_in_place_view_methods_differentiate_as_their_views(call):
    """y.t_() on a non-leaf: y's grad_fn is t's node, and the gradient flows back through
    y's old value to x."""
    torch = needs_torch()
    grads = []
    for lib in (tm, torch):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
        y = x * 2
        assert call(y) is y
        weights = lib.arange(float(y.numel())).reshape(y.shape)
        (y * weights).sum().backward()
        grads.append(x.grad.tolist())
    assert grads[0] == grads[1]


def test_in_place_view_methods_refuse_leaves_as_torch():
    x = tm.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used "
                                           "in an in-place operation"):
        x.unsqueeze_(0)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        x[0].unsqueeze_(0)
    assert x.shape == (2, 3)
    with tm.no_grad():
        x.t_()
    assert x.shape == (3, 2) and x.grad_fn is None
