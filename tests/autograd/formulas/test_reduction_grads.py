"""gradcheck of the reductions, and PyTorch's rules for ties and zeros."""
import pytest

import tensorrt_mini as tm
from tensorrt_mini.autograd import gradcheck

REDUCTIONS = {
    "sum": lambda x: x.sum(),
    "sum-dim": lambda x: x.sum(1),
    "sum-dims-keepdim": lambda x: x.sum((0, 2), keepdim=True),
    "mean": lambda x: x.mean(),
    "mean-dim": lambda x: x.mean(-1),
    "mean-dims-keepdim": lambda x: x.mean((0, 1), keepdim=True),
    "prod": lambda x: x.prod(),
    "prod-dim": lambda x: x.prod(1),
    "prod-dim-keepdim": lambda x: x.prod(2, keepdim=True),
    "var": lambda x: x.var(),
    "var-dim": lambda x: x.var(1),
    "var-correction0-keepdim": lambda x: x.var((0, 2), correction=0, keepdim=True),
    "std": lambda x: x.std(),
    "std-dim-unbiased-false": lambda x: x.std(2, unbiased=False),
    "amax": lambda x: x.amax(),
    "amax-dims": lambda x: x.amax((0, 2)),
    "amin-dim-keepdim": lambda x: x.amin(1, keepdim=True),
    "max": lambda x: x.max(),
    "min": lambda x: x.min(),
    "max-dim": lambda x: x.max(1).values,
    "min-dim-keepdim": lambda x: x.min(2, keepdim=True)[0],
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reductions(name, view):
    # distinct values: max/min are not differentiable at ties
    assert gradcheck(REDUCTIONS[name], (view((2, 3, 4), avoid=0.2),))


def test_reductions_of_0d():
    x = tm.tensor(1.5, dtype=tm.float64, requires_grad=True)
    for fn in (lambda x: x.sum(), lambda x: x.prod(), lambda x: x.amax(),
               lambda x: x.max(0).values, lambda x: x.mean()):
        assert gradcheck(fn, (x,))


def test_prod_with_zeros():
    x = tm.tensor([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 4.0]], dtype=tm.float64,
                  requires_grad=True)
    x.prod(1).sum().backward()
    assert x.grad.tolist() == [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0], [8.0, 4.0, 2.0]]
    assert gradcheck(lambda x: x.prod(1), (x,))
    assert gradcheck(lambda x: x.prod(), (x,))


def test_amax_ties_share_the_gradient_evenly():
    x = tm.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], dtype=tm.float64, requires_grad=True)
    x.amax(1).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]]
    y = tm.tensor([4.0, 1.0, 4.0], requires_grad=True)
    y.max().backward()  # max() without a dim is amax: ties share
    assert y.grad.tolist() == [0.5, 0.0, 0.5]


def test_max_along_a_dim_routes_to_the_returned_index():
    x = tm.tensor([[1.0, 3.0, 3.0], [5.0, 0.0, 5.0]], requires_grad=True)
    values, indices = x.max(1)
    values.sum().backward()
    expected = [[0.0] * 3, [0.0] * 3]
    for row, i in enumerate(indices.tolist()):
        expected[row][i] = 1.0
    assert x.grad.tolist() == expected
    assert not indices.requires_grad


def test_std_of_constant_input_has_zero_gradient():
    x = tm.ones(4, dtype=tm.float64, requires_grad=True)
    x.std().backward()
    assert x.grad.tolist() == [0.0] * 4


def test_sum_with_dtype_gives_the_input_dtype():
    x = tm.ones(3, dtype=tm.float32, requires_grad=True)
    x.sum(dtype=tm.float64).backward()
    assert x.grad.dtype == tm.float32
