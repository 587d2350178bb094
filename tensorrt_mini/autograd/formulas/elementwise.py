"""Derivatives of the elementwise ops (ops/elementwise.py).

Binary ops broadcast and promote, so each input's gradient is summed back to its shape
and cast to its dtype (`fit`). Ops with bool or integer results (comparisons, predicates,
bitwise) are not differentiable: they run without recording anything.
"""
import math

from ...ops import elementwise as E
from ..graph import record, run
from .common import fit, is_tensor, register, zeros

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


@register(*(E.PREDICATES | E.COMPARISONS | E.LOGICAL | E.BITWISE | {"bitwise_not"}))
def _not_differentiable(raw, *args, **kwargs):
    return run(raw, *args, **kwargs)


# --- unary --------------------------------------------------------------------------
# op -> (node name, what backward needs: "x" the input, "out" the result, "" nothing, fn)
_UNARY = {
    "neg": ("NegBackward0", "", lambda g: E.neg(g)),
    "abs": ("AbsBackward0", "x", lambda g, x: g * E.sign(x)),
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
    "relu": ("ReluBackward0", "out", lambda g, out: g * (out > 0)),
    "erf": ("ErfBackward0", "x", lambda g, x: g * (E.exp(E.neg(x * x)) * _TWO_OVER_SQRT_PI)),
}
# piecewise constant: the gradient is zero almost everywhere
_FLAT = {"sign": "SignBackward0", "floor": "FloorBackward0", "ceil": "CeilBackward0",
         "round": "RoundBackward0", "trunc": "TruncBackward0"}


def _unary(name, node, needs, fn):
    if needs == "x":
        def derivative(raw, x):
            out = run(raw, x)
            return record(node, out, (x,), lambda g, x: (fn(g, x),), (x,))
    elif needs == "out":
        def derivative(raw, x):
            out = run(raw, x)
            return record(node, out, (x,), lambda g, out: (fn(g, out),), (out,))
    else:
        def derivative(raw, x):
            out = run(raw, x)
            return record(node, out, (x,), lambda g: (fn(g),))
    register(name)(derivative)


for _name, (_node, _needs, _fn) in _UNARY.items():
    _unary(_name, _node, _needs, _fn)


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

def _needs(x):
    return is_tensor(x) and x._requires_grad


@register("add")
def _add(raw, a, b, alpha=1):
    out = run(raw, a, b, alpha)

    def backward(g):
        return (fit(g, a) if _needs(a) else None,
                fit(g if alpha == 1 else g * alpha, b) if _needs(b) else None)
    return record("AddBackward0", out, (a, b), backward)


@register("sub")
def _sub(raw, a, b, alpha=1):
    out = run(raw, a, b, alpha)

    def backward(g):
        return (fit(g, a) if _needs(a) else None,
                fit(g * -alpha, b) if _needs(b) else None)
    return record("SubBackward0" if is_tensor(a) else "RsubBackward1", out, (a, b), backward)


@register("mul")
def _mul(raw, a, b):
    out = run(raw, a, b)
    ga, gb = _needs(a), _needs(b)
    if not is_tensor(b):
        return record("MulBackward0", out, (a, b), lambda g: (fit(g * b, a), None))
    if not is_tensor(a):
        return record("MulBackward0", out, (a, b), lambda g: (None, fit(g * a, b)))

    def backward(g, *saved):
        sa = saved[0] if gb else None
        sb = saved[-1] if ga else None
        return (fit(g * sb, a) if ga else None, fit(g * sa, b) if gb else None)
    return record("MulBackward0", out, (a, b), backward, (a,) * gb + (b,) * ga)


@register("div")
def _div(raw, a, b):
    out = run(raw, a, b)
    if not is_tensor(b):
        return record("DivBackward0", out, (a, b), lambda g: (fit(g / b, a), None))
    ga = _needs(a)

    def backward(g, b_, *rest):
        grad_a = fit(g / b_, a) if ga else None
        grad_b = None
        if _needs(b):
            grad_b = fit(E.neg(g) * (a if not is_tensor(a) else rest[0]) / (b_ * b_), b)
        return grad_a, grad_b
    saved = (b,) + ((a,) if is_tensor(a) and _needs(b) else ())
    return record("DivBackward0", out, (a, b), backward, saved)


@register("pow")
def _pow(raw, a, b):
    out = run(raw, a, b)
    if not is_tensor(b):
        def backward(g, x):
            if b == 0:
                return (zeros(x._shape, x),)
            return (fit(g * (E.pow(x, b - 1) * b), a),)
        return record("PowBackward0", out, (a, b), backward, (a,))
    if not is_tensor(a):
        log_a = math.log(a) if a > 0 else -math.inf if a == 0 else math.nan

        def backward(g, out):
            grad = g * (out * log_a)
            if a == 0:  # 0 ** e is flat for e >= 0, as PyTorch masks it
                grad = E.where(b >= 0, 0.0, grad)
            return (None, fit(grad, b))
        return record("PowBackward2", out, (a, b), backward, (out,))

    def backward(g, x, e, out):
        grad_x = grad_e = None
        if _needs(a):
            grad_x = fit(E.where(e == 0, 0.0, g * (e * E.pow(x, e - 1))), a)
        if _needs(b):
            grad_e = fit(E.where((x == 0) & (e >= 0), 0.0, g * (out * E.log(x))), b)
        return grad_x, grad_e
    return record("PowBackward1", out, (a, b), backward, (a, b, out))


def _extremum(node, lose):
    """maximum/minimum: the larger (smaller) input gets the gradient; ties split it."""
    def derivative(raw, a, b):
        out = run(raw, a, b)

        def backward(g, a_, b_):
            half = E.where(a_ == b_, g * 0.5, g)
            return (fit(E.where(lose(a_, b_), 0.0, half), a) if _needs(a) else None,
                    fit(E.where(lose(b_, a_), 0.0, half), b) if _needs(b) else None)
        return record(node, out, (a, b), backward, (a, b))
    return derivative


register("maximum")(_extremum("MaximumBackward0", E.lt))
register("minimum")(_extremum("MinimumBackward0", E.gt))


@register("remainder")
def _remainder(raw, a, b):
    out = run(raw, a, b)
    if not is_tensor(b):
        return record("RemainderBackward0", out, (a, b), lambda g: (fit(g, a), None))

    def backward(g, *saved):
        grad_b = None
        if _needs(b):
            a_, b_ = (saved[0], saved[1]) if is_tensor(a) else (a, saved[0])
            grad_b = fit(E.neg(g) * E.floor_divide(a_, b_), b)
        return (fit(g, a) if _needs(a) else None), grad_b
    saved = tuple(x for x in (a, b) if is_tensor(x))
    return record("RemainderBackward1" if is_tensor(a) else "RemainderBackward2", out, (a, b),
                  backward, saved)


@register("floor_divide")
def _floor_divide(raw, a, b):
    out = run(raw, a, b)

    def backward(g):
        raise RuntimeError("the derivative for 'floor_divide' is not implemented.")
    return record("NotImplemented", out, (a, b), backward)


@register("where")
def _where(raw, cond, a, b):
    out = run(raw, cond, a, b)

    def backward(g, c):
        return (None,
                fit(E.where(c, g, 0.0), a) if _needs(a) else None,
                fit(E.where(c, 0.0, g), b) if _needs(b) else None)
    return record("WhereBackward0", out, (cond, a, b), backward, (cond,))


@register("clamp")
def _clamp(raw, x, min=None, max=None):
    out = run(raw, x, min, max)
    lo, hi = min, max
    if not is_tensor(lo) and not is_tensor(hi):
        def backward(g, x_):
            mask = None
            if lo is not None:
                mask = x_ >= lo
            if hi is not None:
                mask = (x_ <= hi) if mask is None else mask & (x_ <= hi)
            return (fit(g * mask, x),)
        return record("ClampBackward1", out, (x, lo, hi), backward, (x,))

    def backward(g, x_):
        # out = min(max(x, lo), hi): where lo > hi every element takes hi
        below = (x_ < lo) if lo is not None else None
        above = (x_ > hi) if hi is not None else None
        crossed = (lo > hi) if lo is not None and hi is not None else None
        if crossed is not None:
            above = above | crossed
        keep = None
        for m in (below, above):
            if m is not None:
                keep = E.logical_not(m) if keep is None else keep & E.logical_not(m)
        grad_x = fit(g * keep, x) if _needs(x) else None
        grad_lo = grad_hi = None
        if _needs(lo):
            low = below if crossed is None else below & E.logical_not(crossed)
            grad_lo = fit(g * low, lo)
        if _needs(hi):
            grad_hi = fit(g * above, hi)
        return grad_x, grad_lo, grad_hi
    return record("ClampBackward0", out, (x, lo, hi), backward, (x,))
