"""cat and stack: values against numpy, PyTorch's dtype promotion, legacy empty tensors
and PyTorch's errors."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorrt_mini as tm
from oracle import (DTYPES, assert_values, expr_outcome, host, needs_torch, same_as_torch,
                    torch_dtype)
from view_strategies import layouts


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_cat_and_stack_random_layouts(data):
    shape = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=3).map(tuple))
    d = data.draw(st.integers(-len(shape), len(shape) - 1))
    parts = []
    for _ in range(data.draw(st.integers(1, 3))):
        s = list(shape)
        s[d] = data.draw(st.integers(0, 3))
        parts.append(data.draw(layouts(tm.float32, shape=st.just(tuple(s)))))
    got = tm.cat([t for t, _ in parts], d)
    assert_values(got, np.concatenate([a for _, a in parts], d), dtype=tm.float32)
    assert got.is_contiguous()
    same = [data.draw(layouts(tm.float32, shape=st.just(shape))) for _ in range(2)]
    sd = data.draw(st.integers(-len(shape) - 1, len(shape)))
    assert_values(tm.stack([t for t, _ in same], sd), np.stack([a for _, a in same], sd))


def test_cat_promotes_dtypes():
    assert tm.cat([tm.ones(2, dtype=tm.int32), tm.zeros(1, dtype=tm.float64)]).dtype is tm.float64
    assert tm.cat([tm.ones(2, dtype=tm.uint8), tm.zeros(1, dtype=tm.int8)]).dtype is tm.int16
    assert_values(tm.cat([tm.ones(2, dtype=tm.bool), tm.zeros(1, dtype=tm.int8)]), [1, 1, 0],
                  dtype=tm.int8)
    assert tm.stack([tm.ones(2), tm.zeros(2, dtype=tm.int64)]).dtype is tm.float32
    # legacy empty 1-D tensors are skipped for shapes but still count for the dtype
    got = tm.cat([tm.ones(2, 2, dtype=tm.int32), tm.zeros(0, dtype=tm.float64)])
    assert got.shape == (2, 2) and got.dtype is tm.float64
    assert tm.cat([tm.zeros(0), tm.zeros(0)]).shape == (0,)
    assert_values(tm.cat((tm.arange(3),)), [0, 1, 2])


def test_cat_dtype_matches_torch():
    torch = needs_torch()
    for a in DTYPES:
        for b in DTYPES:
            got = tm.cat([tm.ones(1, dtype=a), tm.zeros(1, dtype=b)])
            expected = torch.cat([torch.ones(1, dtype=torch_dtype(torch, a)),
                                  torch.zeros(1, dtype=torch_dtype(torch, b))])
            assert str(got.dtype) == str(expected.dtype)
            np.testing.assert_array_equal(host(got), expected.numpy())


def test_cat_errors():
    with pytest.raises(ValueError, match="expected a non-empty list of Tensors"):
        tm.cat([])
    with pytest.raises(RuntimeError, match="Sizes of tensors must match except in dimension 0. "
                                           "Expected size 3 but got size 2 for tensor number 2"):
        tm.cat([tm.ones(2, 3), tm.ones(1, 3), tm.zeros(2, 2)])  # regression: used ==, not index
    with pytest.raises(RuntimeError, match="Tensors must have same number of dimensions"):
        tm.cat([tm.ones(2, 3), tm.zeros(3)])
    with pytest.raises(RuntimeError, match="zero-dimensional tensor \\(at position 1\\) cannot be"):
        tm.cat([tm.ones(1), tm.tensor(2.0)])
    with pytest.raises(IndexError, match="Dimension out of range"):
        tm.cat([tm.ones(2), tm.ones(1)], 1)
    with pytest.raises(RuntimeError, match="stack expects a non-empty TensorList"):
        tm.stack([])
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got "
                                           r"\[2\] at entry 0 and \[3\] at entry 1"):
        tm.stack([tm.ones(2), tm.zeros(3)])
    with pytest.raises(IndexError, match="Dimension out of range"):
        tm.stack([tm.ones(2)], 3)
    assert tm.stack([tm.tensor(1), tm.tensor(2)]).tolist() == [1, 2]
    assert tm.concat is tm.cat


@pytest.mark.parametrize("expr", [
    "lib.arange(12.).reshape(3, 4).repeat(2, 1)", "lib.arange(12.).reshape(3, 4).t().repeat(2, 1, 3)",
    "lib.arange(12.).reshape(3, 4).repeat((1, 2))", "lib.tensor(5).repeat(3)",
    "lib.arange(12.).reshape(3, 4).repeat(0, 2)", "lib.arange(12.).reshape(3, 4).repeat(2)",
    "lib.arange(12.).reshape(3, 4).tile((2,))", "lib.tile(lib.arange(12.).reshape(3, 4), (2, 1, 1))",
])
def test_repeat_and_tile_match_torch(expr):
    same_as_torch(expr)


def test_repeat_gradient_sums_the_copies():
    x = tm.tensor([[1.0, 2.0]], requires_grad=True)
    (x.repeat(3, 2) * tm.arange(12.0).reshape(3, 4)).sum().backward()
    assert x.grad.tolist() == [[0 + 4 + 8 + 2 + 6 + 10, 1 + 5 + 9 + 3 + 7 + 11]]


def test_repeat_and_tile_never_alias_their_input():
    """repeat(1) was a view of x, and tile((2, 1)) of a 1x1 tensor had strides (0, 1), so
    writing the result wrote x (and both rows)."""
    def repeat_then_write(lib):
        x = lib.tensor([1., 2.])
        y = x.repeat(1)
        y.add_(1)
        return x, y
    same_as_torch(repeat_then_write)

    def tile_then_write(lib):
        x = lib.tensor([[-4]])
        y = x.tile((2, 1))
        y[0] = 9
        return x, y
    same_as_torch(tile_then_write)
    same_as_torch(lambda lib: lib.ones(2, 3).repeat(1, 1))
    same_as_torch(lambda lib: lib.ones(1, 3).repeat(4, 1))


STACKS_EXPRESSIONS = [
    'L.hstack([L.ones(2), L.zeros(3)])',
    'L.vstack([L.ones(2), L.zeros(2)])',
    'L.dstack([L.ones(2), L.zeros(2)])',
    'L.column_stack([L.ones(2), L.zeros(2, 3)])',
    'L.row_stack([L.ones(2), L.zeros(2)])',
    'L.hstack([L.ones(2, 1), L.zeros(2, 2)])',
    "[(t.shape, t.stride()) for t in L.meshgrid(L.arange(2), L.arange(3), indexing='ij')]",
    "[(t.shape, t.stride()) for t in L.meshgrid(L.arange(2), L.arange(3), indexing='xy')]",
    "[(t.shape, t.stride()) for t in L.meshgrid(L.arange(2), L.arange(3), L.arange(4), indexing='xy')]",
    'L.cartesian_prod(L.tensor([1, 2]), L.tensor([3, 4]))',
    'L.cartesian_prod(L.tensor([1, 2]))',
    'L.atleast_2d(L.tensor(1.)).shape',
    'L.atleast_3d(L.ones(2, 3)).shape',
    'L.atleast_1d(L.ones(()), L.ones(2))',
]


@pytest.mark.parametrize("expr", STACKS_EXPRESSIONS)
def test_stacks_match_torch(expr):
    """Results (values, shapes, strides) and errors, as torch gives them."""
    torch = needs_torch()
    assert expr_outcome(tm, expr) == expr_outcome(torch, expr)




def test_stack_of_views_of_one_storage_and_layout():
    """The cpu stack reads views that share a storage and strides (a dataset's rows) by one
    gather of their windows: rows of a transposed tensor, overlapping and expanded views,
    0-d elements, along each new dim; gradients still flow (the autograd path)."""
    base = np.arange(60.0, dtype=np.float32).reshape(3, 4, 5)
    x = tm.from_numpy(base.copy()).transpose(0, 2)  # (5, 4, 3), strided
    rows = [x[4], x[0], x[4], x[2]]
    for d in (0, 1, 2, -1):
        assert_values(tm.stack(rows, d), np.stack([base.transpose(2, 1, 0)[i] for i in
                                                   (4, 0, 4, 2)], d))
    flat = tm.arange(10)
    windows = [flat[i:i + 4] for i in (0, 3, 6)]  # overlapping
    assert_values(tm.stack(windows), [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]])
    assert_values(tm.stack([flat[7], flat[2]]), [7, 2])  # 0-d
    wide = tm.arange(3.0).expand(2, 3)  # stride 0
    assert_values(tm.stack([wide, wide], 1), np.stack([np.broadcast_to(np.arange(3.0), (2, 3))] * 2, 1))
    w = tm.arange(6.0).reshape(2, 3).requires_grad_()
    (tm.stack([w[1], w[0]]) * tm.tensor([[1.0], [2.0]])).sum().backward()
    assert_values(w.grad, [[2.0] * 3, [1.0] * 3])
