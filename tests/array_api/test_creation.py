"""The namespace's creation functions: asarray's copy= rules, dtype defaults, eye's k and
linspace's endpoint."""
import numpy as np
import pytest

import tensorrt_mini as tm
import tensorrt_mini.array_api as xp


def test_asarray_of_an_array_copies_only_when_asked():
    x = xp.asarray([1.0, 2.0])
    assert xp.asarray(x) is x
    assert xp.asarray(x, copy=False) is x
    copied = xp.asarray(x, copy=True)
    assert copied.data_ptr() != x.data_ptr() and copied.tolist() == x.tolist()
    assert xp.asarray(x, dtype=xp.float64).dtype is xp.float64
    with pytest.raises(ValueError, match="copy=False"):
        xp.asarray(x, dtype=xp.float64, copy=False)


def test_asarray_of_numpy_shares_memory_unless_a_copy_is_needed():
    a = np.arange(4, dtype=np.float32)
    shared = xp.asarray(a, copy=False)
    a[0] = 7.0
    assert shared.tolist() == [7.0, 1.0, 2.0, 3.0]
    copied = xp.asarray(a, copy=True)
    a[1] = 9.0
    assert copied.tolist()[1] == 1.0
    with pytest.raises(ValueError, match="copy=False"):
        xp.asarray(a, dtype=xp.float64, copy=False)
    assert xp.asarray(memoryview(np.array([3, 4], dtype=np.int16))).dtype is xp.int16


def test_asarray_of_python_data():
    assert xp.asarray([True, False]).dtype is xp.bool
    assert xp.asarray([1, 2]).dtype is xp.int64
    assert xp.asarray([1, 2.5]).dtype is xp.float32  # the default real floating dtype
    assert xp.asarray(3).shape == ()
    with pytest.raises(ValueError, match="copy=False"):
        xp.asarray([1, 2], copy=False)
    stacked = xp.asarray([xp.asarray(1.0), xp.asarray(2.0)])
    assert stacked.shape == (2,) and stacked.tolist() == [1.0, 2.0]


def test_dtype_defaults_and_shapes():
    assert xp.full((2,), 3).dtype is xp.int64
    assert xp.full(2, 1.5).dtype is xp.float32
    assert xp.full((1,), True).dtype is xp.bool
    assert xp.zeros(3).shape == (3,) and xp.ones((2, 0)).shape == (2, 0)
    assert xp.empty_like(xp.zeros((2, 3), dtype=xp.int8)).dtype is xp.int8
    assert xp.arange(5).dtype is xp.int64 and xp.arange(0.0, 1.0, 0.25).tolist() == \
        [0.0, 0.25, 0.5, 0.75]


@pytest.mark.parametrize("n, m, k", [(3, None, 0), (3, 4, 1), (4, 2, -1), (2, 3, 5)])
def test_eye_with_k(n, m, k):
    np.testing.assert_array_equal(np.array(xp.eye(n, m, k=k)),
                                  np.eye(n, m, k, dtype=np.float32))


def test_linspace_endpoint():
    np.testing.assert_allclose(np.array(xp.linspace(0, 1, 4, endpoint=False)),
                               np.linspace(0, 1, 4, endpoint=False), rtol=1e-6)
    np.testing.assert_allclose(np.array(xp.linspace(0, 1, 5)), np.linspace(0, 1, 5),
                               rtol=1e-6)


def test_meshgrid_defaults_to_xy_and_triangles_take_k():
    a, b = xp.meshgrid(xp.arange(3), xp.arange(2))
    ref_a, ref_b = np.meshgrid(np.arange(3), np.arange(2))
    assert a.tolist() == ref_a.tolist() and b.tolist() == ref_b.tolist()
    m = xp.reshape(xp.arange(9), (3, 3))
    assert xp.tril(m, k=-1).tolist() == np.tril(np.arange(9).reshape(3, 3), -1).tolist()
    assert xp.triu(m, k=1).tolist() == np.triu(np.arange(9).reshape(3, 3), 1).tolist()
    assert isinstance(tm.meshgrid(tm.arange(2), tm.arange(2)), tuple)  # tm keeps torch's


def test_complex_data_keeps_complex128_precision():
    # 2**24 + 1 is exact in float64 parts, not in float32 ones
    assert xp.asarray([16777217j], dtype=xp.complex128).tolist() == [16777217j]
    assert xp.asarray([1 + 2j]).dtype is xp.complex64
    assert xp.asarray(1j).dtype is xp.complex64  # the default complex dtype, as torch
