"""Dtypes and PyTorch's type-promotion rules.

A `dtype` pairs PyTorch's name with the numpy dtype that stores it. Promotion follows
PyTorch: categories bool < integer < floating < complex; within a category the wider type wins;
uint8 with a signed integer gives the next signed type that holds both. Python scalars
are "weak": they only raise the category (an int tensor plus 2.5 becomes float32, a
float32 tensor plus 2.5 stays float32).

The 16-bit floats float16 and bfloat16 are stored as numpy float16 and as uint16 bits
(numpy has no bfloat16); their ops compute in float32 (`compute`) and round the result,
as torch's CPU kernels do. float16 with bfloat16 promotes to float32.

complex64 and complex128 hold a float32 and a float64 pair. A complex type with a real
one keeps the wider of the two precisions: complex64 with float64 gives complex128. A
Python complex scalar is weak too: float32 + 1j is complex64, float64 + 1j complex128.
"""
import builtins

import numpy as np

from .kernels.half import bf16_to_f32, f32_to_bf16, f32_to_f16
from .names import NAMESPACE


class dtype:
    __slots__ = ("name", "np", "itemsize", "is_floating_point", "is_signed", "category", "_rank",
                 "is_half", "compute", "is_complex")

    def __init__(self, name, np_dtype, category, rank, is_half=False):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self.category = category  # 0 bool, 1 integer, 2 floating, 3 complex
        self.is_floating_point = category == 2
        self.is_complex = category == 3
        self.is_signed = category >= 2 or (category == 1 and self.np.kind == "i")
        self._rank = rank
        self.is_half = is_half  # float16 or bfloat16: kernels see float32 (backends/half.py)
        self.compute = self  # the dtype kernels compute it in

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
float16 = dtype("float16", np.float16, 2, 6, is_half=True)
bfloat16 = dtype("bfloat16", np.uint16, 2, 6, is_half=True)  # the bits: see kernels/half.py
float32 = dtype("float32", np.float32, 2, 7)
float64 = dtype("float64", np.float64, 2, 8)
complex64 = dtype("complex64", np.complex64, 3, 7)
complex128 = dtype("complex128", np.complex128, 3, 8)
float16.compute = bfloat16.compute = float32

REAL = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64)
COMPLEX = (complex64, complex128)
ALL = REAL + COMPLEX
# PyTorch's scalar type names, as its type strings (FloatTensor) and error messages print them
TYPE_NAMES = {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
              "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
              "float16": "Half", "bfloat16": "BFloat16", "complex64": "ComplexFloat",
              "complex128": "ComplexDouble"}
_BY_NAME = {d.name: d for d in ALL}
_BY_NP = {d.np: d for d in ALL if d is not bfloat16}  # uint16 arrays are not bfloat16

# PyTorch's aliases
float = float32
double = float64
half = float16
long = int64
int = int32
short = int16
bool = bool_
cfloat = complex64
cdouble = complex128

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
            "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, "
            "uint8, and bool."
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
    if d is builtins.complex:
        return complex128
    raise TypeError(f"{fn}(): argument 'dtype' must be {NAMESPACE}.dtype, not {type(d).__name__}")

_SIGNED_INTS = (int8, int16, int32, int64)


def promote_types(a, b):
    """PyTorch's promote_types for two tensor dtypes."""
    if a is b:
        return a
    if a.category == 3 or b.category == 3:
        # complex wins, at the precision of the wider part (complex64 with float64: 128)
        if a.category != b.category:
            c, r = (a, b) if a.category == 3 else (b, a)
            return complex128 if c is complex128 or r is float64 else complex64
        return a if a._rank > b._rank else b
    if a.category != b.category:
        return a if a.category > b.category else b
    if a._rank == b._rank:  # float16 with bfloat16: neither holds the other
        return float32
    if a is uint8 or b is uint8:
        other = b if a is uint8 else a
        if other is bool_:
            return uint8
        # uint8 with a signed type: the smallest signed type that holds both
        return int16 if other is int8 else other
    return a if a._rank > b._rank else b


def scalar_category(value):
    """Category of a Python scalar: 0 bool, 1 int, 2 float, 3 complex."""
    if isinstance(value, builtins.bool) or isinstance(value, np.bool_):
        return 0
    if isinstance(value, (builtins.int, np.integer)):
        return 1
    if isinstance(value, (builtins.float, np.floating)):
        return 2
    if isinstance(value, (builtins.complex, np.complexfloating)):
        return 3
    raise TypeError(f"unsupported scalar type {type(value).__name__}")


def result_type_scalar(d, value):
    """Dtype of a (tensor of dtype d) op (Python scalar): scalars are weak."""
    cat = scalar_category(value)
    if cat <= d.category:
        return d
    if cat == 3:
        return complex_of(d if d.category == 2 else _default_float)
    return int64 if cat == 1 else _default_float


def scalar_dtype(value):
    """Dtype torch.tensor(value) would get."""
    cat = scalar_category(value)
    return (bool_, int64, _default_float, default_complex())[cat]


def default_complex():
    """The complex dtype of the default float: complex64 for float32, complex128 for
    float64, as torch.tensor(1j) follows get_default_dtype."""
    return complex128 if _default_float is float64 else complex64


def complex_of(d):
    """The complex dtype whose parts are float dtype d (the half types: complex64)."""
    return complex128 if d is float64 else complex64


def real_of(d):
    """The dtype of a complex dtype's parts (abs, real, imag); other dtypes: themselves."""
    return {complex64: float32, complex128: float64}.get(d, d)


def host_values(array, d):
    """A host array of dtype d's storage as numbers numpy can print and list: bfloat16
    bits become their float32 values."""
    return bf16_to_f32(array) if d is bfloat16 else array


def storage_values(array, d):
    """Numbers (a numpy array) as dtype d's storage holds them; the half types round
    through float32, as torch converts a double to them."""
    if d is bfloat16 or d is float16:
        with np.errstate(over="ignore", invalid="ignore"):  # beyond float32: inf, as torch
            wide = np.asarray(array, np.float32)
        return f32_to_bf16(wide) if d is bfloat16 else f32_to_f16(wide)
    return np.asarray(array, d.np)


class _BFloat16Info:
    """numpy's finfo facts for bfloat16, which numpy lacks (torch.finfo's values)."""
    bits = 16
    eps = 2.0 ** -7
    max = 3.3895313892515355e38
    min = -max
    tiny = smallest_normal = 2.0 ** -126
    nmant = 7
    nexp = 8
    resolution = 0.01


def finfo(d):
    """numpy's finfo for the values of floating dtype d."""
    return _BFloat16Info if d is bfloat16 else np.finfo(d.np)


def rounded(value, d):
    """Number `value` as dtype d holds it, a numpy scalar (bfloat16's as float32)."""
    if d.is_half:
        return np.asarray(host_values(storage_values(value, d), d))[()]
    return d.np.type(value)
