"""The namespace's functions with the standard's keywords (axis, keepdims, correction, ...),
against numpy."""
import math

import numpy as np
import pytest

import tensorrt_mini.array_api as xp

A = np.arange(24, dtype=np.float64).reshape(2, 3, 4) % 7 - 2.5


def arr(a=A):
    return xp.asarray(a)


@pytest.mark.parametrize("axis", [None, 1, (0, 2), -1, ()])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_take_axis_and_keepdims(axis, keepdims):
    for ours, ref in ((xp.sum, np.sum), (xp.prod, np.prod), (xp.max, np.max),
                      (xp.mean, np.mean), (xp.min, np.min)):
        out = ours(arr(), axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(np.array(out), ref(A, axis=axis, keepdims=keepdims),
                                   err_msg=ours.__name__)


def test_std_and_var_take_correction():
    np.testing.assert_allclose(np.array(xp.var(arr(), axis=1, correction=1)),
                               np.var(A, axis=1, ddof=1))
    np.testing.assert_allclose(np.array(xp.std(arr())), np.std(A))
    np.testing.assert_allclose(np.array(xp.std(arr(), axis=(0, 2), correction=0.5)),
                               np.std(A, axis=(0, 2), ddof=0.5))


def test_cumulative_sum_include_initial():
    x = xp.asarray([[1, 2, 3], [4, 5, 6]], dtype=xp.int32)
    out = xp.cumulative_sum(x, axis=1, include_initial=True)
    assert out.tolist() == [[0, 1, 3, 6], [0, 4, 9, 15]]
    assert xp.cumulative_prod(xp.asarray([2, 3]), include_initial=True).tolist() == [1, 2, 6]
    with pytest.raises(ValueError, match="axis"):
        xp.cumulative_sum(x)


def test_concat_promotes_and_flattens_for_axis_none():
    a = xp.asarray([[1, 2]], dtype=xp.int8)
    b = xp.asarray([[3.5, 4.5]], dtype=xp.float64)
    out = xp.concat([a, xp.asarray([[5, 6]], dtype=xp.int64)], axis=0)
    assert out.dtype is xp.int64 and out.tolist() == [[1, 2], [5, 6]]
    assert xp.concat([b, b], axis=None).tolist() == [3.5, 4.5, 3.5, 4.5]
    assert xp.stack([a, a], axis=-1).shape == (1, 2, 2)


def test_shape_functions():
    x = arr()
    assert xp.permute_dims(x, (2, 0, 1)).shape == (4, 2, 3)
    assert xp.expand_dims(x, axis=-1).shape == (2, 3, 4, 1)
    assert xp.expand_dims(x, axis=0).shape == (1, 2, 3, 4)
    with pytest.raises(IndexError):
        xp.expand_dims(x, axis=4)
    assert xp.matrix_transpose(x).shape == (2, 4, 3)
    assert xp.squeeze(xp.zeros((1, 3, 1)), axis=(0, 2)).shape == (3,)
    with pytest.raises(ValueError, match="size 3"):
        xp.squeeze(xp.zeros((1, 3)), axis=1)
    assert [u.shape for u in xp.unstack(x, axis=1)] == [(2, 4)] * 3
    np.testing.assert_array_equal(np.array(xp.flip(x)), np.flip(A))
    np.testing.assert_array_equal(np.array(xp.roll(x, 2)), np.roll(A, 2))
    np.testing.assert_array_equal(np.array(xp.moveaxis(x, 0, -1)), np.moveaxis(A, 0, -1))


def test_reshape_copy_rules():
    x = arr()
    view = xp.reshape(x, (6, 4), copy=False)
    assert view.data_ptr() == x.data_ptr()
    assert xp.reshape(x, (6, 4), copy=True).data_ptr() != x.data_ptr()
    with pytest.raises(ValueError, match="copy=False"):
        xp.reshape(xp.permute_dims(x, (2, 1, 0)), (24,), copy=False)


def test_repeat():
    x = xp.asarray([[1, 2], [3, 4]])
    assert xp.repeat(x, 2).tolist() == np.repeat([[1, 2], [3, 4]], 2).tolist()
    assert xp.repeat(x, xp.asarray([1, 2]), axis=0).tolist() == [[1, 2], [3, 4], [3, 4]]


def test_searching_and_sorting():
    x = xp.asarray([[3.0, 1.0, 2.0], [0.0, 5.0, 5.0]])
    assert xp.argmax(x).tolist() == 4
    assert xp.argmax(x, keepdims=True).shape == (1, 1)
    assert xp.argmin(x, axis=1, keepdims=True).tolist() == [[1], [0]]
    assert xp.count_nonzero(x, axis=1, keepdims=True).tolist() == [[3], [2]]
    assert [t.tolist() for t in xp.nonzero(xp.asarray([0, 2, 0, 3]))] == [[1, 3]]
    with pytest.raises(ValueError):
        xp.nonzero(xp.asarray(1))
    assert xp.sort(x, axis=1, descending=True).tolist() == [[3.0, 2.0, 1.0], [5.0, 5.0, 0.0]]
    assert xp.argsort(xp.asarray([2, 1, 2, 1]), stable=True).tolist() == [1, 3, 0, 2]
    assert xp.argsort(xp.asarray([2, 1, 2, 1]), descending=True).tolist() == [0, 2, 1, 3]
    assert xp.searchsorted(xp.asarray([1, 3, 5]), xp.asarray([3, 4]), side="right").tolist() \
        == [2, 2]
    assert xp.take(x, xp.asarray([2, 0]), axis=1).tolist() == [[2.0, 3.0], [5.0, 0.0]]
    assert xp.take_along_axis(x, xp.asarray([[1], [2]]), axis=1).tolist() == [[1.0], [5.0]]


def test_unique_keeps_nans_distinct():
    x = xp.asarray([[2.0, math.nan], [2.0, math.nan]])
    values, indices, inverse, counts = xp.unique_all(x)
    assert np.array_equal(np.array(values), [2.0, np.nan, np.nan], equal_nan=True)
    assert indices.tolist() == [0, 1, 3] and counts.tolist() == [2, 1, 1]
    assert inverse.shape == (2, 2) and inverse.tolist() == [[0, 1], [0, 2]]
    assert xp.unique_values(xp.asarray([3, 1, 3])).tolist() == [1, 3]
    assert xp.unique_counts(xp.asarray([3, 1, 3])).counts.tolist() == [1, 2]


def test_utility_and_elementwise():
    b = xp.asarray([[True, False], [True, True]])
    assert xp.all(b, axis=0).tolist() == [True, False]
    assert xp.any(b, axis=(), keepdims=True).tolist() == b.tolist()
    assert xp.diff(xp.asarray([1, 4, 9]), prepend=xp.asarray([0])).tolist() == [1, 3, 5]
    x = xp.asarray([-3, 0, 5], dtype=xp.int8)
    assert xp.clip(x, min=-1, max=2).dtype is xp.int8
    assert xp.clip(x, min=-1, max=2).tolist() == [-1, 0, 2]
    assert xp.bitwise_invert(x).tolist() == [2, -1, -6]
    assert xp.signbit(xp.asarray([-0.0, 1.0])).tolist() == [True, False]
    assert xp.imag(xp.asarray([1.5])).tolist() == [0.0]


def test_linear_algebra():
    a = xp.asarray([[1, 2], [3, 4]], dtype=xp.int8)
    assert xp.vecdot(a, xp.asarray([1, 1], dtype=xp.int64)).tolist() == [3, 7]
    assert xp.vecdot(a, a, axis=0).dtype is xp.int8
    assert xp.matmul(a, xp.asarray([[1], [0]], dtype=xp.int16)).dtype is xp.int16
    assert xp.tensordot(a, a, axes=([1], [0])).tolist() == [[7, 10], [15, 22]]
    f = xp.asarray([[4.0, 1.0], [1.0, 3.0]], dtype=xp.float64)
    np.testing.assert_allclose(np.array(xp.linalg.solve(f, xp.asarray([1.0, 2.0]))),
                               np.linalg.solve([[4.0, 1.0], [1.0, 3.0]], [1.0, 2.0]))
    assert xp.linalg.trace(a).tolist() == 5
    np.testing.assert_allclose(float(xp.linalg.vector_norm(f, axis=None, ord=1)), 9.0)
    np.testing.assert_allclose(float(xp.linalg.matrix_norm(f, ord="fro")),
                               np.linalg.norm([[4.0, 1.0], [1.0, 3.0]]))
    assert xp.linalg.outer(xp.asarray([1, 2]), xp.asarray([3])).tolist() == [[3], [6]]


def test_complex_round_reciprocal_and_vecdot():
    z = xp.asarray([1.5 + 2.5j, -0.5 - 3.5j], dtype=xp.complex128)
    ref = np.array([1.5 + 2.5j, -0.5 - 3.5j])
    np.testing.assert_array_equal(np.array(xp.round(z)), np.round(ref))  # parts half to even
    np.testing.assert_allclose(np.array(xp.reciprocal(z)), 1 / ref)
    np.testing.assert_allclose(complex(xp.vecdot(z, z)), np.vdot(ref, ref))  # conjugates x1
    assert xp.real(z).tolist() == [1.5, -0.5] and xp.imag(z).tolist() == [2.5, -3.5]
    assert xp.conj(z).tolist() == [1.5 - 2.5j, -0.5 + 3.5j]


def test_sign_of_complex_and_pinv_of_an_empty_batch():
    z = xp.asarray([3 + 4j, 0j], dtype=xp.complex128)
    np.testing.assert_allclose(np.array(xp.sign(z)), [0.6 + 0.8j, 0j])
    assert xp.linalg.pinv(xp.zeros((0, 2, 3))).shape == (0, 3, 2)


def test_pinv_and_matrix_rank_take_an_rtol_per_matrix():
    a = np.random.default_rng(0).standard_normal((2, 3, 2))
    got = xp.linalg.pinv(xp.asarray(a), rtol=xp.asarray([0.1, 0.9], dtype=xp.float64))
    np.testing.assert_allclose(np.array(got), np.stack([np.linalg.pinv(a[0], rcond=0.1),
                                                        np.linalg.pinv(a[1], rcond=0.9)]))
    ranks = xp.linalg.matrix_rank(xp.asarray(a), rtol=xp.asarray([0.1, 0.99]))
    assert ranks.tolist() == [np.linalg.matrix_rank(a[0], rtol=0.1),
                              np.linalg.matrix_rank(a[1], rtol=0.99)]
