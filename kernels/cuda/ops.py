"""Scalar ops for the elementwise kernels, with PyTorch's semantics.

Every elementwise kernel is ternary, out = f(a, b, c): unary ops ignore b and c, binary
ops ignore c, and the kernels receive the unused operands as scalars. `get` returns f as
an inline device function for one compute dtype.

Constants are numpy scalars of the compute dtype: a bare `0.5` would be a float64 and
drag float32 arithmetic into double precision.
"""
import functools

import numpy as np
from numba import types
from numba.np.numpy_support import from_dtype

from . import fmath as fm
from .compiler import device

UNARY = frozenset("""neg abs sign exp expm1 log log2 log10 log1p sqrt rsqrt reciprocal sin cos
    tan tanh sigmoid erf relu floor ceil round trunc isnan isinf isfinite logical_not
    bitwise_not copy""".split())
BINARY = frozenset("""add sub mul div floor_divide remainder pow maximum minimum eq ne lt le gt
    ge logical_and logical_or logical_xor bitwise_and bitwise_or bitwise_xor""".split())
TERNARY = frozenset(["where"])
PREDICATES = frozenset("""isnan isinf isfinite logical_not eq ne lt le gt ge logical_and
    logical_or logical_xor""".split())

_FLOAT_ONLY = frozenset("""exp expm1 log log2 log10 log1p sqrt rsqrt reciprocal sin cos tan
    tanh sigmoid erf div""".split())
_NOT_BOOL = frozenset("""neg abs relu floor ceil round trunc sub floor_divide remainder
    pow""".split())
_NOT_FLOAT = frozenset("bitwise_not bitwise_and bitwise_or bitwise_xor".split())
# ops that run long instruction sequences (divisions, libdevice math): the most registers
HEAVY = _FLOAT_ONLY | frozenset("floor_divide remainder pow".split())

DTYPES = tuple(np.dtype(d) for d in
               ("bool", "uint8", "int8", "int16", "int32", "int64", "float32", "float64"))


def arity(name):
    return 1 if name in UNARY else 2 if name in BINARY else 3


def supports(name, dtype):
    """Whether `name` is defined for compute dtype `dtype` (PyTorch's rules)."""
    kind = np.dtype(dtype).kind
    if name not in UNARY | BINARY | TERNARY:
        return False
    if kind == "b":
        return name not in _FLOAT_ONLY | _NOT_BOOL
    if kind in "iu":
        return name not in _FLOAT_ONLY
    return name not in _NOT_FLOAT


def result_dtype(name, dtype):
    """The dtype PyTorch gives the result (kernels also store into any other)."""
    return np.dtype(bool) if name in PREDICATES else np.dtype(dtype)


@functools.cache
def get(name, dtype, out_dtype):
    """f(a, b, c) for op `name` computing in `dtype` and storing `out_dtype`."""
    dtype, out_dtype = np.dtype(dtype), np.dtype(out_dtype)
    if not supports(name, dtype):
        raise TypeError(f"op {name} is not defined for {dtype}")
    if name == "copy":
        # float -> integer goes through int64, so that -1.0 -> uint8 wraps to 255 like torch
        fn = _to_int64 if dtype.kind == "f" and out_dtype.kind in "iu" else _identity
    else:
        table = {"b": _bool_ops, "i": _int_ops, "u": _int_ops, "f": _float_ops}[dtype.kind]
        fn = table(dtype)[name]
    return _ternary(device(fn), arity(name), from_dtype(out_dtype))


def _ternary(fn, n, cast):
    """fn as f(a, b, c), its result cast to the output dtype here rather than by the
    store: numpy (the simulator) raises on some out-of-range stores that a cast wraps."""
    if n == 1:
        def op(a, b, c):
            return cast(fn(a))
    elif n == 2:
        def op(a, b, c):
            return cast(fn(a, b))
    else:
        def op(a, b, c):
            return cast(fn(a, b, c))
    return device(op)


def _identity(a):
    return a


def _to_int64(a):
    return types.int64(a)


def _where(cond, a, b):
    return a if cond else b


def _common(zero):
    """Ops written the same way for every dtype."""
    def eq(a, b):
        return a == b

    def ne(a, b):
        return a != b

    def lt(a, b):
        return a < b

    def le(a, b):
        return a <= b

    def gt(a, b):
        return a > b

    def ge(a, b):
        return a >= b

    def logical_not(a):
        return a == zero

    def logical_and(a, b):
        return a != zero and b != zero

    def logical_or(a, b):
        return a != zero or b != zero

    def logical_xor(a, b):
        return (a != zero) != (b != zero)

    def add(a, b):
        return a + b

    def mul(a, b):
        return a * b

    def sub(a, b):
        return a - b

    def maximum(a, b):  # ties give b, as numpy and torch's vectorised CPU loops do
        return a if a > b else b

    def minimum(a, b):
        return a if a < b else b

    return dict(eq=eq, ne=ne, lt=lt, le=le, gt=gt, ge=ge, logical_not=logical_not,
                logical_and=logical_and, logical_or=logical_or, logical_xor=logical_xor,
                add=add, sub=sub, mul=mul, maximum=maximum, minimum=minimum, where=_where)


def _bitwise():
    def bitwise_and(a, b):
        return a & b

    def bitwise_or(a, b):
        return a | b

    def bitwise_xor(a, b):
        return a ^ b

    return dict(bitwise_and=bitwise_and, bitwise_or=bitwise_or, bitwise_xor=bitwise_xor)


def _bool_ops(dtype):
    def always_false(a):
        return False

    def always_true(a):
        return True

    def logical_not(a):
        return not a

    def add(a, b):  # torch: bool + bool is or, bool * bool is and
        return a or b

    def mul(a, b):
        return a and b

    ops = _common(np.False_)
    ops.update(_bitwise(), sign=_identity, isnan=always_false, isinf=always_false,
               isfinite=always_true, logical_not=logical_not, bitwise_not=logical_not,
               add=add, mul=mul, maximum=add, minimum=mul)
    return ops


def _int_ops(dtype):
    zero, one = dtype.type(0), dtype.type(1)

    def neg(a):
        return -a

    def abs_(a):
        return -a if a < zero else a

    def sign(a):
        return one if a > zero else (-one if a < zero else zero)

    def relu(a):
        return zero if a < zero else a

    def always_false(a):
        return False

    def always_true(a):
        return True

    def bitwise_not(a):
        return ~a

    def floor_divide(a, b):  # numba and numpy both floor, like Python
        return a // b

    def remainder(a, b):  # sign of the divisor, like Python
        return a % b

    def pow_(a, b):
        if b < zero:  # torch: 1 and -1 keep their powers, every other base gives 0
            if a == one:
                return one
            if a == -one:
                return one if b % 2 == 0 else -one
            return zero
        result, base, e = one, a, b
        while e > zero:
            if e & one:
                result = result * base
            base = base * base
            e = e >> one
        return result

    ops = _common(zero)
    ops.update(_bitwise(), neg=neg, abs=abs_, sign=sign, relu=relu, floor=_identity,
               ceil=_identity, round=_identity, trunc=_identity, isnan=always_false,
               isinf=always_false, isfinite=always_true, bitwise_not=bitwise_not,
               floor_divide=floor_divide, remainder=remainder, pow=pow_)
    return ops


def _float_ops(dtype):
    zero, one, two, half = (dtype.type(v) for v in (0, 1, 2, 0.5))

    def neg(a):
        return -a

    def sign(a):  # sign(nan) and sign(-0.) are 0, like torch
        return one if a > zero else (-one if a < zero else zero)

    def relu(a):  # keeps nan and -0., like torch
        return zero if a < zero else a

    def rsqrt(a):
        return one / fm.sqrt(a)

    def reciprocal(a):
        return one / a

    def sigmoid(a):
        return one / (one + fm.exp(-a))

    def round_(a):  # half to even; copysign keeps -0. for -0.3, like torch
        r = fm.floor(a)
        d = a - r
        if d > half or (d == half and fm.fmod(r, two) != zero):
            r += one
        return fm.copysign(r, a)

    def div(a, b):
        return a / b

    def floor_divide(a, b):  # torch's div_floor_floating
        if b == zero:
            return a / b
        mod = fm.fmod(a, b)
        q = (a - mod) / b
        if mod != zero and (b < zero) != (mod < zero):
            q -= one
        if q == zero:
            return fm.copysign(zero, a / b)
        f = fm.floor(q)
        if q - f > half:
            f += one
        return f

    def remainder(a, b):
        mod = fm.fmod(a, b)
        if mod != zero and (b < zero) != (mod < zero):
            mod += b
        return mod

    def pow_(a, b):
        return fm.pow(a, b)

    def maximum(a, b):  # nan wins
        if a != a:
            return a
        return a if (a > b and b == b) else b

    def minimum(a, b):
        if a != a:
            return a
        return a if (a < b and b == b) else b

    def unary(f):
        def g(a):
            return f(a)
        return g

    ops = _common(zero)
    ops.update(neg=neg, abs=unary(fm.fabs), sign=sign, relu=relu, rsqrt=rsqrt,
               reciprocal=reciprocal, sigmoid=sigmoid, round=round_, div=div,
               floor_divide=floor_divide, remainder=remainder, pow=pow_, maximum=maximum,
               minimum=minimum)
    for name in "exp expm1 log log2 log10 log1p sqrt sin cos tan tanh erf floor ceil trunc " \
                "isnan isinf isfinite".split():
        ops[name] = unary(getattr(fm, name))
    return ops
