"""Sweep registrations for the ops the catalog cannot describe by itself: operators with
scalars, ops of three or more operands, reductions, the softmax family, losses and
normalisation. Indexing, joining, copies, creation and matmul are in data_ops."""
from . import data_ops  # noqa: F401  (registers on import)
from .registry import register, floats, uniform

POSITIVE = ((0.1, 3.0),)
NEAR_ONE = ((0.9999, 1.0001),)  # a product of 2^22 of them stays finite


def _f(xp):
    return xp.nn.functional


# --- operators and elementwise ops with scalars or more operands ------------------------

@register("a ** 2", "elementwise", dtypes=("float32", "float64"), covers="pow_two")
def _square_op(xp, a):
    return lambda: a ** 2


@register("a ** 3", "elementwise", covers="pow_three")
def _cube_op(xp, a):
    return lambda: a ** 3


@register("a ** 0.5", "elementwise", domains=POSITIVE, covers="pow_half")
def _sqrt_op(xp, a):
    return lambda: a ** 0.5


@register("a ** 2.5", "elementwise", domains=POSITIVE)
def _pow_op(xp, a):
    return lambda: a ** 2.5


@register("a * 2.0", "elementwise", dtypes=("float32", "int64"))
def _scale(xp, a):
    return lambda: a * 2.0


@register("a + 1", "elementwise", dtypes=("float32", "int64"))
def _shift(xp, a):
    return lambda: a + 1


@register("clamp(a, -1, 1)", "elementwise")
def _clamp(xp, a):
    return lambda: xp.clamp(a, -1.0, 1.0)


@register("where(a > 0, a, b)", "elementwise", floats(2), transposed=True, covers="where")
def _where(xp, a, b):
    return lambda: xp.where(a > 0, a, b)


@register("lerp(a, b, 0.3)", "elementwise", floats(2), transposed=True, covers="lerp")
def _lerp(xp, a, b):
    return lambda: xp.lerp(a, b, 0.3)


@register("addcmul(a, b, c)", "elementwise", floats(3), transposed=True, covers="addcmul")
def _addcmul(xp, a, b, c):
    return lambda: xp.addcmul(a, b, c, value=0.5)


@register("addcdiv(a, b, c)", "elementwise", floats(3), transposed=True, domains=POSITIVE,
          covers="addcdiv")
def _addcdiv(xp, a, b, c):
    return lambda: xp.addcdiv(a, b, c, value=0.5)


@register("nan_to_num(a)", "elementwise", covers="nan_to_num")
def _nan_to_num(xp, a):
    return lambda: xp.nan_to_num(a, nan=0.0, posinf=1.0, neginf=-1.0)


@register("hardshrink(a, 0.5)", "elementwise", covers="hardshrink")
def _hardshrink(xp, a):
    return lambda: xp.hardshrink(a, 0.5)


@register("a << b", "elementwise", floats(2), dtypes=("int64",), covers="bitwise_left_shift")
def _left_shift(xp, a, b):
    return lambda: xp.bitwise_left_shift(a, b)


@register("a >> b", "elementwise", floats(2), dtypes=("int64",), covers="bitwise_right_shift")
def _right_shift(xp, a, b):
    return lambda: xp.bitwise_right_shift(a, b)


@register("gelu(a)", "elementwise")
def _gelu(xp, a):
    return lambda: _f(xp).gelu(a)


@register("a.add_(b)", "in-place", floats(2), check=False)
def _add_(xp, a, b):
    return lambda: a.add_(b)


@register("a.mul_(1.0)", "in-place", check=False)
def _mul_(xp, a):
    return lambda: a.mul_(1.0)


# --- reductions ------------------------------------------------------------------------

@register("sum()", "reduction", dtypes=("float32", "float64", "int64"))
def _sum(xp, a):
    return lambda: a.sum()


@register("sum(0)", "reduction", forms=("2d",))
def _sum0(xp, a):
    return lambda: a.sum(0)


@register("sum(1)", "reduction", forms=("2d",), dtypes=("float32", "float64"))
def _sum1(xp, a):
    return lambda: a.sum(1)


@register("mean()", "reduction", dtypes=("float32", "float64"))
def _mean(xp, a):
    return lambda: a.mean()


@register("mean(1)", "reduction", forms=("2d",))
def _mean1(xp, a):
    return lambda: a.mean(1)


@register("prod()", "reduction", domains=NEAR_ONE)
def _prod(xp, a):
    return lambda: a.prod()


@register("amax()", "reduction")
def _amax(xp, a):
    return lambda: a.amax()


@register("amax(1)", "reduction", forms=("2d",))
def _amax1(xp, a):
    return lambda: a.amax(1)


@register("min(0)", "reduction", forms=("2d",))
def _min0(xp, a):
    return lambda: a.min(0).values


@register("max(1)", "reduction", forms=("2d",))
def _max1(xp, a):
    return lambda: a.max(1).values


@register("argmax()", "reduction", dtypes=("float32", "int64"))
def _argmax(xp, a):
    return lambda: a.argmax()


@register("argmax(1)", "reduction", forms=("2d",))
def _argmax1(xp, a):
    return lambda: a.argmax(1)


@register("var()", "reduction")
def _var(xp, a):
    return lambda: a.var()


@register("std(1)", "reduction", forms=("2d",))
def _std1(xp, a):
    return lambda: a.std(1)


@register("(a > 0).all()", "reduction")
def _all(xp, a):
    return lambda: (a > 0).all()


@register("(a > 0).any(1)", "reduction", forms=("2d",))
def _any1(xp, a):
    return lambda: (a > 0).any(1)


# --- softmax family, losses, normalisation ----------------------------------------------

@register("softmax(a, -1)", "softmax", dtypes=("float32", "float64"))
def _softmax(xp, a):
    return lambda: xp.softmax(a, -1)


@register("log_softmax(a, -1)", "softmax")
def _log_softmax(xp, a):
    return lambda: xp.log_softmax(a, -1)


@register("softmax(a, 0)", "softmax", forms=("2d",))
def _softmax0(xp, a):
    return lambda: xp.softmax(a, 0)


def _logits_and_classes(rng, shape, dtype, domain=(-3.0, 3.0)):
    rows, classes = shape
    return uniform(rng, shape, dtype, domain), rng.integers(0, classes, rows)


@register("cross_entropy(a, y)", "loss", _logits_and_classes, forms=("2d",))
def _cross_entropy(xp, a, y):
    return lambda: _f(xp).cross_entropy(a, y)


@register("nll_loss(a, y)", "loss", _logits_and_classes, forms=("2d",))
def _nll_loss(xp, a, y):
    return lambda: _f(xp).nll_loss(a, y)


@register("mse_loss(a, b)", "loss", floats(2), transposed=True)
def _mse_loss(xp, a, b):
    return lambda: _f(xp).mse_loss(a, b)


def _rows_and_affine(rng, shape, dtype, domain=(-3.0, 3.0)):
    width = shape[-1]
    return (uniform(rng, shape, dtype, domain), uniform(rng, (width,), dtype, domain),
            uniform(rng, (width,), dtype, domain))


@register("layer_norm(a, w, b)", "normalisation", _rows_and_affine)
def _layer_norm(xp, a, w, b):
    return lambda: _f(xp).layer_norm(a, (a.shape[-1],), w, b)
