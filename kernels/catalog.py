"""The elementwise op catalog: every op's scalar body, declared once for both devices.

An entry gives the op's arity, the dtype kinds its kernels compute in, the dtype of its
result, and its body: one Python function, which the CPU generator compiles with Numba
and the CUDA factory compiles as a device function (kernels.scalar.prepare gives it the
compute dtype's literals and the device's `math`). Where a dtype kind or a device needs
its own body, the entry says so here, beside the shared one: `bodies` maps "*" (every
kind), "b" (bool), "i" (signed and unsigned integers) or "f" (floats), optionally
followed by "/cpu" or "/cuda", to a function.

The front end (tensorrt_mini.ops.elementwise) reads the same entries for its functions,
Tensor methods, in-place methods and operators, and autograd finds each op's derivative
by its name, so adding an op is an entry here, its derivative, and a test-table line.

Kinds: "b" bool, "i" integer (either sign), "f" floating, "c" complex. Results: "same"
(the compute dtype), "bool" (a predicate), "float" (integer inputs compute in the default
float, as torch's float-only ops do), "complex" (complex and polar: the complex dtype of
their float parts); `real_of_complex` marks the ops whose complex result
is its parts' real dtype (abs, angle). Complex bodies use `cmath`, which Numba compiles on
both devices.
"""
import cmath
import math

import numpy as np

from .scalar import Body

__all__ = ["Op", "OPS", "get", "KINDS"]

KINDS = {"b": "b", "u": "i", "i": "i", "f": "f", "c": "c"}  # numpy kind -> catalog kind


class Op:
    """One elementwise op: its arity, the kinds its kernels compute in, its result rule,
    its bodies, and whether its kernels run long instruction sequences (`heavy`: divisions,
    libdevice math; the GPU's tiled kernels then leave them more registers)."""

    __slots__ = ("name", "arity", "kinds", "result", "bodies", "heavy", "public", "inplace",
                 "ufunc", "real_of_complex", "_compiled")

    def __init__(self, name, arity, kinds, result, bodies, heavy=False, public=True,
                 inplace=True, real_of_complex=False):
        self.name = name
        self.arity = arity
        self.kinds = kinds
        self.result = result
        self.bodies = bodies if isinstance(bodies, dict) else {"*": bodies}
        self.heavy = heavy
        self.public = public  # a function tm.<name> and a Tensor method
        self.inplace = inplace  # and a Tensor method <name>_
        self.ufunc = None  # (numpy ufunc, dtypes it serves, dtypes at every size): see below
        self.real_of_complex = real_of_complex
        self._compiled = {}

    def supports(self, dtype):
        return KINDS[np.dtype(dtype).kind] in self.kinds

    def result_dtype(self, dtype):
        """The dtype PyTorch gives the result for compute dtype `dtype`."""
        if self.result == "complex":  # complex(), polar(): of their float parts' precision
            return np.result_type(dtype, np.complex64)
        return np.dtype(bool) if self.result == "bool" else np.dtype(dtype)

    def operand_dtypes(self, dtype):
        """The dtypes of the body's arguments for compute dtype `dtype`."""
        if self.name == "where":
            return (np.dtype(bool), np.dtype(dtype), np.dtype(dtype))
        return (np.dtype(dtype),) * self.arity

    def body(self, dtype, device):
        """The Body for compute dtype `dtype` on device "cpu" or "cuda"."""
        kind = KINDS[np.dtype(dtype).kind]
        key = (kind, device)
        hit = self._compiled.get(key)
        if hit is None:
            if kind not in self.kinds:
                raise TypeError(f"op {self.name} is not defined for {np.dtype(dtype)}")
            for sel in (f"{kind}/{device}", kind, f"*/{device}", "*"):
                fn = self.bodies.get(sel)
                if fn is not None:
                    break
            else:
                raise TypeError(f"op {self.name} is not defined for {np.dtype(dtype)}")
            hit = self._compiled[key] = Body(fn, f"{self.name}.{sel.replace('/', '.')}")
        return hit


OPS = {}


def _op(name, arity, kinds, result, bodies, heavy=False, public=True, inplace=True,
        real_of_complex=False):
    OPS[name] = Op(name, arity, kinds, result, bodies, heavy, public, inplace, real_of_complex)


def get(name):
    try:
        return OPS[name]
    except KeyError:
        raise KeyError(f"no elementwise op {name!r} in the catalog") from None


# --- bodies shared by several entries ---------------------------------------------------

def _identity(x):
    return x


def _false(x):
    return False


def _true(x):
    return True


# --- copy: the cast on store; float -> a narrow integer goes through a wider one ---------
# A direct fptoui/fptosi into uint8 is undefined below 0, and vectorised and scalar code
# then disagree (-1.6 -> uint8 gave 0 in one lane and 255 in the next); torch wraps to 255.
# On x86 torch's C++ cast converts to int32 first (INT_MIN for NaN or out of range) and
# keeps the low bits: 3e9 -> int16 is 0. The CPU does the same through to_int32; the GPU,
# whose conversions saturate, goes through int64.

def _to_int32(x):
    return np.int32(x)


def _to_int64(x):
    return np.int64(x)


def _real_part(x):
    return x.real


_op("copy", 1, "bifc", "same", _identity, public=False)
# complex into a real dtype keeps the real part, as torch's cast (which warns: front end)
_op("copy_real", 1, "c", "same", _real_part, public=False, real_of_complex=True)
_op("to_int32", 1, "f", "same", _to_int32, public=False)
_op("to_int64", 1, "f", "same", _to_int64, public=False)


# --- unary ------------------------------------------------------------------------------

def _neg(x):
    return -x


def _abs_int(x):
    return -x if x < 0 else x


def _abs_float(x):
    return math.fabs(x)


def _sign(x):
    # sign(nan) and sign(-0.) are 0, as in torch
    return 1 if x > 0 else (-1 if x < 0 else 0)


def _relu(x):
    # torch's max(x, 0): NaN and -0.0 pass through
    return 0 if x < 0 else x


def _exp(x):
    return math.exp(x)


def _expm1(x):
    return math.expm1(x)


def _log(x):
    return math.log(x)


def _log2(x):
    return math.log2(x)


def _log10(x):
    return math.log10(x)


def _log1p(x):
    return math.log1p(x)


def _sqrt(x):
    return math.sqrt(x)


def _rsqrt(x):
    return 1 / math.sqrt(x)


def _reciprocal(x):
    return 1 / x


def _sin(x):
    return math.sin(x)


def _cos(x):
    return math.cos(x)


def _tan(x):
    return math.tan(x)


def _tanh(x):
    return math.tanh(x)


def _sigmoid(x):
    return 1 / (1 + math.exp(-x))


def _erf(x):
    return math.erf(x)


def _floor(x):
    return math.floor(x)


def _ceil(x):
    return math.ceil(x)


def _trunc(x):
    return math.trunc(x)


def _round_cpu(x):
    return np.rint(x)  # half to even, vectorised


def _round_cuda(x):
    # half to even; copysign keeps -0. for -0.3, as torch
    r = math.floor(x)
    d = x - r
    if d > 0.5 or (d == 0.5 and math.fmod(r, 2) != 0):
        r += 1
    return math.copysign(r, x)


def _isnan(x):
    return x != x


def _isinf(x):
    return x == math.inf or x == -math.inf


def _isfinite(x):
    return not (x != x or x == math.inf or x == -math.inf)


def _logical_not(x):
    return x == 0


def _bitwise_not(x):
    return ~x


def _not(x):
    return not x


for _name, _body in (("exp", _exp), ("expm1", _expm1), ("log", _log), ("log2", _log2),
                     ("log10", _log10), ("log1p", _log1p), ("sqrt", _sqrt), ("rsqrt", _rsqrt),
                     ("reciprocal", _reciprocal), ("sin", _sin), ("cos", _cos), ("tan", _tan),
                     ("tanh", _tanh), ("sigmoid", _sigmoid), ("erf", _erf)):
    _op(_name, 1, "f", "float", _body, heavy=True)


# --- complex bodies (cmath): torch's complex kernels for the float ops above ---------------

def _c_exp(x):
    return cmath.exp(x)


def _c_expm1(x):
    return cmath.exp(x) - 1


def _c_log(x):
    return cmath.log(x)


def _c_log2(x):
    y = cmath.log(x)  # each part scaled: a complex division would turn log(0)'s 0j to nan
    return complex(y.real / 0.6931471805599453, y.imag / 0.6931471805599453)


def _c_log10(x):
    y = cmath.log(x)
    return complex(y.real / 2.302585092994046, y.imag / 2.302585092994046)


def _c_log1p(x):
    return cmath.log(x + 1)


def _c_sqrt(x):
    return cmath.sqrt(x)


def _c_rsqrt(x):
    # 1 / sqrt(x) by Smith's scaling (as _c_div): 1 / 0 is inf + nanj, not an error
    s = cmath.sqrt(x)
    c = s.real
    d = s.imag
    if abs(c) >= abs(d):
        if c == 0 and d == 0:
            return complex(1 / abs(c), d / abs(d))
        r = d / c
        den = c + d * r
        return complex(1 / den, -r / den)
    r = c / d
    den = c * r + d
    return complex(r / den, -1 / den)


# the trigonometric and hyperbolic functions through the real ones (numba-cuda's cmath
# versions of these need a driver to compile)
def _c_sin(x):
    a = x.real
    b = x.imag
    return complex(math.sin(a) * math.cosh(b), math.cos(a) * math.sinh(b))


def _c_cos(x):
    a = x.real
    b = x.imag
    return complex(math.cos(a) * math.cosh(b), -(math.sin(a) * math.sinh(b)))


def _c_sinh(x):
    a = x.real
    b = x.imag
    return complex(math.sinh(a) * math.cos(b), math.cosh(a) * math.sin(b))


def _c_cosh(x):
    a = x.real
    b = x.imag
    return complex(math.cosh(a) * math.cos(b), math.sinh(a) * math.sin(b))


def _c_tanh(x):
    # Kahan's form, as C's ctanh: past |a| = 22 the real part is +-1 to working precision
    a = x.real
    b = x.imag
    if math.fabs(a) > 22:
        return complex(math.copysign(1, a),
                       4 * math.sin(b) * math.cos(b) * math.exp(-2 * math.fabs(a)))
    t = math.tan(b)
    beta = 1 + t * t
    s = math.sinh(a)
    rho = math.sqrt(1 + s * s)
    den = 1 + beta * s * s
    return complex(beta * rho * s / den, t / den)


def _c_tan(x):
    # tan(z) = -i tanh(iz), with _c_tanh's steps for iz = -b + ia
    a = -x.imag
    b = x.real
    if math.fabs(a) > 22:
        u = math.copysign(1, a)
        v = 4 * math.sin(b) * math.cos(b) * math.exp(-2 * math.fabs(a))
    else:
        t = math.tan(b)
        beta = 1 + t * t
        s = math.sinh(a)
        rho = math.sqrt(1 + s * s)
        den = 1 + beta * s * s
        u = beta * rho * s / den
        v = t / den
    return complex(v, -u)


def _c_asin(x):
    return cmath.asin(x)


def _c_acos(x):
    return cmath.acos(x)


def _c_atan(x):
    return cmath.atan(x)


def _c_asinh(x):
    return cmath.asinh(x)


def _c_acosh(x):
    # the principal value, as Kahan writes it (numba-cuda's cmath.acosh needs a driver)
    return cmath.log(x + cmath.sqrt(x + 1) * cmath.sqrt(x - 1))


def _c_atanh(x):
    return cmath.atanh(x)


def _c_sigmoid(x):
    # 1 / (1 + exp(-x)) by Smith's scaling (as _c_div)
    s = cmath.exp(-x) + 1
    c = s.real
    d = s.imag
    if abs(c) >= abs(d):
        if c == 0 and d == 0:
            return complex(1 / abs(c), d / abs(d))
        r = d / c
        den = c + d * r
        return complex(1 / den, -r / den)
    r = c / d
    den = c * r + d
    return complex(r / den, -1 / den)


def _c_div(a, b):
    # Smith's scaled division, as C's: a zero divisor gives inf and NaN parts, not an error
    c = b.real
    d = b.imag
    if abs(c) >= abs(d):
        if c == 0 and d == 0:
            return complex(a.real / abs(c), a.imag / abs(d))
        r = d / c
        den = c + d * r
        return complex((a.real + a.imag * r) / den, (a.imag - a.real * r) / den)
    r = c / d
    den = c * r + d
    return complex((a.real * r + a.imag) / den, (a.imag * r - a.real) / den)


def _c_reciprocal(x):
    # torch's: conj(x) / |x|^2 (so 1 / 0 is nan + nanj)
    c = x.real
    d = x.imag
    n = c * c + d * d
    return complex(c / n, -d / n)


def _c_pow(a, b):
    if b == 0:
        return a - a + 1
    if a == 0:  # 0 ** b: 0 for a positive real part of b, as torch
        return a - a if b.real > 0 else a / a
    return cmath.exp(b * cmath.log(a))


def _c_abs(x):
    return abs(x)


def _c_sgn(x):
    m = abs(x)
    return x - x if m == 0 else x / m


def _c_angle(x):
    return math.atan2(x.imag, x.real)  # (cmath.phase: no CUDA lowering)


def _c_conj(x):
    return x.conjugate()


def _c_isnan(x):
    return cmath.isnan(x)


def _c_isinf(x):
    return cmath.isinf(x)


def _c_isfinite(x):
    return cmath.isfinite(x)


def _angle(x):
    # torch's: pi for negatives, 0 otherwise, NaN kept
    if x != x:
        return x
    return 3.141592653589793 if x < 0 else 0


def _complex_parts(re, im):
    return complex(re, im)


def _polar(r, theta):
    return complex(r * math.cos(theta), r * math.sin(theta))


_COMPLEX_MATH = {"exp": _c_exp, "expm1": _c_expm1, "log": _c_log, "log2": _c_log2,
                 "log10": _c_log10, "log1p": _c_log1p, "sqrt": _c_sqrt, "rsqrt": _c_rsqrt,
                 "reciprocal": _c_reciprocal, "sin": _c_sin, "cos": _c_cos, "tan": _c_tan,
                 "tanh": _c_tanh, "sigmoid": _c_sigmoid}


# gelu's two forms, one pass each for nn.functional.gelu's forward (its composite of five
# ops ran 4x torch's time at every size), with the composite's steps and so its roundings
def _gelu(x):
    return x * ((math.erf(x * 0.7071067811865476) + 1) * 0.5)


def _gelu_tanh(x):
    return x * ((math.tanh((x + x * x * x * 0.044715) * 0.7978845608028654) + 1) * 0.5)


_op("gelu", 1, "f", "same", _gelu, heavy=True, public=False)
_op("gelu_tanh", 1, "f", "same", _gelu_tanh, heavy=True, public=False)
_op("neg", 1, "ifc", "same", _neg)
_op("abs", 1, "ifc", "same", {"i": _abs_int, "f": _abs_float, "c": _c_abs},
    real_of_complex=True)
_op("angle", 1, "fc", "float", {"f": _angle, "c": _c_angle}, real_of_complex=True,
    inplace=False)
_op("sgn", 1, "bifc", "same", {"b": _identity, "c": _c_sgn, "*": _sign})
_op("conj_physical", 1, "bifc", "same", {"c": _c_conj, "*": _identity})
_op("complex", 2, "f", "complex", _complex_parts, public=False, inplace=False)
_op("polar", 2, "f", "complex", _polar, public=False, inplace=False)
_op("sign", 1, "bif", "same", {"b": _identity, "*": _sign})
_op("relu", 1, "if", "same", _relu)
_op("floor", 1, "if", "same", {"i": _identity, "f": _floor})
_op("ceil", 1, "if", "same", {"i": _identity, "f": _ceil})
_op("trunc", 1, "if", "same", {"i": _identity, "f": _trunc})
_op("round", 1, "if", "same", {"i": _identity, "f/cpu": _round_cpu, "f/cuda": _round_cuda})
_op("isnan", 1, "bifc", "bool", {"f": _isnan, "c": _c_isnan, "*": _false}, inplace=False)
_op("isinf", 1, "bifc", "bool", {"f": _isinf, "c": _c_isinf, "*": _false}, inplace=False)
_op("isfinite", 1, "bifc", "bool", {"f": _isfinite, "c": _c_isfinite, "*": _true},
    inplace=False)
_op("logical_not", 1, "bif", "bool", {"b": _not, "*": _logical_not})
_op("bitwise_not", 1, "bi", "same", {"b": _not, "i": _bitwise_not})


# --- binary -----------------------------------------------------------------------------

def _add(a, b):
    return a + b


def _or(a, b):  # torch: bool + bool is or, bool * bool is and
    return a or b


def _and(a, b):
    return a and b


def _sub(a, b):
    return a - b


def _mul(a, b):
    return a * b


def _div(a, b):
    return a / b


def _floor_divide_int(a, b):
    if b == -1:  # INT_MIN // -1 wraps to INT_MIN in torch; the division would give 0 or trap
        return -a
    return a // b  # floors, like Python


def _floor_divide_float(a, b):
    # torch's div_floor_floating
    if b == 0:
        return a / b
    mod = math.fmod(a, b)
    q = (a - mod) / b
    if mod != 0 and (b < 0) != (mod < 0):
        q -= 1
    if q == 0:
        return math.copysign(0, a / b)
    f = math.floor(q)
    if q - f > 0.5:
        f += 1
    return f


def _div_trunc_int(a, b):
    if b == -1:  # (see _floor_divide_int)
        return -a
    q = a // b  # floors: one above when the signs differ and something remains
    if q < 0 and q * b != a:
        q += 1
    return q


def _div_trunc_float(a, b):
    q = a / b
    if not abs(q) < 4503599627370496.0:  # 2**52: already whole (or inf, nan)
        return q
    return math.copysign(math.trunc(q), q)  # keeps -0.0, as torch's trunc


def _remainder_int(a, b):
    if b == -1:  # (see _floor_divide_int)
        return a - a
    return a % b  # the divisor's sign, like Python


def _remainder_float(a, b):
    # torch's: fmod moved into the divisor's sign, so a zero keeps the dividend's sign
    m = math.fmod(a, b)
    if m != 0 and (b < 0) != (m < 0):
        m += b
    return m


def _pow_int(a, b):
    # a negative exponent gives 0 except for bases 1 and -1, as in torch
    if b < 0:
        if a == 1:
            return a
        if a == -1:
            return a if b % 2 != 0 else -a
        return a - a
    result = a - a + 1
    base = a
    while b > 0:
        if b % 2 == 1:
            result = result * base
        base = base * base
        b = b // 2
    return result


def _pow_bool(a, b):
    return a or not b


def _pow_float(a, b):
    return math.pow(a, b)


# pow with these Python exponents, as torch computes them (b is that exponent, unused):
# sqrt and rsqrt differ from pow at -inf and -0.0, and x*x*x from pow(x, 3) in rounding
def _pow_half(a, b):
    return math.sqrt(a)


def _pow_neg_half(a, b):
    return 1 / math.sqrt(a)


def _pow_two(a, b):
    return a * a


def _pow_three(a, b):
    return a * a * a


def _pow_neg_one(a, b):
    return 1 / a


def _pow_neg_two(a, b):
    return 1 / (a * a)


POW_EXPONENTS = {0.5: "pow_half", -0.5: "pow_neg_half", 2: "pow_two", 3: "pow_three",
                 -1: "pow_neg_one", -2: "pow_neg_two"}


def _maximum(a, b):
    # NaN propagates from either side, as in torch.maximum
    if a != a or a > b:
        return a
    return b


def _minimum(a, b):
    if a != a or a < b:
        return a
    return b


def _eq(a, b):
    return a == b


def _ne(a, b):
    return a != b


def _lt(a, b):
    return a < b


def _le(a, b):
    return a <= b


def _gt(a, b):
    return a > b


def _ge(a, b):
    return a >= b


def _logical_and(a, b):
    return a != 0 and b != 0


def _logical_or(a, b):
    return a != 0 or b != 0


def _logical_xor(a, b):
    return (a != 0) != (b != 0)


def _bitwise_and(a, b):
    return a & b


def _bitwise_or(a, b):
    return a | b


def _bitwise_xor(a, b):
    return a ^ b


_op("add", 2, "bifc", "same", {"b": _or, "*": _add})
_op("sub", 2, "ifc", "same", _sub)
_op("mul", 2, "bifc", "same", {"b": _and, "*": _mul})
_op("div", 2, "fc", "float", {"c": _c_div, "*": _div}, heavy=True)
_op("floor_divide", 2, "if", "same", {"i": _floor_divide_int, "f": _floor_divide_float},
    heavy=True)
# div(rounding_mode="trunc")
_op("div_trunc", 2, "if", "same", {"i": _div_trunc_int, "f": _div_trunc_float}, heavy=True,
    public=False)
_op("remainder", 2, "if", "same", {"i": _remainder_int, "f": _remainder_float}, heavy=True)
_op("pow", 2, "bifc", "same", {"b": _pow_bool, "i": _pow_int, "f": _pow_float, "c": _c_pow},
    heavy=True)
for _name, _body in (("pow_half", _pow_half), ("pow_neg_half", _pow_neg_half),
                     ("pow_two", _pow_two), ("pow_three", _pow_three),
                     ("pow_neg_one", _pow_neg_one), ("pow_neg_two", _pow_neg_two)):
    _op(_name, 2, "f", "same", _body, public=False)
def _clamp_both(x, lo, hi):
    # maximum(x, lo) then minimum(.., hi), NaN from any side propagating, in one pass
    y = x if x != x or x > lo else lo
    if y != y or y < hi:
        return y
    return hi


_op("clamp_both", 3, "if", "same", _clamp_both, public=False)
_op("maximum", 2, "bif", "same", {"b": _or, "*": _maximum})
_op("minimum", 2, "bif", "same", {"b": _and, "*": _minimum})
for _name, _body in (("eq", _eq), ("ne", _ne), ("lt", _lt), ("le", _le), ("gt", _gt),
                     ("ge", _ge), ("logical_and", _logical_and), ("logical_or", _logical_or),
                     ("logical_xor", _logical_xor)):
    _op(_name, 2, "bifc" if _name in ("eq", "ne") else "bif", "bool", _body)
for _name, _body in (("bitwise_and", _bitwise_and), ("bitwise_or", _bitwise_or),
                     ("bitwise_xor", _bitwise_xor)):
    _op(_name, 2, "bi", "same", _body)


# --- ternary ----------------------------------------------------------------------------

def _where(c, a, b):
    return a if c else b


_op("where", 3, "bifc", "same", _where, inplace=False)


# --- added through the catalog: each is its entry, its derivative and a test-table line ---

def _acos(x):
    return math.acos(x)


def _asin(x):
    return math.asin(x)


def _atan(x):
    return math.atan(x)


def _acosh(x):
    return math.acosh(x)


def _asinh(x):
    return math.asinh(x)


def _atanh(x):
    return math.atanh(x)


def _sinh(x):
    return math.sinh(x)


def _cosh(x):
    return math.cosh(x)


def _exp2(x):
    return math.pow(2, x)


def _erfc(x):
    return math.erfc(x)


def _erfinv(y):
    # Giles' single-precision approximation, then two Newton steps on erf(x) = y, which
    # bring float64 to full precision
    if y <= -1 or y >= 1:
        if y == 1:
            return math.inf
        if y == -1:
            return -math.inf
        return math.nan
    w = -math.log((1 - y) * (1 + y))
    if w < 5:
        w -= 2.5
        p = 2.81022636e-08
        p = 3.43273939e-07 + p * w
        p = -3.5233877e-06 + p * w
        p = -4.39150654e-06 + p * w
        p = 0.00021858087 + p * w
        p = -0.00125372503 + p * w
        p = -0.00417768164 + p * w
        p = 0.246640727 + p * w
        p = 1.50140941 + p * w
    else:
        w = math.sqrt(w) - 3
        p = -0.000200214257
        p = 0.000100950558 + p * w
        p = 0.00134934322 + p * w
        p = -0.00367342844 + p * w
        p = 0.00573950773 + p * w
        p = -0.0076224613 + p * w
        p = 0.00943887047 + p * w
        p = 1.00167406 + p * w
        p = 2.83297682 + p * w
    # Newton steps for s = |x|: on erf(s) = a up to a = 0.5; past it on log(erfc(s)) =
    # log(1 - a), exact there and nearly linear in s^2, as erf(s) is 1 to working precision
    # near the ends (1 - 1e-15 gave 5.47 where the root is 5.68)
    a = abs(y)
    t = 1 - a
    s = abs(p * y)
    for _ in range(3):
        d = 1.1283791670955126 * math.exp(-s * s)
        if a > 0.5:
            c = math.erfc(s)
            s += math.log(c / t) * c / d
        else:
            s -= (math.erf(s) - a) / d
    return math.copysign(s, y)


def _sinc(x):
    if x == 0:
        return 1
    y = 3.141592653589793 * x
    return math.sin(y) / y


def _deg2rad(x):
    return x * 0.017453292519943295


def _rad2deg(x):
    return x * 57.29577951308232


def _logit(x):
    return math.log(x / (1 - x))


def _logit_eps(x, eps):
    # the input clamped to [eps, 1 - eps] first (NaN stays NaN)
    if x < eps:
        x = eps
    elif x > 1 - eps:
        x = 1 - eps
    return math.log(x / (1 - x))


def _square(x):
    return x * x


def _frac(x):
    return x - math.trunc(x)


def _signbit_float(x):
    return math.copysign(1, x) < 0


def _signbit_int(x):
    return x < 0


def _nan_to_num(x, nan, posinf, neginf):
    if x != x:
        return nan
    if x == math.inf:
        return posinf
    if x == -math.inf:
        return neginf
    return x


for _name, _body in (("acos", _acos), ("asin", _asin), ("atan", _atan), ("acosh", _acosh),
                     ("asinh", _asinh), ("atanh", _atanh), ("sinh", _sinh), ("cosh", _cosh),
                     ("exp2", _exp2), ("erfc", _erfc), ("erfinv", _erfinv), ("sinc", _sinc),
                     ("deg2rad", _deg2rad), ("rad2deg", _rad2deg), ("logit", _logit)):
    _op(_name, 1, "f", "float", _body, heavy=True)
_op("logit_eps", 2, "f", "float", _logit_eps, heavy=True, public=False)
_op("square", 1, "ifc", "same", _square)
_op("frac", 1, "f", "same", _frac)
_op("signbit", 1, "bif", "bool", {"b": _false, "i": _signbit_int, "f": _signbit_float},
    inplace=False)
_op("nan_to_num", 4, "f", "same", _nan_to_num)


def _atan2(a, b):
    return math.atan2(a, b)


def _hypot(a, b):
    return math.hypot(a, b)


def _copysign(a, b):
    return math.copysign(a, b)


def _logaddexp(a, b):
    if a == b:  # equal infinities too, where the general form gives NaN
        return a + 0.6931471805599453
    m = a if a > b else b
    return m + math.log1p(math.exp(-math.fabs(a - b)))


def _logaddexp2(a, b):
    if a == b:
        return a + 1
    m = a if a > b else b
    return m + math.log1p(math.pow(2, -math.fabs(a - b))) * 1.4426950408889634


def _fmod_int(a, b):
    if b == -1:  # (see _floor_divide_int)
        return a - a
    r = a % b  # Python's sign (the divisor's); C's fmod keeps the dividend's
    if r != 0 and (r < 0) != (a < 0):
        r -= b
    return r


def _fmod_float(a, b):
    return math.fmod(a, b)


def _xlogy(x, y):
    if y != y:
        return y
    if x == 0:
        return 0
    return x * math.log(y)


def _nextafter(a, b):
    return math.nextafter(a, b)


def _heaviside(x, values):
    if x == 0:
        return values
    return 1 if x > 0 else 0


def _heaviside_bool(x, values):
    return values if not x else x


def _left_shift(a, b, bits):
    # torch shifts the unsigned bits: past the width (or by a negative count) gives 0
    if b < 0 or b >= bits:
        return a - a
    return a << b


def _right_shift(a, b, bits):
    if b < 0 or b >= bits:
        return (a >> (bits - 1)) if a < 0 else a - a
    return a >> b


_op("atan2", 2, "f", "float", _atan2, heavy=True)
_op("hypot", 2, "f", "same", _hypot, heavy=True)
_op("copysign", 2, "f", "float", _copysign)
_op("logaddexp", 2, "f", "same", _logaddexp, heavy=True, inplace=False)
_op("logaddexp2", 2, "f", "same", _logaddexp2, heavy=True, inplace=False)
_op("fmod", 2, "if", "same", {"i": _fmod_int, "f": _fmod_float}, heavy=True)
_op("xlogy", 2, "f", "float", _xlogy, heavy=True)
_op("nextafter", 2, "f", "same", _nextafter)
_op("heaviside", 2, "bif", "same", {"b": _heaviside_bool, "*": _heaviside})
_op("bitwise_left_shift", 3, "i", "same", _left_shift)
_op("bitwise_right_shift", 3, "i", "same", _right_shift)


def _lerp(start, end, weight):
    # torch's: the form that is exact at whichever end the weight is nearer
    if math.fabs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def _addcmul(x, t1, t2, value):
    return x + value * t1 * t2


def _addcdiv(x, t1, t2, value):
    return x + value * t1 / t2


_op("lerp", 3, "f", "same", _lerp)
_op("addcmul", 4, "if", "same", _addcmul)
_op("addcdiv", 4, "f", "same", _addcdiv, heavy=True)


# --- activations (nn.functional): each is one pass, written as torch's CPU kernel computes
# it, so results agree to the last bit or two; parameters come after the input as scalar
# operands (leaky_relu also takes a tensor of slopes: prelu's weight, rrelu's noise)

def _leaky_relu(x, slope):
    return x if x > 0 else x * slope


def _elu(x, negcoef, poscoef, input_scale):
    # elu, selu and celu: alpha * scale * expm1(x * input_scale) below 0, x * scale above
    if x <= 0:
        return math.expm1(x * input_scale) * negcoef
    return x * poscoef


def _threshold(x, threshold, value):
    return value if x <= threshold else x


def _softshrink(x, lambd):
    # x * 0 in the middle: NaN stays NaN
    if x > lambd:
        return x - lambd
    if x < -lambd:
        return x + lambd
    return x * 0


def _hardshrink(x, lambd):
    return 0 if x >= -lambd and x <= lambd else x


def _softplus(x, beta, threshold):
    if x * beta > threshold:  # linear there, and exp would overflow
        return x
    return math.log1p(math.exp(x * beta)) / beta


def _silu(x):
    return x / (1 + math.exp(-x))


def _mish(x):
    return x * math.tanh(math.log1p(math.exp(x)))


# min(max(x + 3, 0), 6) as C++'s std::min and std::max take it, NaN passing through
# (Python's and the GPU's min and max may drop it)
def _hardsigmoid(x):
    y = x + 3
    if y < 0:
        y = 0
    elif 6 < y:
        y = 6
    return y / 6


def _hardswish(x):
    y = x + 3
    if y < 0:
        y = 0
    elif 6 < y:
        y = 6
    return x * y / 6


def _log_sigmoid(x):
    m = x if x < 0 else 0
    return m - math.log1p(math.exp(-math.fabs(x)))


def _softsign(x):
    return x / (math.fabs(x) + 1)


def _tanhshrink(x):
    return x - math.tanh(x)


def _glu(a, b):
    # the first half gated by the sigmoid of the second
    return a * (1 / (1 + math.exp(-b)))


for _name, _arity, _body, _heavy in (
        ("leaky_relu", 2, _leaky_relu, False), ("elu", 4, _elu, True),
        ("softshrink", 2, _softshrink, False),
        ("softplus", 3, _softplus, True), ("silu", 1, _silu, True), ("mish", 1, _mish, True),
        ("hardsigmoid", 1, _hardsigmoid, True), ("hardswish", 1, _hardswish, True),
        ("log_sigmoid", 1, _log_sigmoid, True), ("glu", 2, _glu, True)):
    _op(_name, _arity, "f", "same", _body, heavy=_heavy, public=False)
# torch composes these two of float ops: integers give float results
_op("softsign", 1, "f", "float", _softsign, heavy=True, public=False)
_op("tanhshrink", 1, "f", "float", _tanhshrink, heavy=True, public=False)
_op("threshold", 3, "if", "same", _threshold, public=False)
_op("hardshrink", 2, "f", "same", _hardshrink, inplace=False)  # torch.hardshrink, x.hardshrink

# complex kernels for the float math ops that torch defines on complex
for _name, _body in (*_COMPLEX_MATH.items(), ("sinh", _c_sinh), ("cosh", _c_cosh),
                     ("asin", _c_asin), ("acos", _c_acos), ("atan", _c_atan),
                     ("asinh", _c_asinh), ("acosh", _c_acosh), ("atanh", _c_atanh)):
    OPS[_name].kinds += "c"
    OPS[_name].bodies["c"] = _body

# --- the CPU's host math -------------------------------------------------------------------
# numpy's own loops compute these on contiguous float tensors of serial sizes (below the
# parallel threshold), with nothing to compile: a first call skips a kernel's compile
# (0.1-0.3 s each). For float32 exp, log, sin, cos and tanh numpy's loops are vectorised
# (AVX2 and up): 2-4x faster than the kernels' libm calls, and there 12-40% of results
# differ from torch's in the last bit (libm's 1-10%), which printing at 4 decimals rarely
# shows (tensors of up to 256 elements, whose values users read in full, are computed in
# float64 and rounded: backends.cpu.ROUNDED_MAX); the others call libm as the kernels do. From 4096
# elements float32 exp, log and tanh take the vectorised serial kernels instead
# (kernels.cpu.elementwise.VEC_MIN), faster again; float32 sin and cos take numpy's loop
# at every size (one thread of it beat two of libm's: 470 against 1170 us at 2^18).
# Strided tensors and the GPU keep the bodies above.
_FLOATS = ("float32", "float64")
for _name, _ufunc, _every_size in (
        ("exp", np.exp, ()), ("expm1", np.expm1, ()), ("log", np.log, ()),
        ("log2", np.log2, ()), ("log10", np.log10, ()), ("log1p", np.log1p, ()),
        ("sin", np.sin, ("float32",)), ("cos", np.cos, ("float32",)), ("tan", np.tan, ()),
        ("tanh", np.tanh, ()), ("sinh", np.sinh, ()), ("cosh", np.cosh, ()),
        ("atan", np.arctan, ()), ("atanh", np.arctanh, ()), ("asin", np.arcsin, ()),
        ("acos", np.arccos, ()), ("hypot", np.hypot, ()), ("copysign", np.copysign, ()),
        ("nextafter", np.nextafter, ())):
    OPS[_name].ufunc = (_ufunc, _FLOATS, _every_size)
