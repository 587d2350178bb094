"""View ops: sizes, strides and storage offsets equal PyTorch's, values equal numpy's, and
every view shares its base's storage.

Random view chains run three ways: against a numpy mirror (values), against the storage
itself (values read back through strides and offset), and, where torch is installed,
against torch (sizes, strides, offsets, step by step). Hard-coded PyTorch facts keep the
stride checks meaningful without torch.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime
from oracle import (assert_view_consistent, expr_outcome, host, meta, needs_torch, numbered,
                    same_as_torch, same_storage)
from view_strategies import shapes, view_chains

CHAINS = settings(max_examples=150, deadline=None)
MAY_COPY = {"reshape", "flatten"}  # views when strides allow, copies otherwise


# --- PyTorch facts, hard-coded -------------------------------------------------------------

def test_seed_strides():
    x = tm.tensor([[1, 2], [3, 4], [5, 6]])
    assert x.stride() == (2, 1)
    assert x.t().stride() == (1, 2)
    assert x.t().tolist() == [[1, 3, 5], [2, 4, 6]]
    y = tm.Tensor([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]])
    assert y.stride() == (5, 1) and y.t().stride() == (1, 5)


def test_seed_view_and_indexing():
    r = tm.ones(2, 2)
    assert r.view(4, 1).shape == (4, 1) and r.view(1, 4).stride() == (4, 1)
    points = tm.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert points[0][1].item() == 2.0 and points[1][1].shape == ()


@pytest.mark.parametrize("make, expected", [
    # (shape, stride, storage offset) as torch 2.x reports them
    (lambda x: x.t(), ((4, 3), (1, 4), 0)),
    (lambda x: x[1], ((4,), (1,), 4)),
    (lambda x: x[:, 1], ((3,), (4,), 1)),
    (lambda x: x[1:, ::2], ((2, 2), (4, 2), 4)),
    (lambda x: x[::2, 1::3], ((2, 1), (8, 3), 1)),
    (lambda x: x[None], ((1, 3, 4), (12, 4, 1), 0)),
    (lambda x: x[:, None], ((3, 1, 4), (4, 4, 1), 0)),
    (lambda x: x[..., None], ((3, 4, 1), (4, 1, 1), 0)),
    (lambda x: x[..., 2], ((3,), (4,), 2)),
    (lambda x: x[:, 5:], ((3, 0), (4, 1), 4)),    # an empty slice still moves the offset
    (lambda x: x[:, 3:1], ((3, 0), (4, 1), 3)),
    (lambda x: x.unsqueeze(1), ((3, 1, 4), (4, 4, 1), 0)),
    (lambda x: x.unsqueeze(2), ((3, 4, 1), (4, 1, 1), 0)),
    (lambda x: x.unsqueeze(-1), ((3, 4, 1), (4, 1, 1), 0)),
    (lambda x: x[:, ::2].unsqueeze(1), ((3, 1, 2), (4, 4, 2), 0)),
    (lambda x: x.narrow(1, 1, 2), ((3, 2), (4, 1), 1)),
    (lambda x: x.narrow(0, -1, 1), ((1, 4), (4, 1), 8)),
    (lambda x: x.narrow(1, 4, 0), ((3, 0), (4, 1), 4)),
    (lambda x: x.select(1, -1), ((3,), (4,), 3)),
    (lambda x: x.diagonal(), ((3,), (5,), 0)),
    (lambda x: x.diagonal(1), ((3,), (5,), 1)),
    (lambda x: x.diagonal(-1), ((2,), (5,), 4)),
    (lambda x: x.diagonal(5), ((0,), (5,), 0)),   # an empty diagonal keeps the offset
    (lambda x: x.expand(2, 3, 4), ((2, 3, 4), (0, 4, 1), 0)),
    (lambda x: x[:1].expand(3, -1), ((3, 4), (0, 1), 0)),
    (lambda x: x.view(2, 6), ((2, 6), (6, 1), 0)),
    (lambda x: x.view(-1), ((12,), (1,), 0)),
    (lambda x: x.t().reshape(2, 6), ((2, 6), (6, 1), 0)),   # a copy: contiguous
    (lambda x: x.t().reshape(4, 3, 1), ((4, 3, 1), (1, 4, 4), 0)),   # still a view
    (lambda x: x[1:].reshape(2, 2, 2), ((2, 2, 2), (4, 2, 1), 4)),   # a view
    (lambda x: x.unflatten(1, (2, 2)), ((3, 2, 2), (4, 2, 1), 0)),
    (lambda x: x.flatten(), ((12,), (1,), 0)),
    (lambda x: x.mT, ((4, 3), (1, 4), 0)),
    (lambda x: x.T, ((4, 3), (1, 4), 0)),
    (lambda x: x.permute(1, 0), ((4, 3), (1, 4), 0)),
    (lambda x: x.as_strided((2, 2), (1, 2), 1), ((2, 2), (1, 2), 1)),
    (lambda x: x[1].as_strided((2,), (3,)), ((2,), (3,), 4)),   # keeps the view's offset
    (lambda x: x.split(3, 1)[1], ((3, 1), (4, 1), 3)),
    (lambda x: x.chunk(2, 0)[1], ((1, 4), (4, 1), 8)),
    (lambda x: x.unbind(1)[2], ((3,), (4,), 2)),
])
def test_view_facts(make, expected):
    x, _ = numbered((3, 4))
    v = make(x)
    assert meta(v) == expected
    assert_view_consistent(v)


@pytest.mark.parametrize("make, expected", [
    (lambda s: s.unsqueeze(0), ((1,), (1,), 0)),
    (lambda s: s[None], ((1,), (1,), 0)),
    (lambda s: s[None, None], ((1, 1), (1, 1), 0)),
    (lambda s: s[...], ((), (), 0)),
    (lambda s: s.t(), ((), (), 0)),
    (lambda s: s.T, ((), (), 0)),
    (lambda s: s.view(1, 1), ((1, 1), (1, 1), 0)),
    (lambda s: s.reshape(-1), ((1,), (1,), 0)),
    (lambda s: s.flatten(), ((1,), (1,), 0)),
    (lambda s: s.expand(2, 3), ((2, 3), (0, 0), 0)),
    (lambda s: s.squeeze(), ((), (), 0)),
    (lambda s: s.squeeze(0), ((), (), 0)),
    (lambda s: s.transpose(0, -1), ((), (), 0)),
])
def test_zero_dim_views(make, expected):
    s = tm.tensor(7.0)
    assert s.shape == () and s.stride() == ()
    v = make(s)
    assert meta(v) == expected
    assert same_storage(v, s) and v.flatten().tolist() == [7.0] * v.numel()


def test_split_and_chunk_sizes():
    def sizes(parts):
        return [tuple(p.shape) for p in parts]
    x = tm.arange(10)
    assert sizes(x.split(3)) == [(3,), (3,), (3,), (1,)]
    assert sizes(x.split([2, 0, 8])) == [(2,), (0,), (8,)]
    assert sizes(x.chunk(4)) == [(3,), (3,), (3,), (1,)]
    assert sizes(tm.arange(6).chunk(4)) == [(2,), (2,), (2,)]  # torch: fewer than asked
    assert sizes(x.chunk(20)) == [(1,)] * 10
    # an empty dim: one empty piece from split, `chunks` empty pieces from chunk
    z = tm.zeros(0, 2)
    assert sizes(z.split(2)) == [(0, 2)]
    assert sizes(z.split(0)) == [(0, 2)]
    assert sizes(z.chunk(3)) == [(0, 2)] * 3
    assert [p.tolist() for p in x.split(4)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_reshape_copies_only_when_needed():
    x, _ = numbered((3, 4))
    assert same_storage(x.reshape(4, 3), x)
    assert same_storage(x[:, :2].reshape(6), x) is False        # rows are not contiguous
    assert same_storage(x[1:].reshape(8), x)
    assert same_storage(x.t().reshape(12), x) is False
    assert same_storage(x.t().reshape(2, 6), x) is False
    assert same_storage(x.t().reshape(4, 1, 3), x)               # only size-1 dims added
    assert same_storage(x[:, :2].reshape(3, 2, 1), x)
    assert x.t().reshape(12).tolist() == np.arange(12).reshape(3, 4).T.reshape(12).tolist()
    e = tm.zeros(0, 3)
    assert e.reshape(3, 0).shape == (3, 0) and e.view(-1, 3).stride() == (3, 1)


def test_views_write_through():
    x, a = numbered((3, 4))
    x.t()[1, 2] = 100.0
    x[:, ::2].mul_(-1)
    x.diagonal().add_(0.5)
    a.T[1, 2] = 100.0
    a[:, ::2] *= -1
    np.einsum("ii->i", a[:, :3])[...] += 0.5
    np.testing.assert_array_equal(np.array(x), a)


def test_view_errors():
    x, _ = numbered((3, 4))
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.t().view(12)
    with pytest.raises(RuntimeError, match=r"shape '\[5, -1\]' is invalid for input of size 12"):
        x.view(5, -1)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        x.view(-1, -1)
    with pytest.raises(RuntimeError, match="t\\(\\) expects a tensor with <= 2 dimensions"):
        tm.zeros(2, 2, 2).t()
    with pytest.raises(RuntimeError, match="tensor.mT is only supported on matrices"):
        tm.zeros(3).mT
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.transpose(0, 2)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.squeeze(2)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.unsqueeze(3)
    with pytest.raises(RuntimeError, match="duplicate dims are not allowed"):
        x.permute(0, 0)
    with pytest.raises(RuntimeError, match="number of dimensions in the tensor input does not match"):
        x.permute(0)
    with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(5\) must match the "
                                           r"existing size \(4\) at non-singleton dimension 1"):
        x.expand(3, 5)
    with pytest.raises(RuntimeError, match="must be greater or equal to the number of dimensions"):
        x.expand(12)
    with pytest.raises(RuntimeError, match="exceeds dimension size"):
        x.narrow(1, 2, 3)
    with pytest.raises(IndexError, match="start out of range"):
        x.narrow(1, 5, 0)
    with pytest.raises(IndexError, match="out of range"):
        x.select(0, 3)
    with pytest.raises(IndexError):
        tm.tensor(1.0).select(0, 0)
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical"):
        x.diagonal(0, 1, 1)
    with pytest.raises(RuntimeError, match="don't multiply up to the size of dim"):
        x.unflatten(1, (3, 2))
    with pytest.raises(RuntimeError, match="out of bounds for storage of size 48"):
        x.as_strided((4, 4), (4, 1))
    with pytest.raises(RuntimeError, match="split_size can only be 0 if dimension size is 0"):
        x.split(0, 1)
    with pytest.raises(RuntimeError, match="chunk expects `chunks` to be greater than 0"):
        x.chunk(0)
    with pytest.raises(RuntimeError, match="split_with_sizes expects split_sizes to sum exactly"):
        x.split([1, 1], 0)
    with pytest.raises(RuntimeError, match="flatten\\(\\) has invalid args"):
        tm.zeros(2, 3, 4).flatten(2, 1)


# --- random view chains ---------------------------------------------------------------------

@CHAINS
@given(view_chains())
def test_view_chains_match_numpy_and_storage(case):
    base_shape, chain = case
    x, a = numbered(base_shape)
    for name, f, g in chain:
        y, b = f(x), g(a)
        np.testing.assert_array_equal(np.array(y), b, err_msg=name)
        assert_view_consistent(y)
        if name not in MAY_COPY:
            assert same_storage(y, x), name
        x, a = y, b


@CHAINS
@given(view_chains())
def test_view_chains_match_torch(case):
    torch = needs_torch()
    base_shape, chain = case
    x, _ = numbered(base_shape)
    tx = torch.arange(x.numel(), dtype=torch.float32).reshape(base_shape)
    for name, f, _ in chain:
        y, ty = f(x), f(tx)
        assert meta(y) == meta(ty), name
        if name in MAY_COPY:  # a view exactly when torch's result is one
            assert same_storage(y, x) == (ty.untyped_storage().data_ptr()
                                          == tx.untyped_storage().data_ptr()), name
        x, tx = y, ty


@settings(max_examples=100, deadline=None)
@given(view_chains(ops=("transpose", "permute", "index", "expand", "unsqueeze", "diagonal")),
       st.data())
def test_view_matches_torch(case, data):
    """view() on any layout: a view exactly when torch allows one, with torch's strides."""
    torch = needs_torch()
    base_shape, chain = case
    x, _ = numbered(base_shape)
    tx = torch.arange(x.numel(), dtype=torch.float32).reshape(base_shape)
    for _, f, _ in chain:
        x, tx = f(x), f(tx)
    n = x.numel()
    sizes = data.draw(st.sampled_from(_viewable_shapes(tuple(x.shape), n)))
    try:
        expected = meta(tx.view(sizes))
    except RuntimeError as e:
        with pytest.raises(RuntimeError, match="view size is not compatible"):
            x.view(sizes)
        assert "view size is not compatible" in str(e)
    else:
        assert meta(x.view(sizes)) == expected


def _viewable_shapes(shape, n):
    """Candidate target shapes of n elements: merges, splits and reversals of shape."""
    out = [(n,), shape, shape[::-1], (1,) + shape, shape + (1,)]
    if len(shape) >= 2:
        out.append(shape[:-2] + (shape[-2] * shape[-1],))
        out.append((shape[0] * shape[1],) + shape[2:])
    return [s for s in out if int(np.prod(s)) == n]


@settings(max_examples=60, deadline=None)
@given(shapes(max_dims=3), st.data())
def test_as_strided_matches_storage(shape, data):
    x, a = numbered(shape)
    n = x.numel()
    size = data.draw(st.lists(st.integers(0, 3), max_size=3))
    stride = data.draw(st.lists(st.integers(0, 3), min_size=len(size), max_size=len(size)))
    span = 0 if 0 in size else sum((k - 1) * s for k, s in zip(size, stride)) + 1
    if span > n:
        with pytest.raises(RuntimeError, match="out of bounds for storage"):
            x.as_strided(size, stride)
        return
    offset = data.draw(st.integers(0, n - span))
    v = x.as_strided(size, stride, offset)
    assert meta(v) == (tuple(size), tuple(stride), offset)
    assert same_storage(v, x)
    expected = np.lib.stride_tricks.as_strided(a.reshape(-1)[offset:], size,
                                               [s * a.itemsize for s in stride])
    np.testing.assert_array_equal(np.array(v), expected)


def test_expand_as_and_view_as():
    x = tm.tensor([[1.0], [2.0]])
    y = tm.zeros(2, 3)
    assert meta(x.expand_as(y)) == ((2, 3), (1, 0), 0)
    assert meta(tm.arange(6.0).view_as(y)) == ((2, 3), (3, 1), 0)
    assert meta(tm.arange(6.0)[::1].reshape_as(y)) == ((2, 3), (3, 1), 0)


def test_contiguous_and_clone_keep_or_copy():
    x, a = numbered((3, 4))
    assert x.contiguous() is x
    c = x.t().contiguous()
    assert c.is_contiguous() and meta(c) == ((4, 3), (3, 1), 0) and not same_storage(c, x)
    np.testing.assert_array_equal(np.array(c), a.T)
    k = x.t().clone()  # clone keeps the (dense) memory order, like torch's preserve_format
    assert k.stride() == (1, 4) and not same_storage(k, x)
    k2 = x[:, ::2].clone()  # not dense: a fresh dense tensor in the same dim order
    assert k2.stride() == (2, 1)
    np.testing.assert_array_equal(np.array(k2), a[:, ::2])
    k3 = x.t()[::2].clone()
    assert k3.stride() == (1, 2)


def test_movedim_of_a_0d_tensor_is_a_view_as_torch():
    same_as_torch(lambda lib: lib.tensor([1., 2., 3.]).as_strided((), (), 1).movedim(0, -1))


# --- in-place view methods -----------------------------------------------------------------

def _in_place_view_calls(draw, x):
    """(method name, args) of an in-place view method valid for x, and its view op."""
    nd = x.dim()
    name = draw(st.sampled_from(["unsqueeze_", "squeeze_", "t_", "transpose_", "swapdims_"]))
    if name == "unsqueeze_":
        return name, (draw(st.integers(-nd - 1, nd)),), "unsqueeze"
    if name == "squeeze_":
        args = () if not nd or draw(st.booleans()) else (draw(st.integers(-nd, nd - 1)),)
        return name, args, "squeeze"
    if name == "t_":
        return (name, (), "t") if nd <= 2 else ("transpose_", (0, nd - 1), "transpose")
    span = max(nd, 1)
    return name, (draw(st.integers(-span, span - 1)), draw(st.integers(-span, span - 1))), \
        "transpose"


@settings(max_examples=100, deadline=None)
@given(view_chains(), st.data())
def test_in_place_view_methods_take_the_views_layout(case, data):
    """x.unsqueeze_(d) makes x itself what x.unsqueeze(d) is: same object, same storage,
    the view's sizes, strides and offset; and torch's, where torch is installed."""
    base_shape, chain = case
    x, _ = numbered(base_shape)
    for _, f, _ in chain:
        x = f(x)
    name, args, view_name = _in_place_view_calls(data.draw, x)
    expected = meta(getattr(x, view_name)(*args))
    values = host(getattr(x, view_name)(*args))
    storage = x.storage()
    assert getattr(x, name)(*args) is x
    assert meta(x) == expected and x.storage() is storage
    np.testing.assert_array_equal(host(x), values)


@settings(max_examples=60, deadline=None)
@given(view_chains(), st.data())
def test_in_place_view_methods_match_torch(case, data):
    torch = needs_torch()
    base_shape, chain = case
    x, _ = numbered(base_shape)
    tx = torch.arange(x.numel(), dtype=torch.float32).reshape(base_shape)
    for _, f, _ in chain:
        x, tx = f(x), f(tx)
    name, args, _ = _in_place_view_calls(data.draw, x)
    getattr(x, name)(*args)
    getattr(tx, name)(*args)
    assert meta(x) == meta(tx)


def test_in_place_view_facts():
    """torch 2.x's results, hard-coded: a view of x keeps its layout when x changes."""
    z = tm.arange(6.).view(2, 3)
    row = z[0]
    z.t_()
    assert meta(z) == ((3, 2), (1, 3), 0) and meta(row) == ((3,), (1,), 0)
    assert meta(tm.ones(3).t_()) == ((3,), (1,), 0)
    assert meta(tm.ones(1, 3, 1).squeeze_()) == ((3,), (1,), 0)
    assert meta(tm.ones(1, 3, 1).squeeze_(0)) == ((3, 1), (1, 1), 0)
    assert meta(tm.ones(3, 1).swapaxes_(0, 1)) == ((1, 3), (1, 1), 0)
    w = tm.arange(6.)
    assert meta(w.as_strided_((2, 2), (1, 2), 1)) == ((2, 2), (1, 2), 1)
    assert w.tolist() == [[1.0, 3.0], [2.0, 4.0]]


def test_in_place_view_methods_count_as_writes():
    """torch bumps the version counter, so autograd sees a saved tensor changed."""
    x = tm.ones(2, 3)
    before = x._version
    x.t_()
    assert x._version == before + 1


def test_in_place_view_errors():
    with pytest.raises(RuntimeError, match=r"t\(\) expects a tensor with <= 2 dimensions, but "
                                           r"self is 3D"):
        tm.ones(3, 4, 5).t_()
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                                         r"\[-2, 1\], but got 5\)"):
        tm.ones(2, 3).squeeze_(5)
    w = tm.zeros(6)
    with pytest.raises(RuntimeError, match="out of bounds for storage of size 24"):
        w.as_strided_((100,), (1,))
    assert meta(w) == ((6,), (1,), 0)  # nothing half-written


def test_resize_keeps_or_grows_the_storage():
    w = tm.zeros(2, 3).t()
    w.resize_(3, 2)  # the same sizes: the strides stay
    assert meta(w) == ((3, 2), (1, 3), 0)
    a = tm.arange(4.).view(2, 2)
    row = a[1]
    a.resize_(10)
    assert meta(a) == ((10,), (1,), 0) and a.storage().size() == 10
    assert a[:4].tolist() == [0.0, 1.0, 2.0, 3.0]
    row.fill_(7.0)  # a view made before still shares the grown storage
    assert a[2:4].tolist() == [7.0, 7.0]
    s = tm.zeros(2, 3)
    assert meta(s.resize_(2)) == ((2,), (1,), 0) and s.storage().size() == 6
    b = tm.ones(3)
    assert b.resize_as_(tm.ones(2, 2)) is b and meta(b) == ((2, 2), (2, 1), 0)
    off = tm.arange(5.)[3:]
    off.resize_(2, 2)  # grows from its storage offset
    assert meta(off) == ((2, 2), (2, 1), 3) and off.storage().size() == 7
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        tm.ones(2, requires_grad=True).resize_(3)
    with pytest.raises(RuntimeError, match="negative dimension -1"):
        tm.ones(2).resize_(2, -1)


def test_resize_on_cuda():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    x = tm.arange(4., device="cuda")
    x.resize_(6)
    assert x.shape == (6,) and x[:4].tolist() == [0.0, 1.0, 2.0, 3.0]


SPLITS_EXPRESSIONS = [
    '[t.tolist() for t in L.tensor_split(L.arange(7.), 3)]',
    '[t.tolist() for t in L.tensor_split(L.arange(7.), [1, 5])]',
    '[t.shape for t in L.tensor_split(L.ones(2, 7), L.tensor([2, 4]), dim=1)]',
    '[t.shape for t in L.tensor_split(L.arange(7.), L.tensor(3))]',
    '[t.shape for t in L.tensor_split(L.arange(7.), [5, 2, 9])]',
    '[t.stride() for t in L.hsplit(L.ones(2, 6), 3)]',
    '[t.shape for t in L.vsplit(L.ones(4, 2), [1])]',
    '[t.shape for t in L.dsplit(L.ones(1, 2, 4), 2)]',
    '[t.shape for t in L.hsplit(L.ones(6), 2)]',
    'L.hsplit(L.ones(2, 5), 3)',
    'L.vsplit(L.ones(5), 1)',
    'L.tensor_split(L.ones(3), 0)',
    'L.tensor_split(L.ones(3), L.tensor([[1]]))',
    '[(t.shape, t.stride()) for t in L.broadcast_tensors(L.ones(2, 1), L.ones(3))]',
    'L.broadcast_shapes((2, 1), (3,))',
    'L.broadcast_shapes(3, (2, 1))',
    'L.broadcast_to(L.ones(3), (2, 3)).stride()',
    'L.ones(3).broadcast_to((2, 3)).shape',
]


@pytest.mark.parametrize("expr", SPLITS_EXPRESSIONS)
def test_splits_match_torch(expr):
    """Results (values, shapes, strides) and errors, as torch gives them."""
    torch = needs_torch()
    assert expr_outcome(tm, expr) == expr_outcome(torch, expr)


