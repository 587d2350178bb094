"""Indexing, t[idx] and t[idx] = v: basic indices make views (test_views covers their
strides); integer and boolean tensor indices ("advanced") gather and scatter like torch's.

numpy is the oracle with one adjustment: torch applies plain ints first, as selects, and
only then places the advanced dims (adjacent ones stay in place, separated ones move to
the front), while numpy counts ints as advanced. `torch_rule` does the same in numpy.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorrt_mini as tm
from oracle import (assert_values, needs_torch, numbered, same_as_torch, same_storage,
                    same_write_as_torch)
from view_strategies import shapes


def _mask_or_ints(draw, rng, shape, d, bshape):
    """One advanced item for dim d: a bool mask over 1-2 dims or an int array (maybe a
    Python list) with a shape that broadcasts to bshape."""
    if draw(st.integers(0, 3)) == 0:
        k = draw(st.integers(1, min(2, len(shape) - d)))
        mask = rng.integers(0, 2, shape[d:d + k]).astype(bool)
        return mask, k
    n = shape[d]
    ishape = tuple(1 if draw(st.booleans()) else b for b in bshape)
    ishape = ishape[draw(st.integers(0, len(ishape))):]  # fewer dims broadcast too
    if n == 0:
        ints = np.zeros(ishape, np.int64)[..., :0] if ishape else np.zeros(0, np.int64)
    else:
        ints = rng.integers(-n, n, ishape)
    return ints, 1


@st.composite
def advanced_indices(draw):
    """(shape, numpy index): a random mix of int arrays, bool masks, ints, slices, None
    and Ellipsis, with at least one advanced item."""
    shape = draw(shapes(min_dims=1, max_dims=4, max_side=4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    bshape = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    items, d = [], 0
    while d < len(shape) and (not items or draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["adv", "adv", "int", "slice", "none"]))
        if kind == "none":
            items.append(None)
        elif kind == "int" and shape[d]:
            items.append(draw(st.integers(-shape[d], shape[d] - 1)))
            d += 1
        elif kind == "slice":
            items.append(slice(draw(st.integers(-5, 5)), None, draw(st.integers(1, 2))))
            d += 1
        else:
            item, k = _mask_or_ints(draw, rng, shape, d, bshape)
            items.append(item)
            d += k
    if not any(isinstance(i, np.ndarray) for i in items):
        items.append(rng.integers(-shape[d], shape[d], 2) if d < len(shape) and shape[d] else
                     np.array(True))
    if draw(st.booleans()):
        items.insert(draw(st.integers(0, len(items))), Ellipsis)
    return shape, tuple(items)


def _to_tm(item, as_list):
    if isinstance(item, np.ndarray):
        # a list loses the dtype of an empty array, which would then read as int64
        return item.tolist() if as_list and item.size else tm.tensor(item)
    return item


def torch_rule(idx):
    """(first, then): numpy indices that, applied in turn, index an array the way torch
    indexes a tensor: first the ints, slices and None (a view), then the advanced items
    over what is left."""
    first, then = [], []
    for i in idx:
        if isinstance(i, np.ndarray) and i.ndim == 0 and i.dtype != bool:
            i = int(i)  # a 0-d integer index is an int to torch
        if isinstance(i, np.ndarray):
            k = i.ndim if i.dtype == bool else 1
            first += [slice(None)] * k
            then.append(i)
        elif isinstance(i, (int, np.integer)):
            first.append(i)
        else:
            first.append(i)
            then.append(i if i is Ellipsis else slice(None))
    if Ellipsis not in first:
        first.append(Ellipsis)  # so that a full index still gives a view, not a scalar
    return tuple(first), tuple(then)


def index_like_torch(a, idx):
    first, then = torch_rule(idx)
    a = a[first]
    return a[_second_stage(a.shape, then)]


def _second_stage(shape, then):
    """`then` with its Ellipsis spelled out as slices (numpy would count even an empty
    Ellipsis as separating advanced indices; torch does not), and torch's mask check:
    a mask must match the dims it covers (numpy lets size 0 pass over size 1)."""
    def width(i):
        return i.ndim if isinstance(i, np.ndarray) and i.dtype == bool else 1
    out = []
    for i in then:
        if i is Ellipsis:
            out += [slice(None)] * (len(shape) - sum(width(j) for j in then if j is not Ellipsis))
            continue
        d = len(out) + sum(width(j) - 1 for j in out)
        if isinstance(i, np.ndarray) and i.dtype == bool and i.shape != shape[d:d + i.ndim]:
            raise IndexError("the shape of the mask does not match")
        out.append(i)
    return tuple(out)


def _numpy_result(fn):
    try:
        return fn()
    except IndexError:
        return IndexError


@settings(max_examples=150, deadline=None)
@given(advanced_indices(), st.booleans())
def test_getitem_matches_numpy(case, as_list):
    shape, idx = case
    x, a = numbered(shape)
    tidx = tuple(_to_tm(i, as_list) for i in idx)
    expected = _numpy_result(lambda: index_like_torch(a, idx))
    if expected is IndexError:
        # numpy checks every index; torch (so tm) none when nothing is gathered, as
        # test_getitem_matches_torch pins down
        try:
            got = x[tidx]
        except IndexError:
            return
        assert got.numel() == 0, (shape, idx)
        return
    got = x[tidx]
    assert_values(got, expected, dtype=tm.float32)
    if any(isinstance(i, np.ndarray) and (i.ndim or i.dtype == bool) for i in idx):
        assert got.is_contiguous() and not same_storage(got, x)  # a gather makes a copy


@settings(max_examples=100, deadline=None)
@given(advanced_indices(), st.data())
def test_setitem_matches_numpy(case, data):
    shape, idx = case
    x, a = numbered(shape)
    tidx = tuple(_to_tm(i, False) for i in idx)
    target = _numpy_result(lambda: index_like_torch(a, idx))
    if target is IndexError:  # (or nothing to write, where torch checks no index: see above)
        try:
            x[tidx] = 1.0
        except IndexError:
            return
        assert x[tidx].numel() == 0 and np.array_equal(np.array(x), a), (shape, idx)
        return
    # a scalar or a tensor that broadcasts to the indexed shape (maybe with a leading 1)
    vshape = data.draw(st.sampled_from([(), target.shape, target.shape[1:], (1,) + target.shape]))
    v = -np.arange(1, 1 + int(np.prod(vshape)), dtype=np.float32).reshape(vshape)
    x[tidx] = tm.tensor(v) if vshape else float(v)
    first, then = torch_rule(idx)
    view = a[first]
    view[_second_stage(view.shape, then)] = v[0] if vshape == (1,) + target.shape else v  # numpy refuses the extra 1
    assert_values(x, a)


@settings(max_examples=60, deadline=None)
@given(advanced_indices())
def test_getitem_matches_torch(case):
    torch = needs_torch()
    shape, idx = case
    x, a = numbered(shape)
    tx = torch.from_numpy(a.copy())
    tidx = tuple(_to_tm(i, False) for i in idx)
    torch_idx = tuple(torch.from_numpy(i) if isinstance(i, np.ndarray) else i for i in idx)
    try:
        expected = tx[torch_idx]
    except IndexError:
        with pytest.raises(IndexError):
            x[tidx]
        return
    try:
        got = x[tidx]
    except IndexError:
        assert expected.numel() == 0  # torch skips bounds checks when nothing is gathered
        return
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_array_equal(np.array(got), expected.numpy())


# --- hard-coded cases ---------------------------------------------------------------------

def A():
    return numbered((2, 3, 4), tm.int64)


@pytest.mark.parametrize("idx, shape", [
    (([0, 1],), (2, 3, 4)),
    (([[0, 1], [1, 0]],), (2, 4)),                 # a list of lists is a tuple (torch's rule)
    ((slice(None), [0, 2], [1, 3]), (2, 2)),        # adjacent: stays in place
    (([0, 1], slice(None), [1, 3]), (2, 3)),        # non-adjacent: moves to the front
    ((1, slice(None), [1, 3]), (3, 2)),             # torch selects first (numpy: (2, 3))
    (([1, 0], 1), (2, 4)),
    ((None, [1, 0]), (1, 2, 3, 4)),
    ((Ellipsis, [0, 3]), (2, 3, 2)),
    (([True, False],), (1, 3, 4)),
    ((True,), (1, 2, 3, 4)),
    ((False,), (0, 2, 3, 4)),
    ((slice(None), [True, False, True]), (2, 2, 4)),
    (([],), (0, 3, 4)),
])
def test_index_shapes(idx, shape):
    x, a = A()
    got = x[idx if len(idx) > 1 else idx[0]]
    assert tuple(got.shape) == shape
    np_idx = tuple(np.array(i, dtype=None if i else np.int64) if isinstance(i, list) else i
                   for i in idx)
    if idx != ([[0, 1], [1, 0]],):
        np.testing.assert_array_equal(np.array(got), index_like_torch(a, np_idx))


def test_index_tensor_kinds():
    x, a = A()
    assert x[tm.tensor([1, 0], dtype=tm.int32)].tolist() == a[[1, 0]].tolist()
    assert x[tm.tensor([1, 0], dtype=tm.uint8)].tolist() == a[[True, False]].tolist()  # a mask
    assert x[np.array([1, -1])].tolist() == a[[1, -1]].tolist()
    assert x[x > 20].tolist() == [21, 22, 23]
    assert x[tm.tensor([[0, 1], [1, 0]]), tm.tensor([0, 2])].shape == (2, 2, 4)
    # a 0-d integer tensor acts as an int: the result is a view, as in torch
    v = x[tm.tensor(1)]
    assert v.storage_offset() == 12 and same_storage(v, x)
    s = tm.tensor(5)
    assert s[None].shape == (1,) and s[...].shape == () and s[True].shape == (1,)


def test_index_errors():
    x, _ = A()
    with pytest.raises(IndexError, match="index 2 is out of bounds for dimension 0 with size 2"):
        x[2]
    with pytest.raises(IndexError, match="out of bounds"):
        x[-3]
    with pytest.raises(IndexError, match="out of bounds"):
        x[[0, 2]]
    with pytest.raises(IndexError, match="out of bounds"):
        x[:, [-4]]
    with pytest.raises(IndexError, match="out of bounds"):
        x[tm.tensor([5])]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 3"):
        x[0, 0, 0, 0]
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor"):
        tm.tensor(5)[0]
    with pytest.raises(IndexError, match="tensors used as indices must be long, int, byte or bool"):
        x[tm.tensor([0.0])]
    with pytest.raises(IndexError, match="only integers, slices"):
        x[1.5]
    with pytest.raises(IndexError, match="The shape of the mask"):
        x[tm.tensor([True, False, True])]
    with pytest.raises(IndexError, match="shape mismatch: indexing tensors could not be broadcast"):
        x[[0, 1], [0, 1, 2]]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::-1]


def test_setitem_basic_writes_through_views():
    x, a = A()
    x[1] = 0
    x[:, 1] = tm.tensor([9, 8, 7, 6])          # broadcast over dim 0
    x[0, 0] = 2.7                               # converted to the tensor's dtype
    x[..., ::3] = tm.tensor([[-1.5], [-2.5], [-3.5]])
    x.transpose(0, 2)[1, 2] = 100
    a[1] = 0
    a[:, 1] = [9, 8, 7, 6]
    a[0, 0] = 2
    a[..., ::3] = np.array([[-1], [-2], [-3]])
    a.T[1, 2] = 100
    assert_values(x, a, dtype=tm.int64)
    s = tm.tensor(1.0)
    s[()] = 3
    s[...] = s + 1
    assert s.item() == 4.0


def test_setitem_advanced():
    x, a = A()
    x[[0, 1], :, [1, 3]] = tm.tensor([[1, 2, 3], [4, 5, 6]])
    x[x > 20] = -1
    x[0, [-1, -2]] = 7
    x[tm.tensor([True, False])] = tm.tensor([5, 6, 7, 8])
    x[[1, 1], 0, 0] = 42                      # duplicates: the same value either way
    x[[0], 2] = 2.9                             # a Python scalar converts
    a[[0, 1], :, [1, 3]] = [[1, 2, 3], [4, 5, 6]]
    a[a > 20] = -1
    a[0, [-1, -2]] = 7
    a[[True, False]] = [5, 6, 7, 8]
    a[[1, 1], 0, 0] = 42
    a[[0], 2] = 2
    assert_values(x, a)
    y = x.transpose(0, 2)  # scatter through a transposed view
    y[[0, 2]] = 0
    a.T[[0, 2]] = 0
    assert_values(x, a)


def test_setitem_errors():
    x, _ = A()
    with pytest.raises(IndexError, match="out of bounds"):
        x[[0, 5]] = 1
    with pytest.raises(IndexError, match="out of bounds"):
        x[2] = 1
    with pytest.raises(RuntimeError, match=r"shape mismatch: value tensor of shape \[2\] cannot be "
                                           r"broadcast to indexing result of shape \[3\]"):
        x[x > 20] = tm.tensor([1, 2])
    with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(4\) must match the "
                                           r"existing size \(2\) at non-singleton dimension 1"):
        x[0] = tm.zeros(2, 2, dtype=tm.int64)
    with pytest.raises(RuntimeError, match="Index put requires the source and destination dtypes "
                                           "match, got Long for the destination and Float"):
        x[[0]] = tm.tensor(2.5)
    with pytest.raises(RuntimeError, match="some elements of the input tensor and the written-to"):
        x[0, 1:] = x[0, :-1]
    with pytest.raises(RuntimeError, match="value cannot be converted to type uint8_t without overflow"):
        tm.zeros(2, dtype=tm.uint8)[0] = 300


def test_nonzero():
    x = tm.tensor([[0, 1, 0], [2, 0, 3]])
    assert x.nonzero().tolist() == [[0, 1], [1, 0], [1, 2]]
    rows, cols = x.nonzero(as_tuple=True)
    assert rows.tolist() == [0, 1, 1] and cols.tolist() == [1, 0, 2]
    assert tm.nonzero(tm.zeros(2, 2)).shape == (0, 2)


@pytest.mark.parametrize("shape, stride, offset", [
    ((2, 3), (3, 1), 0), ((3, 1, 2), (1, 7, 4), 5), ((2, 4), (0, 2), 1), ((), (), 3), ((2, 0), (1, 1), 0),
])
def test_storage_offsets(shape, stride, offset):
    """The offsets advanced indexing and the as_strided backward scatter through."""
    from tensorrt_mini.ops.indexing import storage_offsets
    got = storage_offsets(shape, stride, offset, tm.device("cpu"))
    want = offset + sum(i * s for i, s in zip(np.indices(shape), stride))
    assert got.dtype is tm.int64 and got.shape == shape
    assert got.tolist() == np.broadcast_to(want, shape).tolist()


@pytest.mark.parametrize("expr", ["lib.arange(5)[::0]", "lib.arange(5)[::-1]",
                                  "lib.arange(5)[lib.tensor([1], dtype=lib.int8)]",
                                  "lib.arange(5)[lib.tensor([1], dtype=lib.int16)]",
                                  "lib.arange(5)[lib.tensor([1], dtype=lib.int32)]",
                                  "lib.arange(5)[lib.tensor([1.0])]"])
def test_index_errors_match_torch(expr):
    same_as_torch(expr)


@pytest.mark.parametrize("code", [
    "x[x > 2] = lib.tensor(1.5)", "x[x > 2] = lib.tensor([1.5])",
    "x[x > 2] = lib.tensor([1.5, 2.5])", "x[lib.tensor([0, 1])] = lib.tensor(1.5)",
    "x[1] = lib.tensor([1.5, 2.5])", "x.expand(())",
])
def test_setitem_values_and_expand_errors_as_torch(code):
    # on x = arange(5): the same values after, or the same error
    torch = needs_torch()
    outcomes = []
    for lib in (tm, torch):
        x = lib.arange(5)
        try:
            exec(code, {"lib": lib, "x": x})
            outcomes.append(("value", x.tolist()))
        except Exception as e:  # noqa: BLE001 (the error is what is compared)
            outcomes.append((type(e).__name__, str(e)))
    assert outcomes[0] == outcomes[1], outcomes


# --- reliability regressions ----------------------------------------------------------------

@pytest.mark.parametrize("expr", [
    "lib.ones(2)['a']",
    "lib.ones(2)[('a',)]",
    "lib.ones(2)[b'a']",
    "lib.ones(2)[1.5]",
    "lib.ones(3)[lib.tensor([3])]",  # an index equal to the size is out of range
    "lib.ones(3, 3)[lib.ones(2, 2, dtype=lib.bool)]",
    "lib.arange(8.).reshape(2, 2, 2)[0, ..., ...]",  # later ellipses take no dims
    "lib.arange(8.).reshape(2, 2, 2)[..., 0, ...]",
    "lib.arange(4.).reshape(2, 2)[..., ..., 1, 0]",
])
def test_index_regressions_match_torch(expr):
    same_as_torch(expr, message=False)


def test_writes_into_overlapping_views():
    """A scalar written through setitem goes through copy_, which refuses an overlapping
    view; masked_fill_ and index_put_ still write an expanded tensor, with a warning."""
    def setitem_expanded(lib):
        x = lib.tensor([1.])
        x.expand(2, 2)[:] = 5.
    same_as_torch(setitem_expanded, message=False)

    def setitem_strided(lib):
        x = lib.tensor([1., 2., 3.])
        x.as_strided((3,), (0,), 1)[:] = 7.
    same_as_torch(setitem_strided, message=False)

    def row_of_expanded(lib):  # a row of an expanded matrix does not overlap itself
        x = lib.zeros(3)
        x.expand(2, 3)[0] = 1.
        return x
    same_as_torch(row_of_expanded)

    def fill_expanded(lib):  # fill_ writes one value everywhere: torch allows it
        return lib.zeros(3).expand(2, 3).fill_(1)
    same_as_torch(fill_expanded, message=False)

    for masked in ("masked_fill", "setitem_mask", "setitem_index"):
        def fn(lib, masked=masked):
            x = lib.zeros(3)
            y = x.expand(2, 3)
            mask = lib.tensor([[True, False, True], [False, False, False]])
            with pytest.warns(UserWarning, match="on expanded tensors is deprecated"):
                if masked == "masked_fill":
                    y.masked_fill_(mask, 1.)
                elif masked == "setitem_mask":
                    y[mask] = 1.
                else:
                    y[lib.tensor([0])] = 1.
            return x
        same_as_torch(fn)


def test_setitem_with_a_tensor_index_bumps_the_version():
    """Mutation audit: without the bump, backward used stale saved values silently."""
    def fn(lib):
        x = lib.ones(3, requires_grad=True)
        y = x * 1
        z = y.pow(2)  # saves y
        v = y._version
        y[lib.tensor([0])] = 5.
        assert y._version > v
        z.sum().backward()
    same_as_torch(fn, message=False)


def test_index_details_the_mutation_audit_found_untested():
    same_as_torch("lib.zeros(2, 3)[:, :, None].stride()")  # a None after the last dim
    same_as_torch("lib.zeros(3)[[-3, 3]]")  # the message names the index past the end

    def mixed_view_write(lib):
        a = lib.ones(2, 3, requires_grad=True)
        with lib.no_grad():
            v = a[:]
        v[0, 1:] = 1.0  # the view's name in the message: its last index is a slice
    same_as_torch(mixed_view_write)


def test_expanded_write_warnings_name_the_op_and_the_users_line():
    y = tm.zeros(1).expand(3)
    with pytest.warns(UserWarning, match="Use of masked_fill_ on expanded tensors") as record:
        y[tm.tensor([True, False, True])] = 1.0
    assert record[0].filename == __file__
    with pytest.warns(UserWarning, match="Use of index_put_ on expanded tensors") as record:
        y[tm.tensor([0, 2])] = tm.ones(2)
    assert record[0].filename == __file__
    x = tm.zeros(1, requires_grad=True) * 1  # through autograd's wrappers too
    with pytest.warns(UserWarning) as record:
        x.expand(3)[tm.tensor([0])] = 2.0
    assert record[0].filename == __file__


@pytest.mark.parametrize("idx", [(0, slice(None)), (slice(None), 0), (0, slice(1, None)),
                                 (slice(None), slice(None)), (0, None), (None, 0), (0, ...),
                                 (..., 0), (slice(None),), (0,),
                                 (slice(None), slice(1, None), 0)])
def test_writes_into_no_grad_views_name_the_view_as_torch(idx):
    def fn(lib):
        a = lib.ones(2, 3, 4, requires_grad=True)
        with lib.no_grad():
            v = a[:]
        v[idx] = 1.0
    same_as_torch(fn)


@pytest.mark.parametrize("write", [
    "x[M] = lib.tensor([5], dtype=lib.int16)",
    "x[M] = lib.tensor(5, dtype=lib.int16)",
    "x[0, M] = lib.tensor([7], dtype=lib.int16)",
    "x[:, M] = lib.tensor(7, dtype=lib.int16)",
    "x[None, 0, M] = lib.tensor(7, dtype=lib.int16)",
    "x[lib.tensor([0]), M] = lib.tensor(7, dtype=lib.int16)",  # two advanced: refused
    "x[lib.tensor([0])] = lib.tensor(7, dtype=lib.int16)",
    "x[M] = lib.tensor([5, 6], dtype=lib.int16)",
])
def test_one_value_of_another_dtype_through_a_lone_mask_as_torch(write):
    matrix = "0, M" in write or ":, M" in write or "None" in write or "[0]), M" in write
    same_write_as_torch(f"lib.zeros({'2, 3' if matrix else '3'}, dtype=lib.uint8)", write,
                        message=False)


def test_a_value_that_requires_grad_fills_through_a_mask_and_gets_its_gradient():
    def fn(lib):
        v = lib.tensor(5., dtype=lib.float64, requires_grad=True)
        x = lib.zeros(3) * 1
        x[lib.tensor([True, False, True])] = v
        x.sum().backward()
        return x, v.grad
    same_as_torch(fn)


@pytest.mark.parametrize("shape", [(10, 2), (5,), (), (3, 4), (2, 3, 4), (0,)])
def test_nonzero_values_and_column_major_layout_as_torch(shape):
    same_as_torch(lambda lib: lib.ones(shape).nonzero() if shape != (3, 4)
                  else lib.zeros(shape).nonzero())
    same_as_torch(lambda lib: lib.ones(shape).nonzero(as_tuple=True))


@pytest.mark.parametrize("write", [
    "x[lib.tensor([0])] = x[1:2]",  # the value shares memory with x: torch refuses
    "x[lib.tensor([0])] = x[::2][:1]",
    "x[lib.tensor([0, 1])] = x[4:]",
    "x[lib.tensor([1, 1, -3])] = x[:3]",
    "x[:] = x",  # the same memory range: copy_ takes it
    "x[:-1:3] = x[:-1:3]",
    "x[lib.tensor([0, 9])] = lib.ones(2, dtype=lib.int16)",  # the dtypes before the range
])
def test_writes_whose_value_aliases_the_target_as_torch(write):
    same_write_as_torch("lib.arange(6.)", write)


@pytest.mark.parametrize("write", [
    "x[:] = x[0]",  # a 0-d value fills: no overlap check
    "x[1:] = x[0]",
    "x.copy_(x[0])",  # copy_ itself checks
    "x[None] = x",  # the value broadcast into a view of itself: a partial overlap
    "x[...] = x",
    "x[lib.tensor([], dtype=lib.int64)] = x[:0]",
    "y = x[:0]; y[lib.tensor([], dtype=lib.int64), ...] = y",  # the value is the target
])
def test_setitem_value_aliasing_as_torch(write):
    same_write_as_torch("lib.arange(3.)", write, message=False)


def test_no_bounds_check_when_the_result_is_empty_as_torch():
    same_as_torch("lib.ones(2, 1, 0)[:, lib.tensor([5]), :]")
    same_as_torch("lib.ones(2, 1, 3)[None, lib.tensor([-1, 1, 1]).reshape(1, 3), 0:0]")


def test_a_0d_integer_index_beside_a_mask_is_an_int_as_torch():
    def fn(lib):
        x = lib.zeros(2, 3, dtype=lib.uint8)
        x[lib.tensor(-1), lib.tensor([True, False, True])] = lib.tensor(5, dtype=lib.int32)
        return x
    same_as_torch(fn)


@pytest.mark.parametrize("write", [
    "y = x[0]; y[lib.tensor([True])] = y",  # one value through a lone mask: a fill
    "x[lib.tensor([], dtype=lib.int64), [-1, 3]] = lib.ones(4, 2, dtype=lib.int8)",  # broadcast first
    "x[lib.tensor([0, 9])] = lib.ones(2, dtype=lib.int8)",  # then the dtypes
])
def test_setitem_checks_in_torchs_order(write):
    same_write_as_torch("lib.arange(3.)", write, message=False)


@pytest.mark.parametrize("write", [
    "x[[0, -1], ..., 2, 0] = -129",  # the value is converted (and refused) before indexing
    "x[5] = 300",
    "v = x[1, 0]; x[0:0, [1]] = v",  # an alias of x, but not of the (empty) part written
])
def test_setitem_value_checks_as_torch(write):
    same_write_as_torch("lib.zeros(2, 3, dtype=lib.int8)", write, message=False)


@pytest.mark.parametrize("write", [
    "x[:, lib.tensor([True]), -1:-1] = x",  # an explicit slice makes a view: not x itself
    "x[:, lib.tensor([True])] = x",  # `:` keeps x itself, which the value then is
])
def test_empty_alias_writes_as_torch(write):
    same_write_as_torch("lib.zeros(2, 1, 0)", write)


@pytest.mark.parametrize("write", [
    "y = x[:, :1]; y[:2, [0, 0]] = y",  # :2 keeps all of y: torch indexes y itself
    "y = x[:, :1]; y[0:, [0]] = y",
    "y = x[:, :1]; y[1:, [0]] = y[1:]",  # a view: not dense here, so no check
])
def test_full_slices_index_the_tensor_itself_as_torch(write):
    same_write_as_torch("lib.zeros(2, 3, dtype=lib.uint8)", write, message=False)


@pytest.mark.parametrize("expr", ["lib.arange(12).reshape(3, 4)[1:][-1]",
                                  "lib.arange(12).reshape(3, 4).t()[3]",
                                  "lib.arange(12).reshape(3, 4)[3]", "lib.arange(12)[-13]",
                                  "lib.zeros(0, 2)[0]", "lib.tensor(5)[0]"])
def test_an_int_index_as_torch(expr):
    """t[i] with an int takes a short path to its view; out of range, the general one's
    errors."""
    same_as_torch(expr)
