"""dtypes.py: names, numpy mapping, Python-type aliases and promotion rules. The full
promotion table is in tests/ops/test_elementwise.py."""
import builtins

import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini import dtypes as D
from oracle import DTYPES


def test_names_and_aliases():
    assert [repr(d) for d in DTYPES] == ["torch.bool", "torch.uint8", "torch.int8", "torch.int16",
                                         "torch.int32", "torch.int64", "torch.float32",
                                         "torch.float64"]
    assert tm.float is tm.float32 and tm.double is tm.float64 and tm.long is tm.int64
    assert tm.int is tm.int32 and tm.short is tm.int16 and tm.bool is D.bool_
    assert [d.itemsize for d in DTYPES] == [1, 1, 1, 2, 4, 8, 4, 8]
    assert [d.is_floating_point for d in DTYPES] == [False] * 6 + [True] * 2
    assert [d.is_signed for d in DTYPES] == [False, False, True, True, True, True, True, True]


def test_numpy_and_python_types():
    for d in DTYPES:
        assert D.from_numpy_dtype(d.np) is d and D.as_dtype(d, "f") is d
    assert D.as_dtype(builtins.float, "f") is tm.float64
    assert D.as_dtype(builtins.int, "f") is tm.int64 and D.as_dtype(builtins.bool, "f") is tm.bool
    with pytest.raises(TypeError, match="can't convert np.ndarray of type uint32"):
        D.from_numpy_dtype(np.uint32)


def test_default_dtype():
    assert tm.get_default_dtype() is tm.float32
    try:
        tm.set_default_dtype(tm.float64)
        assert tm.tensor([1.5]).dtype is tm.float64 and tm.ones(1).dtype is tm.float64
        assert (tm.tensor([1]) / 2).dtype is tm.float64 and (tm.tensor([1]) + 0.5).dtype is tm.float64
    finally:
        tm.set_default_dtype(tm.float32)
    with pytest.raises(TypeError, match="only floating-point types are supported as the default type"):
        tm.set_default_dtype(tm.int64)


def test_scalar_rules():
    assert D.scalar_dtype(True) is tm.bool and D.scalar_dtype(2) is tm.int64
    assert D.scalar_dtype(2.5) is tm.float32 and D.scalar_dtype(np.float64(1)) is tm.float32
    assert D.result_type_scalar(tm.int8, 2) is tm.int8
    assert D.result_type_scalar(tm.int8, 2.5) is tm.float32
    assert D.result_type_scalar(tm.bool, 2) is tm.int64
    assert D.result_type_scalar(tm.float64, 2.5) is tm.float64
    with pytest.raises(TypeError):
        D.scalar_category("a")


def test_promote_types_is_symmetric():
    for a in DTYPES:
        for b in DTYPES:
            assert tm.promote_types(a, b) is tm.promote_types(b, a)
    assert tm.promote_types(tm.uint8, tm.int8) is tm.int16
    assert tm.promote_types(tm.bool, tm.uint8) is tm.uint8
    assert tm.promote_types(tm.int64, tm.float32) is tm.float32


def test_dtypes_pickle_to_themselves():
    import pickle
    for d in DTYPES:
        assert pickle.loads(pickle.dumps(d)) is d


def test_a_dtype_argument_that_is_no_dtype_is_torchs_type_error():
    with pytest.raises(TypeError, match=r"zeros\(\): argument 'dtype' must be torch.dtype, not str"):
        D.as_dtype("float32", "zeros")
    with pytest.raises(TypeError, match=r"ones\(\): argument 'dtype' must be torch.dtype, not type"):
        tm.ones(2, dtype=np.float32)


def test_half_dtypes():
    assert tm.half is tm.float16 and repr(tm.float16) == "torch.float16"
    assert repr(tm.bfloat16) == "torch.bfloat16"
    for d in (tm.float16, tm.bfloat16):
        assert d.itemsize == 2 and d.is_floating_point and d.is_signed
    # numpy stores float16 itself, bfloat16 as bits: a uint16 array is not bfloat16
    assert D.from_numpy_dtype(np.float16) is tm.float16
    with pytest.raises(TypeError, match="can't convert np.ndarray of type uint16"):
        D.from_numpy_dtype(np.uint16)


def test_half_promotion_matches_torch():
    torch = pytest.importorskip("torch")
    every = DTYPES + (tm.float16, tm.bfloat16)
    for a in every:
        for b in every:
            want = torch.promote_types(getattr(torch, a.name), getattr(torch, b.name))
            assert tm.promote_types(a, b).name == str(want)[6:], (a, b)
    assert D.finfo(tm.bfloat16).eps == torch.finfo(torch.bfloat16).eps
    assert D.finfo(tm.bfloat16).max == torch.finfo(torch.bfloat16).max
    assert D.finfo(tm.bfloat16).tiny == torch.finfo(torch.bfloat16).tiny
