"""The namespace's dtypes and the Array API's data type functions.

The dtypes are tm's own objects (a tensor's `.dtype` is one). Between the dtypes the
standard names, PyTorch's promote_types already gives the standard's promotion table;
what differs is that the standard lets no operand be "weak": a 0-d array promotes like
any other, so the namespace's functions cast their operands to `result_type` first.
"""
import builtins

import numpy as np

from .. import dtypes as D
from .._tensor import Tensor

bool = D.bool_
int8, int16, int32, int64, uint8 = D.int8, D.int16, D.int32, D.int64, D.uint8
float32, float64 = D.float32, D.float64
complex64, complex128 = D.complex64, D.complex128

_KIND_TEST = {
    "bool": lambda d: d is D.bool_,
    "signed integer": lambda d: d.category == 1 and d.is_signed,
    "unsigned integer": lambda d: d.category == 1 and not d.is_signed,
    "integral": lambda d: d.category == 1,
    "real floating": lambda d: d.category == 2,
    "complex floating": lambda d: d.category == 3,
    "numeric": lambda d: d.category >= 1,
}


def isdtype(dtype, kind):
    """Whether `dtype` is `kind`: a dtype, a kind's name, or a tuple of either."""
    if not isinstance(dtype, D.dtype):
        raise TypeError(f"isdtype() expects a dtype, got {type(dtype).__name__}")
    if isinstance(kind, tuple):
        return builtins.any(isdtype(dtype, k) for k in kind)
    if isinstance(kind, D.dtype):
        return dtype is kind
    if isinstance(kind, str):
        try:
            return _KIND_TEST[kind](dtype)
        except KeyError:
            raise ValueError(f"unknown dtype kind {kind!r}") from None
    raise TypeError(f"isdtype() kind must be a dtype, a string or a tuple, got {kind!r}")


def _scalar_fits(value, d):
    # a Python scalar joins an array of dtype d when d's kind can hold it
    if isinstance(value, builtins.bool):
        return d is D.bool_
    if isinstance(value, builtins.int):
        return d.category >= 1
    if isinstance(value, builtins.float):
        return d.category >= 2
    if isinstance(value, builtins.complex):
        return d.category == 3
    raise TypeError(f"unsupported scalar type {type(value).__name__}")


def result_type(*arrays_and_dtypes):
    """The standard's promotion over arrays, dtypes and Python scalars (scalars only
    when an array or a dtype is there to decide)."""
    found = [x.dtype if isinstance(x, Tensor) else x for x in arrays_and_dtypes
             if isinstance(x, (Tensor, D.dtype))]
    if not found:
        raise ValueError("result_type() needs at least one array or dtype")
    out = found[0]
    for d in found[1:]:
        out = D.promote_types(out, d)
    for x in arrays_and_dtypes:
        if not isinstance(x, (Tensor, D.dtype)) and not _scalar_fits(x, out):
            out = D.promote_types(out, D.scalar_dtype(x))
    return out


def can_cast(from_, to, /):
    """Whether promotion of `from_` (a dtype or an array) with `to` gives `to`, within
    one kind (real floats also to complex): the standard allows no cast between bool,
    integers and floats."""
    if isinstance(from_, Tensor):
        from_ = from_.dtype
    if not isinstance(from_, D.dtype) or not isinstance(to, D.dtype):
        raise TypeError("can_cast() expects dtypes or arrays")
    if from_.category != to.category and (from_.category, to.category) != (2, 3):
        return False
    return D.promote_types(from_, to) is to


def astype(x, dtype, /, *, copy=True, device=None):
    """x converted to `dtype` (and `device`): a new array unless copy=False and nothing
    changes."""
    if device is not None:
        x = x.to(device)
    if not copy and x.dtype is dtype:
        return x
    return x.to(dtype=dtype, copy=True)


class finfo_object:
    """The standard's finfo: bits, eps, max, min, smallest_normal and the dtype (a complex
    dtype's are those of its real parts)."""

    def __init__(self, dtype):
        dtype = D.real_of(dtype)
        info = D.finfo(dtype)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.smallest_normal = float(info.smallest_normal)
        self.dtype = dtype

    def __repr__(self):
        return (f"finfo(bits={self.bits}, eps={self.eps}, max={self.max}, min={self.min}, "
                f"smallest_normal={self.smallest_normal}, dtype={self.dtype!r})")


class iinfo_object:
    """The standard's iinfo: bits, max, min and the dtype."""

    def __init__(self, dtype):
        info = np.iinfo(dtype.np)
        self.bits = int(info.bits)
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = dtype

    def __repr__(self):
        return f"iinfo(bits={self.bits}, max={self.max}, min={self.min}, dtype={self.dtype!r})"


def finfo(type, /):
    """Limits of a floating dtype, or of an array's dtype."""
    d = type.dtype if isinstance(type, Tensor) else type
    if not isinstance(d, D.dtype) or d.category < 2:
        raise TypeError(f"finfo() requires a floating-point dtype, got {d!r}")
    return finfo_object(d)


def iinfo(type, /):
    """Limits of an integer dtype, or of an array's dtype."""
    d = type.dtype if isinstance(type, Tensor) else type
    if not isinstance(d, D.dtype) or d.category != 1:
        raise TypeError(f"iinfo() requires an integer dtype, got {d!r}")
    return iinfo_object(d)
