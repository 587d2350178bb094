"""The standard's element-wise functions, on tm's ops. Binary ones take a Python scalar on
either side and promote by the standard's table (see _operands)."""
import sys

from .. import creation
from .. import _tensor
from ..ops import complex as complex_ops
from ..ops import elementwise as E
from ._operands import cast, promoted

_UNARY = {
    "abs": "abs", "acos": "acos", "acosh": "acosh", "asin": "asin", "asinh": "asinh",
    "atan": "atan", "atanh": "atanh", "bitwise_invert": "bitwise_not", "ceil": "ceil",
    "cos": "cos", "cosh": "cosh", "exp": "exp", "expm1": "expm1", "floor": "floor",
    "isfinite": "isfinite", "isinf": "isinf", "isnan": "isnan", "log": "log", "log1p": "log1p",
    "log2": "log2", "log10": "log10", "logical_not": "logical_not", "negative": "neg",
    "positive": "positive",
    "signbit": "signbit", "sin": "sin", "sinh": "sinh", "square": "square", "sqrt": "sqrt",
    "tan": "tan", "tanh": "tanh", "trunc": "trunc",
}

_BINARY = {
    "add": "add", "atan2": "atan2", "bitwise_and": "bitwise_and",
    "bitwise_left_shift": "bitwise_left_shift", "bitwise_or": "bitwise_or",
    "bitwise_right_shift": "bitwise_right_shift", "bitwise_xor": "bitwise_xor",
    "copysign": "copysign", "divide": "div", "equal": "eq", "floor_divide": "floor_divide",
    "greater": "gt", "greater_equal": "ge", "hypot": "hypot", "less": "lt", "less_equal": "le",
    "logaddexp": "logaddexp", "logical_and": "logical_and", "logical_or": "logical_or",
    "logical_xor": "logical_xor", "maximum": "maximum", "minimum": "minimum",
    "multiply": "mul", "nextafter": "nextafter", "not_equal": "ne", "pow": "pow",
    "remainder": "remainder", "subtract": "sub",
}


def _unary(name, op):
    def f(x, /):
        return op(x)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"The standard's {name}(x), on tm.{op.__name__}."
    return f


def _binary(name, op):
    def f(x1, x2, /):
        return op(*promoted(x1, x2))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"The standard's {name}(x1, x2), with its promotion, on tm.{op.__name__}."
    return f


_module = sys.modules[__name__]
for _name, _op in _UNARY.items():
    setattr(_module, _name, _unary(_name, getattr(E, _op)))
for _name, _op in _BINARY.items():
    setattr(_module, _name, _binary(_name, getattr(E, _op)))

__all__ = [*_UNARY, *_BINARY, "clip", "conj", "real", "imag", "reciprocal", "round", "sign"]


def clip(x, /, min=None, max=None):
    """x limited to [min, max]; the result keeps x's dtype, as the standard says."""
    bounds = {k: cast(v, x.dtype) if isinstance(v, _tensor.Tensor) else v
              for k, v in (("min", min), ("max", max)) if v is not None}
    if not bounds:
        return x.clone()
    return cast(E.clamp(x, **bounds), x.dtype)


def conj(x, /):
    out = complex_ops.conj(x)
    return x.clone() if out is x else out  # tm's conj of a real array is the array itself


def real(x, /):
    # tm's real is a view of a complex array's floats; the standard's is a new array
    return complex_ops.real(x).clone()


def imag(x, /):
    if not x.dtype.is_complex:  # the standard also takes real arrays: their parts are 0
        return creation.zeros_like(x)
    return complex_ops.imag(x).clone()


def reciprocal(x, /):
    # tm's reciprocal kernel takes real dtypes; 1 / x covers complex ones too
    return E.div(1, x) if x.dtype.is_complex else E.reciprocal(x)


def round(x, /):
    """Half to even; a complex array's real and imaginary parts each, as the standard says
    (torch does not round complex tensors)."""
    if not x.dtype.is_complex:
        return E.round(x)
    return complex_ops.complex(E.round(complex_ops.real(x)), E.round(complex_ops.imag(x)))


def sign(x, /):
    # the standard's sign of a complex number is x / |x|: torch calls that sgn
    return E.sgn(x) if x.dtype.is_complex else E.sign(x)
