"""Dtypes and PyTorch's type-promotion rules.

A `dtype` pairs PyTorch's name with the numpy dtype that stores it. Promotion follows
PyTorch: categories bool < integer < floating; within a category the wider type wins;
uint8 with a signed integer gives the next signed type that holds both. Python scalars
are "weak": they only raise the category (an int tensor plus 2.5 becomes float32, a
float32 tensor plus 2.5 stays float32).
"""
import builtins

import numpy as np

from .names import NAMESPACE


class dtype:
    __slots__ = ("name", "np", "itemsize", "is_floating_point", "is_signed", "category", "_rank")

    def __init__(self, name, np_dtype, category, rank):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self.category = category  # 0 bool, 1 integer, 2 floating
        self.is_floating_point = category == 2
        self.is_signed = category == 2 or (category == 1 and self.np.kind == "i")
        self._rank = rank

    def __repr__(self):
        return f"{NAMESPACE}.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


bool_ = dtype("bool", np.bool_, 0, 0)
uint8 = dtype("uint8", np.uint8, 1, 1)
int8 = dtype("int8", np.int8, 1, 2)
int16 = dtype("int16", np.int16, 1, 3)
int32 = dtype("int32", np.int32, 1, 4)
int64 = dtype("int64", np.int64, 1, 5)
float32 = dtype("float32", np.float32, 2, 6)
float64 = dtype("float64", np.float64, 2, 7)

ALL = (bool_, uint8, int8, int16, int32, int64, float32, float64)
# PyTorch's scalar type names, as its type strings (FloatTensor) and error messages print them
TYPE_NAMES = {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
              "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
_BY_NAME = {d.name: d for d in ALL}
_BY_NP = {d.np: d for d in ALL}

# PyTorch's aliases
float = float32
double = float64
long = int64
int = int32
short = int16
bool = bool_

_default_float = float32


def _by_name(name):
    return _BY_NAME[name]


def get_default_dtype():
    return _default_float


def set_default_dtype(d):
    global _default_float
    if d not in (float32, float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d


def from_numpy_dtype(npd):
    """The tm dtype that stores numpy dtype `npd`; TypeError for ones we do not support."""
    try:
        return _BY_NP[np.dtype(npd)]
    except (KeyError, TypeError):
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(npd)}. The only supported types are: "
            "float64, float32, int64, int32, int16, int8, uint8, and bool."
        ) from None


def as_dtype(d, fn):
    """A dtype= argument of function `fn`: a tm dtype, or Python's float, int or bool, as
    torch takes them. Anything else (a string, a numpy dtype) is torch's TypeError."""
    if isinstance(d, dtype):
        return d
    if d is builtins.float:
        return float64
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool_
    raise TypeError(f"{fn}(): argument 'dtype' must be {NAMESPACE}.dtype, not {type(d).__name__}")

_SIGNED_INTS = (int8, int16, int32, int64)


def promote_types(a, b):
    """PyTorch's promote_types for two tensor dtypes."""
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    if a is uint8 or b is uint8:
        other = b if a is uint8 else a
        if other is bool_:
            return uint8
        # uint8 with a signed type: the smallest signed type that holds both
        return int16 if other is int8 else other
    return a if a._rank > b._rank else b


def scalar_category(value):
    """Category of a Python scalar: 0 bool, 1 int, 2 float."""
    if isinstance(value, builtins.bool) or isinstance(value, np.bool_):
        return 0
    if isinstance(value, (builtins.int, np.integer)):
        return 1
    if isinstance(value, (builtins.float, np.floating)):
        return 2
    raise TypeError(f"unsupported scalar type {type(value).__name__}")


def result_type_scalar(d, value):
    """Dtype of a (tensor of dtype d) op (Python scalar): scalars are weak."""
    cat = scalar_category(value)
    if cat <= d.category:
        return d
    return int64 if cat == 1 else _default_float


def scalar_dtype(value):
    """Dtype torch.tensor(value) would get."""
    cat = scalar_category(value)
    return (bool_, int64, _default_float)[cat]
