"""`math` as a scalar body sees it on the CPU (kernels.scalar.prepare binds it): Python's
math functions, which Numba compiles, with these changes:

- numpy's floor, ceil and trunc (math's return integers, which breaks on inf, NaN and
  -0.) and fmod (Numba's CPU target lacks it);
- (in MATH, for the parallel kernels) float32 exp, tanh, erf and log written as plain
  arithmetic that LLVM vectorises. The pip
  wheels of llvmlite carry no vector math library, so `math.exp` in a loop is a scalar
  call per element; these ran exp at a fraction of torch's time (bench/NOTES.md). Their
  accuracy is tested against float64 (tests/kernels/cpu/test_scalar_math.py): within
  4 ulp of the rounded result. float64 keeps libm's.
"""
import math

import numpy as np
from numba import types
from numba.extending import overload, register_jitable

from ..scalar import math_namespace


def _jitable(fn):
    return register_jitable(inline="always")(fn)


@_jitable
def floor(x):
    return np.floor(x)


@_jitable
def ceil(x):
    return np.ceil(x)


@_jitable
def trunc(x):
    return np.trunc(x)


@_jitable
def fmod(a, b):
    return np.fmod(a, b)


_F = np.float32
_ZERO, _HALF, _ONE, _TWO = _F(0), _F(0.5), _F(1), _F(2)
_INF = _F(np.inf)

# exp(v) = 2^k exp(r), k = round(v / ln 2), |r| <= ln 2 / 2, exp(r) by its Taylor series to
# r^6 (the next term is below 2^-24 there); ln 2 in two parts, so k ln 2 is exact enough
_LOG2E = _F(1.4426950408889634)
_LN2_HI = _F(0.693145751953125)
_LN2_LO = _F(1.428606765330187e-06)
_EXP_HI = _F(88.72283935546875)  # above: inf
_EXP_LO = _F(-103.97208404541016)  # below: 0 (the last denormal is 2^-149)
_E2, _E3, _E4, _E5, _E6 = (_F(1 / math.factorial(n)) for n in range(2, 7))


@_jitable
def _exp32(v):
    x = min(max(v, _EXP_LO), _EXP_HI)
    k = np.floor(x * _LOG2E + _HALF)
    r = x - k * _LN2_HI - k * _LN2_LO
    p = (((((_E6 * r + _E5) * r + _E4) * r + _E3) * r + _E2) * r + _ONE) * r + _ONE
    # 2^k as two powers of two, so that denormal results (k < -126) come out right
    n = np.int32(k)
    h = n >> 1
    y = p * np.int32((h + 127) << 23).view(np.float32) \
        * np.int32((n - h + 127) << 23).view(np.float32)
    y = _INF if v > _EXP_HI else y
    y = _ZERO if v < _EXP_LO else y
    return v if v != v else y


@_jitable
def _exp32_normal(x):
    """exp(x) for x in [-87, 88] (its result a normal float), fewer steps than _exp32."""
    k = np.floor(x * _LOG2E + _HALF)
    r = x - k * _LN2_HI - k * _LN2_LO
    p = (((((_E6 * r + _E5) * r + _E4) * r + _E3) * r + _E2) * r + _ONE) * r + _ONE
    return p * np.int32((np.int32(k) + 127) << 23).view(np.float32)


# tanh: below 0.55 its odd Taylor series to x^19 (the next term is below 2^-25 of it);
# above, 1 - 2 / (exp(2|x|) + 1), where no digits cancel
_T3, _T5, _T7, _T9, _T11, _T13, _T15, _T17, _T19 = (_F(c) for c in (
    -1 / 3, 2 / 15, -17 / 315, 62 / 2835, -1382 / 155925, 21844 / 6081075,
    -929569 / 638512875, 6404582 / 10854718875, -443861162 / 1856156927625))
_TANH_SERIES = _F(0.55)
_TANH_ONE = _F(9.1)  # tanh is 1 in float32 from 9.01 on


@_jitable
def _tanh32(x):
    a = abs(x)
    z = a * a
    p = ((((((((_T19 * z + _T17) * z + _T15) * z + _T13) * z + _T11) * z + _T9) * z + _T7)
          * z + _T5) * z + _T3)
    small = a + a * z * p
    b = min(a, _TANH_ONE)
    big = _ONE - _TWO / (_exp32_normal(b + b) + _ONE)
    y = small if a < _TANH_SERIES else big
    y = np.float32(math.copysign(y, x))
    return x if x != x else y


# erf: below 0.875 its Taylor series to x^21; above, 1 - exp(-x^2) R(x), where R(x) =
# erfc(x) exp(x^2) is a Chebyshev series on [0.875, 4] fitted by least squares in float64
# (degree 11, relative error 2e-7 in float32); past 4, erf is 1 in float32
_ERF_TAYLOR = tuple(_F(2 / math.sqrt(math.pi) * (-1) ** n / (math.factorial(n) * (2 * n + 1)))
                    for n in range(11))
_S0, _S1, _S2, _S3, _S4, _S5, _S6, _S7, _S8, _S9, _S10 = _ERF_TAYLOR
_C0, _C1, _C2, _C3, _C4, _C5, _C6, _C7, _C8, _C9, _C10, _C11 = (_F(c) for c in (
    2.55251263e-01, -1.51688818e-01, 4.23894502e-02, -1.12378725e-02, 2.84470240e-03,
    -6.91009246e-04, 1.61715927e-04, -3.65808668e-05, 8.01977186e-06, -1.70792775e-06,
    3.54027914e-07, -7.15463693e-08))
_ERF_SERIES, _ERF_ONE, _ERF_Z_MAX = _F(0.875), _F(4.0), _F(16.0)
_CHEB_SCALE, _CHEB_SHIFT = _F(2 / (4.0 - 0.875)), _F((4.0 + 0.875) / (4.0 - 0.875))


@_jitable
def _erf32(x):
    a = abs(x)
    z = a * a
    s = ((((((((((_S10 * z + _S9) * z + _S8) * z + _S7) * z + _S6) * z + _S5) * z + _S4) * z
            + _S3) * z + _S2) * z + _S1) * z + _S0) * a
    t = a * _CHEB_SCALE - _CHEB_SHIFT
    t2 = t + t
    b1 = _C11
    b2 = _ZERO
    b1, b2 = t2 * b1 - b2 + _C10, b1
    b1, b2 = t2 * b1 - b2 + _C9, b1
    b1, b2 = t2 * b1 - b2 + _C8, b1
    b1, b2 = t2 * b1 - b2 + _C7, b1
    b1, b2 = t2 * b1 - b2 + _C6, b1
    b1, b2 = t2 * b1 - b2 + _C5, b1
    b1, b2 = t2 * b1 - b2 + _C4, b1
    b1, b2 = t2 * b1 - b2 + _C3, b1
    b1, b2 = t2 * b1 - b2 + _C2, b1
    b1, b2 = t2 * b1 - b2 + _C1, b1
    r = t * b1 - b2 + _C0
    tail = _ONE - _exp32_normal(-min(z, _ERF_Z_MAX)) * r
    y = s if a < _ERF_SERIES else (tail if a < _ERF_ONE else _ONE)
    y = np.float32(math.copysign(y, x))
    return x if x != x else y


# log: x = 2^e m with m in [sqrt(1/2), sqrt(2)), f = m - 1 (exact), s = f / (2 + f);
# log(m) = 2 atanh(s) = f - s (f - R), R = 2s^2/3 + 2s^4/5 + ... to s^10 (fdlibm's form,
# which keeps the error below 1 ulp near x = 1); denormals are scaled by 2^23 first
_L3, _L5, _L7, _L9, _L11 = (_F(2 / k) for k in (3, 5, 7, 9, 11))
_SQRT_HALF_BITS = np.int32(0x3f3504f3)
_MANTISSA = np.int32(0x007fffff)
_TINY = _F(np.finfo(np.float32).tiny)
_TWO23, _23 = _F(2.0 ** 23), _F(23)
_NAN = _F(np.nan)


@_jitable
def _log32(x):
    tiny = x < _TINY
    xs = x * _TWO23 if tiny else x
    ix = np.float32(xs).view(np.int32) - _SQRT_HALF_BITS
    e = _F(ix >> 23) - (_23 if tiny else _ZERO)
    m = np.int32((ix & _MANTISSA) + _SQRT_HALF_BITS).view(np.float32)
    f = m - _ONE
    s = f / (m + _ONE)
    z = s * s
    r = z * (_L3 + z * (_L5 + z * (_L7 + z * (_L9 + z * _L11))))
    y = e * _LN2_HI + (e * _LN2_LO + (f - s * (f - r)))
    y = _NAN if x < _ZERO else y
    y = -_INF if x == _ZERO else y
    y = _INF if x == _INF else y
    return x if x != x else y


def _float32_or_libm(fast, libm):
    """A function whose float32 form is `fast` and whose other forms are libm's."""
    def fn(x):
        return libm(x)

    @overload(fn, inline="always")
    def _overload(x):
        if x == types.float32:
            return lambda x: fast(x)
        return lambda x: libm(x)
    return fn


exp = _float32_or_libm(_exp32, math.exp)
exp32 = _exp32  # for kernels that pick their float32 exp themselves (softmax)
tanh = _float32_or_libm(_tanh32, math.tanh)
erf = _float32_or_libm(_erf32, math.erf)
log = _float32_or_libm(_log32, math.log)

# LIBM serves the serial kernels (small tensors), MATH the parallel ones: the vectorised
# bodies pay off only on long runs, and they take seconds to compile where libm's calls
# take a fraction of one. A small and a large tensor may then differ in the last bits, as
# torch's scalar and vectorised loops do.
_FIXES = {"floor": floor, "ceil": ceil, "trunc": trunc, "fmod": fmod}
LIBM = math_namespace("cpu", _FIXES)
_VECTOR = dict(exp=exp, tanh=tanh, erf=erf, log=log)
MATH = math_namespace("cpu_vector", dict(_FIXES, **_VECTOR))
VECTORISED = frozenset(_VECTOR)  # the functions whose float32 forms MATH replaces
