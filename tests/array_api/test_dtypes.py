"""The namespace's promotion (no weak 0-d arrays, unlike tm's torch rules), data type
functions and finfo/iinfo."""
import numpy as np
import pytest

import tensorrt_mini as tm
import tensorrt_mini.array_api as xp

# the standard's promotion table between the dtypes tm has (its spec's tables)
TABLE = [
    ("int8", "int16", "int16"), ("int8", "int64", "int64"), ("int32", "int16", "int32"),
    ("uint8", "int8", "int16"), ("uint8", "int16", "int16"), ("uint8", "int32", "int32"),
    ("uint8", "int64", "int64"), ("float32", "float64", "float64"), ("bool", "bool", "bool"),
]


@pytest.mark.parametrize("a, b, expected", TABLE)
def test_result_type_follows_the_table(a, b, expected):
    da, db = getattr(xp, a), getattr(xp, b)
    assert xp.result_type(da, db) is getattr(xp, expected)
    assert xp.result_type(db, da) is getattr(xp, expected)


def test_zero_d_arrays_promote_like_any_array():
    x = xp.asarray([1, 2, 3], dtype=xp.int8)
    y = xp.asarray(5, dtype=xp.int64)
    assert xp.add(x, y).dtype is xp.int64  # the standard: int8 with int64 is int64
    assert tm.add(x, y).dtype is tm.int8  # torch: a 0-d tensor does not decide the dtype
    assert xp.add(x, y).tolist() == [6, 7, 8]
    f = xp.asarray([1.5], dtype=xp.float32)
    assert xp.multiply(f, xp.asarray(2.0, dtype=xp.float64)).dtype is xp.float64
    assert xp.where(xp.asarray([True]), f, xp.asarray(0.0, dtype=xp.float64)).dtype \
        is xp.float64


def test_python_scalars_take_the_array_dtype():
    x = xp.asarray([1, 2], dtype=xp.int16)
    assert xp.add(x, 1).dtype is xp.int16
    assert xp.subtract(10, x).tolist() == [9, 8]
    f = xp.asarray([1.0], dtype=xp.float32)
    assert xp.multiply(f, 3).dtype is xp.float32
    assert xp.result_type(xp.int8, 1) is xp.int8
    assert xp.result_type(xp.int8, 1.5) is xp.float32  # outside the standard: tm's default
    with pytest.raises(TypeError):
        xp.add(1, 2)  # one operand must be an array


def test_isdtype_kinds():
    assert xp.isdtype(xp.int8, "signed integer")
    assert not xp.isdtype(xp.uint8, "signed integer")
    assert xp.isdtype(xp.uint8, ("unsigned integer", xp.float32))
    assert xp.isdtype(xp.float64, "real floating") and xp.isdtype(xp.float64, "numeric")
    assert not xp.isdtype(xp.bool, "numeric") and xp.isdtype(xp.bool, xp.bool)
    assert not xp.isdtype(xp.float32, "complex floating")
    with pytest.raises(ValueError, match="unknown dtype kind"):
        xp.isdtype(xp.int8, "whole")


def test_can_cast_stays_within_a_kind():
    assert xp.can_cast(xp.int8, xp.int32) and not xp.can_cast(xp.int32, xp.int8)
    assert xp.can_cast(xp.uint8, xp.int16) and not xp.can_cast(xp.int8, xp.uint8)
    assert not xp.can_cast(xp.int8, xp.float64)  # across kinds: never, as the standard
    assert xp.can_cast(xp.asarray([1.0], dtype=xp.float32), xp.float64)


def test_astype_copies_unless_told_not_to():
    x = xp.asarray([1.7, -2.2])
    same = xp.astype(x, xp.float32, copy=False)
    assert same is x
    copied = xp.astype(x, xp.float32)
    assert copied is not x and copied.data_ptr() != x.data_ptr()
    assert xp.astype(x, xp.int32).tolist() == [1, -2]


@pytest.mark.parametrize("name", ["float32", "float64"])
def test_finfo_against_numpy(name):
    ours, ref = xp.finfo(getattr(xp, name)), np.finfo(name)
    assert (ours.bits, ours.eps, ours.max, ours.min, ours.smallest_normal) == \
        (ref.bits, float(ref.eps), float(ref.max), float(ref.min), float(ref.smallest_normal))
    assert ours.dtype is getattr(xp, name)  # the standard's finfo names the dtype object


@pytest.mark.parametrize("name", ["uint8", "int8", "int64"])
def test_iinfo_against_numpy(name):
    ours, ref = xp.iinfo(getattr(xp, name)), np.iinfo(name)
    assert (ours.bits, ours.max, ours.min, ours.dtype) == \
        (ref.bits, ref.max, ref.min, getattr(xp, name))
    with pytest.raises(TypeError):
        xp.iinfo(xp.float32)
    with pytest.raises(TypeError):
        xp.finfo(xp.int8)
