"""Derivatives of the elementwise ops (ops/elementwise.py).

Binary ops broadcast and promote, so each input's gradient is summed back to its shape
and cast to its dtype (`fit`). Ops with bool or integer results (comparisons, predicates,
bitwise) are not differentiable: they run without recording anything.
"""
import math

from ...ops import elementwise as E
from ..graph import record, run
from .common import conj, fit, is_tensor, meta, real_part, register, zeros

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


@register(*E.NOT_DIFFERENTIABLE)
def _not_differentiable(raw, *args, **kwargs):
    return run(raw, *args, **kwargs)


# --- unary --------------------------------------------------------------------------
# op -> (node name, what backward needs: "x" the input, "out" the result, "" nothing, fn)
_UNARY = {
    "neg": ("NegBackward0", "", lambda g: E.neg(g)),
    "abs": ("AbsBackward0", "x", lambda g, x: g * E.sgn(x)),
    "exp": ("ExpBackward0", "out", lambda g, out: g * out),
    "expm1": ("Expm1Backward0", "out", lambda g, out: g * (out + 1)),
    "log": ("LogBackward0", "x", lambda g, x: g / x),
    "log2": ("Log2Backward0", "x", lambda g, x: g / (x * _LN2)),
    "log10": ("Log10Backward0", "x", lambda g, x: g / (x * _LN10)),
    "log1p": ("Log1PBackward0", "x", lambda g, x: g / (x + 1)),
    "sqrt": ("SqrtBackward0", "out", lambda g, out: g / (out * 2)),
    "rsqrt": ("RsqrtBackward0", "out", lambda g, out: g * (out * out * out) * -0.5),
    "reciprocal": ("ReciprocalBackward0", "out", lambda g, out: g * (out * out) * -1),
    "sin": ("SinBackward0", "x", lambda g, x: g * E.cos(x)),
    "cos": ("CosBackward0", "x", lambda g, x: g * E.neg(E.sin(x))),
    "tan": ("TanBackward0", "out", lambda g, out: g * (out * out + 1)),
    "tanh": ("TanhBackward0", "out", lambda g, out: g * (1 - out * out)),
    "sigmoid": ("SigmoidBackward0", "out", lambda g, out: g * (out * (1 - out))),
    # out <= 0, not out > 0: a NaN passes its gradient through, as in PyTorch
    "relu": ("ReluBackward0", "out", lambda g, out: E.where(out <= 0, 0.0, g)),
    "erf": ("ErfBackward0", "x", lambda g, x: g * (E.exp(E.neg(x * x)) * _TWO_OVER_SQRT_PI)),
    "acos": ("AcosBackward0", "x", lambda g, x: g * E.neg(E.rsqrt(1 - x * x))),
    "asin": ("AsinBackward0", "x", lambda g, x: g * E.rsqrt(1 - x * x)),
    "atan": ("AtanBackward0", "x", lambda g, x: g / (x * x + 1)),
    "acosh": ("AcoshBackward0", "x", lambda g, x: g * E.rsqrt(x * x - 1)),
    "asinh": ("AsinhBackward0", "x", lambda g, x: g * E.rsqrt(x * x + 1)),
    "atanh": ("AtanhBackward0", "x", lambda g, x: g / (1 - x * x)),
    "sinh": ("SinhBackward0", "x", lambda g, x: g * E.cosh(x)),
    "cosh": ("CoshBackward0", "x", lambda g, x: g * E.sinh(x)),
    "exp2": ("Exp2Backward0", "out", lambda g, out: g * (out * _LN2)),
    "erfc": ("ErfcBackward0", "x", lambda g, x: g * (E.exp(E.neg(x * x)) * -_TWO_OVER_SQRT_PI)),
    "erfinv": ("ErfinvBackward0", "out",
               lambda g, out: g * (E.exp(out * out) * (math.sqrt(math.pi) / 2))),
    # (pi x cos(pi x) - sin(pi x)) / (pi x^2), and 0 at 0
    "sinc": ("SincBackward0", "x", lambda g, x: E.where(
        x == 0, 0.0, g * ((x * math.pi * E.cos(x * math.pi) - E.sin(x * math.pi))
                          / (x * x * math.pi)))),
    "deg2rad": ("Deg2RadBackward0", "", lambda g: g * (math.pi / 180)),
    "rad2deg": ("Rad2DegBackward0", "", lambda g: g * (180 / math.pi)),
    "frac": ("FracBackward0", "", lambda g: g * 1),
    "square": ("PowBackward0", "x", lambda g, x: g * (x * 2)),
}
# piecewise constant: the gradient is zero almost everywhere
_FLAT = {"sign": "SignBackward0", "floor": "FloorBackward0", "ceil": "CeilBackward0",
         "round": "RoundBackward0", "trunc": "TruncBackward0"}


def _unary(name, node, needs, fn):
    # conj: a complex op's derivative is conjugated (see common.conj); abs's formula takes
    # x itself (its sgn(x) is already the conjugate Wirtinger form)
    at = (lambda v: v) if name == "abs" else conj
    if needs == "x":
        def derivative(raw, x):
            out = run(raw, x)
            return record(node, out, (x,), lambda g, x: (fn(g, at(x)),), (x,))
    elif needs == "out":
        def derivative(raw, x):
            out = run(raw, x)
            return record(node, out, (x,), lambda g, out: (fn(g, at(out)),), (out,))
    else:
        def derivative(raw, x):
            out = run(raw, x)
            return record(node, out, (x,), lambda g: (fn(g),))
    register(name)(derivative)


for _name, (_node, _needs, _fn) in _UNARY.items():
    _unary(_name, _node, _needs, _fn)


@register("sgn")
def _sgn(raw, x):
    out = run(raw, x)
    if not x._dtype.is_complex:  # sign's: zero almost everywhere
        return record("SgnBackward0", out, (x,), lambda g: (zeros(g._shape, g),))

    def backward(g, x, s):
        # (g - Re(g conj(s)) s) / |x|, and 0 at 0
        size = E.abs(x)
        grad = (g - real_part(g * conj(s)) * s) / size
        return (E.where(size == 0, 0.0, grad),)
    return record("SgnBackward0", out, (x,), backward, (x, out))


@register("angle")
def _angle(raw, x):
    out = run(raw, x)
    if not x._dtype.is_complex:
        if not x._dtype.is_floating_point:
            return out
        return record("AngleBackward0", out, (x,), lambda g: (zeros(g._shape, g),))

    def backward(g, x):
        # the angle's gradient: g * i x / |x|^2, and 0 at 0
        size = E.abs(x)
        return (E.where(size == 0, 0.0, g * x * 1j / (size * size)),)
    return record("AngleBackward0", out, (x,), backward, (x,))


@register("conj_physical")
def _conj_physical(raw, x):
    out = run(raw, x)
    if out is x:  # a real tensor's conjugate is itself: no node, as torch
        return out
    return record("ConjPhysicalBackward0", out, (x,), lambda g: (conj(g),))


def _flat(node):
    def derivative(raw, x):
        out = run(raw, x)
        if not out._dtype.is_floating_point:
            return out
        return record(node, out, (x,), lambda g: (zeros(g._shape, g),))
    return derivative


for _name, _node in _FLAT.items():
    register(_name)(_flat(_node))


# --- binary -------------------------------------------------------------------------
# Backward closures hold Metas (shape, dtype) of the inputs, never the inputs themselves:
# values a formula needs go through `saved`, which the engine frees after backward.

@register("add")
def _add(raw, a, b, alpha=1):
    out = run(raw, a, b, alpha)
    ma, mb = meta(a), meta(b)

    def backward(g):
        return (fit(g, ma) if ma else None,
                fit(g if alpha == 1 else g * alpha, mb) if mb else None)
    return record("AddBackward0", out, (a, b), backward)


@register("sub")
def _sub(raw, a, b, alpha=1):
    out = run(raw, a, b, alpha)
    ma, mb = meta(a), meta(b)

    def backward(g):
        return (fit(g, ma) if ma else None, fit(g * -alpha, mb) if mb else None)
    return record("SubBackward0" if is_tensor(a) else "RsubBackward1", out, (a, b), backward)


def _binary(name, out, a, b, grads, uses=None):
    """Record a binary op whose `grads(g, a_value, b_value, need_a, need_b)` returns the raw
    gradients (before fitting); a Python scalar operand is passed as itself, tensors as
    saved. `uses(need_a, need_b)` says which operands those gradients read (default both):
    only those are saved, so writing the others in place later is no error, as in torch
    (x * 2 keeps nothing of x)."""
    ma, mb = meta(a), meta(b)
    need_a, need_b = ma is not None, mb is not None
    use_a, use_b = uses(need_a, need_b) if uses else (True, True)
    keep_a, keep_b = use_a and is_tensor(a), use_b and is_tensor(b)
    scalar_a = None if is_tensor(a) else a  # the closure keeps scalars only
    scalar_b = None if is_tensor(b) else b

    def backward(g, *saved):
        av = saved[0] if keep_a else scalar_a
        bv = saved[-1] if keep_b else scalar_b
        ga, gb = grads(g, av, bv, need_a, need_b)
        return (fit(ga, ma) if ma else None, fit(gb, mb) if mb else None)
    saved = tuple(x for x, keep in ((a, keep_a), (b, keep_b)) if keep)
    return record(name, out, (a, b), backward, saved)


@register("mul")
def _mul(raw, a, b):
    out = run(raw, a, b)
    return _binary("MulBackward0", out, a, b,
                   lambda g, a, b, need_a, need_b: (g * conj(b) if need_a else None,
                                                    g * conj(a) if need_b else None),
                   lambda need_a, need_b: (need_b, need_a))


@register("div")
def _div(raw, a, b, rounding_mode=None):
    if rounding_mode is not None:  # a step function: torch's gradient is zero everywhere
        out = run(raw, a, b, rounding_mode=rounding_mode)
        return _binary("DivBackward2", out, a, b,
                       lambda g, a, b, need_a, need_b: (zeros(g._shape, g) if need_a else None,
                                                        zeros(g._shape, g) if need_b else None),
                       lambda need_a, need_b: (False, False))
    out = run(raw, a, b)
    return _binary("DivBackward0", out, a, b,
                   lambda g, a, b, need_a, need_b: (
                       g / conj(b) if need_a else None,
                       E.neg(g) * conj(a) / conj(b * b) if need_b else None),
                   lambda need_a, need_b: (need_b, need_a or need_b))


def _pow_grads(g, x, e, need_x, need_e):
    """d(x ** e): PyTorch masks e == 0 for x and (x == 0, e >= 0) for e."""
    grad_x = grad_e = None
    e_tensor = is_tensor(e)
    if need_x:
        if not e_tensor:
            grad_x = zeros(g._shape, g) if e == 0 else g * conj(E.pow(x, e - 1) * e)
        else:
            grad_x = E.where(e == 0, 0.0, g * conj(e * E.pow(x, e - 1)))
    if need_e:
        out = E.pow(x, e)
        if is_tensor(x):
            log_x = E.log(x)
            grad_e = E.where((x == 0) & (e >= 0) if not x._dtype.is_complex else x == 0, 0.0,
                             g * conj(out * log_x))
        else:
            log_x = math.log(x) if x > 0 else -math.inf if x == 0 else math.nan
            grad_e = g * conj(out * log_x)
            if x == 0:
                grad_e = E.where(e >= 0, 0.0, grad_e)
    return grad_x, grad_e


@register("pow")
def _pow(raw, a, b):
    out = run(raw, a, b)
    name = "PowBackward0" if not is_tensor(b) else "PowBackward2" if not is_tensor(a) \
        else "PowBackward1"
    return _binary(name, out, a, b, _pow_grads)


def _recorded(node, grads):
    """The derivative of a binary op whose raw gradients `grads` gives (see _binary)."""
    def derivative(raw, a, b):
        return _binary(node, run(raw, a, b), a, b, grads)
    return derivative


def _extremum(node, lose):
    """maximum/minimum: the larger (smaller) input gets the gradient; ties split it."""
    def grads(g, a, b, need_a, need_b):
        half = E.where(a == b, g * 0.5, g)
        return (E.where(lose(a, b), 0.0, half) if need_a else None,
                E.where(lose(b, a), 0.0, half) if need_b else None)
    return _recorded(node, grads)


register("maximum")(_extremum("MaximumBackward0", E.lt))
register("minimum")(_extremum("MinimumBackward0", E.gt))


@register("remainder")
def _remainder(raw, a, b):
    out = run(raw, a, b)
    name = "RemainderBackward0" if not is_tensor(b) else "RemainderBackward1" if is_tensor(a) \
        else "RemainderBackward2"
    return _binary(name, out, a, b,
                   lambda g, a, b, need_a, need_b: (
                       g if need_a else None,
                       E.neg(g) * E.floor_divide(a, b) if need_b else None))


@register("floor_divide")
def _floor_divide(raw, a, b):
    out = run(raw, a, b)

    def backward(g):
        raise RuntimeError("the derivative for 'floor_divide' is not implemented.")
    return record("NotImplemented", out, (a, b), backward)


@register("where")
def _where(raw, cond, a, b):
    out = run(raw, cond, a, b)
    ma, mb = meta(a), meta(b)

    def backward(g, c):
        return (None,
                fit(E.where(c, g, 0.0), ma) if ma else None,
                fit(E.where(c, 0.0, g), mb) if mb else None)
    return record("WhereBackward0", out, (cond, a, b), backward, (cond,))


@register("clamp")
def _clamp(raw, x, min=None, max=None):
    out = run(raw, x, min, max)
    mx, mlo, mhi = meta(x), meta(min), meta(max)
    if not is_tensor(min) and not is_tensor(max):
        lo, hi = min, max

        def backward(g, x_):
            mask = None
            if lo is not None:
                mask = x_ >= lo
            if hi is not None:
                mask = (x_ <= hi) if mask is None else mask & (x_ <= hi)
            return (fit(g * mask, mx),)
        return record("ClampBackward1", out, (x, lo, hi), backward, (x,))
    has_lo, has_hi = min is not None, max is not None
    lo_saved, hi_saved = is_tensor(min), is_tensor(max)
    lo_value = None if lo_saved else min
    hi_value = None if hi_saved else max

    def backward(g, x_, *bounds):
        # out = min(max(x, lo), hi), as torch differentiates it: x's gradient flows where
        # lo <= x <= hi; lo's where x < lo < hi; hi's where x > hi or hi < lo (so with
        # lo == hi and x outside, only hi's side of it gets one)
        lo = bounds[0] if lo_saved else lo_value
        hi = bounds[-1] if hi_saved else hi_value
        keep = None
        if has_lo:
            keep = x_ >= lo
        if has_hi:
            keep = (x_ <= hi) if keep is None else keep & (x_ <= hi)
        grad_lo = grad_hi = None
        if mlo:
            below = x_ < lo
            grad_lo = fit(g * (below & (lo < hi) if has_hi else below), mlo)
        if mhi:
            above = x_ > hi
            grad_hi = fit(g * (above | (hi < lo) if has_lo else above), mhi)
        return (fit(g * keep, mx) if mx else None, grad_lo, grad_hi)
    bounds = tuple(b for b in (min, max) if is_tensor(b))
    return record("ClampBackward0", out, (x, min, max), backward, (x,) + bounds)


@register("logit")
def _logit(raw, x, eps=None):
    out = run(raw, x, eps)

    def backward(g, x):
        grad = g / (x * (1 - x))
        if eps is None:  # outside [0, 1] the gradient is NaN, as torch's
            return (E.where((x < 0) | (x > 1), math.nan, grad),)
        return (E.where((x < eps) | (x > 1 - eps), 0.0, grad),)
    return record("LogitBackward0", out, (x,), backward, (x,))


@register("nan_to_num")
def _nan_to_num(raw, x, nan=0.0, posinf=None, neginf=None):
    out = run(raw, x, nan, posinf, neginf)
    return record("NanToNumBackward0", out, (x,), lambda g, x: (g * E.isfinite(x),), (x,))


def _atan2_grads(g, a, b, need_a, need_b):
    d = a * a + b * b
    return (g * b / d if need_a else None, g * E.neg(a) / d if need_b else None)


def _hypot_grads(g, a, b, need_a, need_b):
    out = E.hypot(a, b)
    return (g * a / out if need_a else None, g * b / out if need_b else None)


register("atan2")(_recorded("Atan2Backward0", _atan2_grads))
register("hypot")(_recorded("HypotBackward0", _hypot_grads))


@register("copysign")
def _copysign(raw, a, b):
    out = run(raw, a, b)

    def grads(g, a, b, need_a, need_b):  # b gets zeros: the sign is piecewise constant
        ratio = E.where(a == 0, 0.0, E.copysign(a, b) / a)
        return (g * ratio if need_a else None, g * 0 if need_b else None)
    name = "CopysignBackward0" if is_tensor(b) else "CopysignBackward1"
    return _binary(name, out, a, b, grads)


def _logaddexp_derivative(node, power):
    def grads(g, a, b, need_a, need_b):
        return (g / (power(b - a) + 1) if need_a else None,
                g / (power(a - b) + 1) if need_b else None)
    return _recorded(node, grads)


register("logaddexp")(_logaddexp_derivative("LogaddexpBackward0", E.exp))
register("logaddexp2")(_logaddexp_derivative("Logaddexp2Backward0", E.exp2))


@register("fmod")
def _fmod(raw, a, b):
    out = run(raw, a, b)
    name = "FmodBackward1" if is_tensor(b) else "FmodBackward0"
    return _binary(name, out, a, b, lambda g, a, b, need_a, need_b: (
        g if need_a else None, E.neg(g) * E.trunc(a / b) if need_b else None),
        lambda need_a, need_b: (need_b, need_b))


@register("xlogy")
def _xlogy(raw, x, y):
    out = run(raw, x, y)

    def grads(g, x, y, need_x, need_y):
        grad_x = grad_y = None
        if need_x:  # xlogy(g, y), not g * log(y): a zero gradient at y = 0 stays 0
            grad_x = E.where((x == 0) & (y <= 0), 0.0, E.xlogy(g, y))
        if need_y:
            grad_y = g * x / y
        return grad_x, grad_y
    name = "XlogyBackward0" if is_tensor(x) and is_tensor(y) else \
        "XlogyBackward2" if is_tensor(y) else "XlogyBackward1"
    return _binary(name, out, x, y, grads)


def _not_implemented(name):
    def derivative(raw, *args, **kwargs):
        out = run(raw, *args, **kwargs)

        def backward(g):
            raise RuntimeError(f"the derivative for '{name}' is not implemented.")
        return record("NotImplemented", out, tuple(a for a in args if is_tensor(a)), backward)
    return derivative


for _name in ("nextafter", "heaviside"):
    register(_name)(_not_implemented(_name))


@register("lerp")
def _lerp(raw, start, end, weight):
    out = run(raw, start, end, weight)
    ms, me, mw = meta(start), meta(end), meta(weight)
    w_tensor = is_tensor(weight)
    w_value = None if w_tensor else weight

    def backward(g, start, end, *w):
        w = w[0] if w_tensor else w_value
        return (fit(g * (1 - w), ms) if ms else None, fit(g * w, me) if me else None,
                fit(g * (end - start), mw) if mw else None)
    name = "LerpBackward1" if w_tensor else "LerpBackward0"
    return record(name, out, (start, end, weight), backward,
                  (start, end) + ((weight,) if w_tensor else ()))


def _addc(node, grad_t1, grad_t2):
    def derivative(raw, x, t1, t2, *, value=1):
        out = run(raw, x, t1, t2, value=value)
        mx, m1, m2 = meta(x), meta(t1), meta(t2)

        def backward(g, t1, t2):
            return (fit(g, mx) if mx else None,
                    fit(grad_t1(g, t1, t2, value), m1) if m1 else None,
                    fit(grad_t2(g, t1, t2, value), m2) if m2 else None)
        return record(node, out, (x, t1, t2), backward, (t1, t2))
    return derivative


register("addcmul")(_addc("AddcmulBackward0", lambda g, t1, t2, v: g * t2 * v,
                          lambda g, t1, t2, v: g * t1 * v))
register("addcdiv")(_addc("AddcdivBackward0", lambda g, t1, t2, v: g * v / t2,
                          lambda g, t1, t2, v: E.neg(g) * v * t1 / (t2 * t2)))
