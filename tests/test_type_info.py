"""tm.finfo and tm.iinfo against torch's: attributes, reprs and errors."""
import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import needs_torch

FLOATS = ("float16", "bfloat16", "float32", "float64")
INTS = ("uint8", "int8", "int16", "int32", "int64")


@pytest.mark.parametrize("name", FLOATS)
def test_finfo_matches_torch(name):
    torch = needs_torch()
    ours, theirs = tm.finfo(getattr(tm, name)), torch.finfo(getattr(torch, name))
    assert repr(ours) == repr(theirs)
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr


@pytest.mark.parametrize("name", INTS)
def test_iinfo_matches_torch(name):
    torch = needs_torch()
    ours, theirs = tm.iinfo(getattr(tm, name)), torch.iinfo(getattr(torch, name))
    assert repr(ours) == repr(theirs)
    assert (ours.bits, ours.min, ours.max, ours.dtype) == \
        (theirs.bits, theirs.min, theirs.max, theirs.dtype)


def test_values_without_torch():
    f = tm.finfo(tm.float32)
    assert (f.bits, f.eps, f.max) == (32, float(np.finfo(np.float32).eps),
                                       float(np.finfo(np.float32).max))
    assert tm.finfo().dtype == "float32"  # the default dtype
    assert (tm.iinfo(tm.uint8).min, tm.iinfo(tm.uint8).max) == (0, 255)


@pytest.mark.parametrize("call", ["tm.finfo(tm.int32)", "tm.iinfo(tm.float32)",
                                  "tm.iinfo(tm.bool)", "tm.finfo(tm.bool)"])
def test_errors_match_torch(call):
    torch = needs_torch()
    with pytest.raises(TypeError) as ours:
        eval(call, {"tm": tm})
    with pytest.raises(TypeError) as theirs:
        eval(call.replace("tm.", "torch."), {"torch": torch})
    assert str(ours.value) == str(theirs.value)
