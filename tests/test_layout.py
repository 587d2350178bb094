"""layout.py: the pure view math that every view op rests on."""
import numpy as np
import pytest
from hypothesis import given, settings

from tensorrt_mini import layout as L
from view_strategies import shapes


def test_contiguous_strides():
    assert L.contiguous_strides((2, 3, 4)) == (12, 4, 1)
    assert L.contiguous_strides(()) == ()
    assert L.contiguous_strides((2, 0, 3)) == (3, 3, 1)   # torch counts size 0 as 1
    assert L.contiguous_strides((3, 1)) == (1, 1)


def test_is_contiguous():
    assert L.is_contiguous((2, 3), (3, 1)) and not L.is_contiguous((2, 3), (1, 2))
    assert L.is_contiguous((1, 3), (99, 1))                 # size-1 dims: any stride
    assert L.is_contiguous((0, 3), (1, 7))                  # empty: always (regression)
    assert L.is_contiguous((), ())


def test_non_overlapping_and_dense():
    assert L.is_non_overlapping_and_dense((2, 3), (1, 2))
    assert not L.is_non_overlapping_and_dense((2, 3), (6, 2))
    assert not L.is_non_overlapping_and_dense((3, 4), (0, 1))
    assert L.has_internal_overlap((3, 4), (0, 1)) and not L.has_internal_overlap((1, 4), (0, 1))


def test_dense_strides_like():
    assert L.dense_strides_like((3, 2), (1, 3)) == (1, 3)            # dense: kept as is
    assert L.dense_strides_like((3, 4), (2, 6)) == (1, 3)            # stepped: same dim order
    assert L.dense_strides_like((4, 3), (0, 1)) == (3, 1)            # stride 0 keeps its place
    assert L.dense_strides_like((6, 2, 2), (2, 1, 24)) == (2, 1, 12)
    assert L.dense_strides_like((1, 3), (1, 1)) == (1, 1)


def test_wrap_dim():
    assert L.wrap_dim(-1, 3) == 2 and L.wrap_dim(0, 0) == 0
    assert L.wrap_dim(-1, 0) == 0  # a 0-d tensor's dim -1 is 0 (regression: was -1)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                                         r"\[-2, 1\], but got 2\)"):
        L.wrap_dim(2, 2)
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times in the list of dims"):
        L.wrap_dims((0, -2), 2)


def test_broadcast_shapes():
    assert L.broadcast_shapes((2, 1), (3,)) == (2, 3)
    assert L.broadcast_shapes((), (2,), (1, 1, 2)) == (1, 1, 2)
    assert L.broadcast_shapes((0, 1), (3,)) == (0, 3)
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of "
                                           r"tensor b \(2\) at non-singleton dimension 1"):
        L.broadcast_shapes((2, 3), (2,))


@settings(max_examples=100, deadline=None)
@given(shapes(max_dims=4), shapes(max_dims=4))
def test_broadcast_shapes_matches_numpy(a, b):
    try:
        expected = np.broadcast_shapes(a, b)
    except ValueError:
        with pytest.raises(RuntimeError):
            L.broadcast_shapes(a, b)
        return
    assert L.broadcast_shapes(a, b) == expected


def test_expand_strides():
    assert L.expand_strides((3, 1), (1, 1), (2, 3, 4)) == (0, 1, 0)
    assert L.expand_strides((2,), (1,), (1, 2)) == (2, 1)      # a new size-1 dim: torch's stride
    assert L.expand_strides((2,), (1,), (3, 1, 2)) == (0, 2, 1)
    assert L.expand_strides((), (), (1,)) == (0,)
    assert L.expand_strides((3, 2), (2, 1), (-1, 2)) == (2, 1)
    with pytest.raises(RuntimeError, match="isn't allowed in a leading, non-existing dimension 0"):
        L.expand_strides((2,), (1,), (-1, 2))
    with pytest.raises(RuntimeError, match=r"at non-singleton dimension 1.  Target sizes: \[3, 4\].  "
                                           r"Tensor sizes: \[2, 2\]"):
        L.expand_strides((2, 2), (2, 1), (3, 4))  # the last mismatching dim, as torch reports


def test_infer_size():
    assert L.infer_size((-1, 3), 12) == (4, 3)
    assert L.infer_size((0, 3), 0) == (0, 3) and L.infer_size((2, -1), 0) == (2, 0)
    with pytest.raises(RuntimeError, match="the unspecified dimension size -1 can be any value"):
        L.infer_size((0, -1), 0)
    with pytest.raises(RuntimeError, match=r"shape '\[5, -1\]' is invalid for input of size 12"):
        L.infer_size((5, -1), 12)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        L.infer_size((-1, -1), 4)
    with pytest.raises(RuntimeError, match="invalid shape dimension -2"):
        L.infer_size((-2, 3), 6)


def test_view_strides():
    assert L.view_strides((3, 4), (4, 1), (2, 6)) == (6, 1)
    assert L.view_strides((4, 3), (1, 4), (12,)) is None
    assert L.view_strides((4, 3), (1, 4), (4, 3, 1)) == (1, 4, 4)
    assert L.view_strides((4, 3), (1, 4), (2, 2, 3)) == (2, 1, 4)  # splitting a dim is fine
    assert L.view_strides((), (), (1, 1)) == (1, 1)


def test_collapse():
    assert L.collapse((2, 3, 4), (12, 4, 1), (12, 4, 1)) == ((24,), [(1,), (1,)])
    assert L.collapse((2, 3), (3, 1), (1, 2)) == ((2, 3), [(3, 1), (1, 2)])
    assert L.collapse((1, 1), (5, 7)) == ((1,), [(0,)])
    assert L.collapse((2, 1, 3), (3, 9, 1)) == ((6,), [(1,)])


def test_dense_strides_like_breaks_ties_and_keeps_stride_0_dims_as_torch():
    """Mutation audit: equal strides are ordered by size; a stride-0 dim of a non-dense
    layout keeps its place (torch's empty_like gives the same strides)."""
    assert L.dense_strides_like((2, 4), (1, 1)) == (1, 2)
    assert L.dense_strides_like((1, 1, 2), (1, 0, 2)) == (1, 1, 1)
