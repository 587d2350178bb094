"""gradcheck of every elementwise op's derivative, on float64 inputs in several layouts,
with broadcasting between operands."""
import math

import pytest

import tensorrt_mini as tm
from oracle import same_as_torch
from tensorrt_mini.autograd import gradcheck

# op -> keyword arguments for the input maker (domain restrictions)
UNARY = {
    "neg": {}, "abs": dict(avoid=0.1), "exp": {}, "expm1": {}, "sin": {}, "cos": {},
    "tanh": {}, "sigmoid": {}, "erf": {}, "relu": dict(avoid=0.1),
    "log": dict(low=0.2, high=3.0), "log2": dict(low=0.2, high=3.0),
    "log10": dict(low=0.2, high=3.0), "log1p": dict(low=-0.5, high=3.0),
    "sqrt": dict(low=0.2, high=3.0), "rsqrt": dict(low=0.2, high=3.0),
    "reciprocal": dict(avoid=0.3), "tan": dict(low=-1.0, high=1.0),
    # piecewise constant: zero gradient away from the jumps
    "sign": dict(avoid=0.1), "floor": dict(low=0.1, high=0.9), "ceil": dict(low=0.1, high=0.9),
    "round": dict(low=0.1, high=0.4), "trunc": dict(low=0.1, high=0.9),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(name, view):
    x = view((3, 4), **UNARY[name])
    assert gradcheck(getattr(tm, name), (x,))


SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)), ((), (3,))]


@pytest.mark.parametrize("a_shape,b_shape", SHAPES)
@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "maximum", "minimum"])
def test_binary_broadcasting(name, a_shape, b_shape, view):
    a = view(a_shape)
    b = view(b_shape, avoid=0.3)
    assert gradcheck(getattr(tm, name), (a, b))


@pytest.mark.parametrize("alpha", [1, 2.5])
def test_add_sub_alpha(alpha, view):
    a, b = view((2, 3)), view((3,))
    assert gradcheck(lambda a, b: tm.add(a, b, alpha=alpha), (a, b))
    assert gradcheck(lambda a, b: tm.sub(a, b, alpha=alpha), (a, b))


@pytest.mark.parametrize("fn", [lambda x: x + 2, lambda x: 2 - x, lambda x: x * 3, lambda x: x / 3,
                                lambda x: 3 / x, lambda x: x ** 3, lambda x: x ** 0.5,
                                lambda x: 2 ** x, lambda x: x % 1.5],
                         ids=["add", "rsub", "mul", "div", "rdiv", "pow3", "sqrt-pow", "rpow",
                              "remainder"])
def test_with_python_scalar(fn, view):
    x = view((3, 4), low=0.3, high=1.3)
    assert gradcheck(fn, (x,))


def test_pow_tensor_exponent(view):
    base = view((3, 4), low=0.3, high=2.0)
    exponent = view((4,))
    assert gradcheck(tm.pow, (base, exponent))


def test_remainder_tensor_divisor(view):
    a = view((3, 4), low=0.1, high=0.9)
    b = view((4,), low=1.1, high=2.0)
    assert gradcheck(tm.remainder, (a, b))


def test_where(view, rng):
    a, b = view((3, 4)), view((4,))
    cond = tm.tensor(rng.random((3, 4)) > 0.5)
    assert gradcheck(lambda a, b: tm.where(cond, a, b), (a, b))
    assert gradcheck(lambda a: tm.where(cond, a, 0.0), (a,))


def test_clamp_scalar_bounds(view):
    x = view((3, 4))
    assert gradcheck(lambda x: tm.clamp(x, -0.5, 0.7), (_away(x, (-0.5, 0.7)),))
    assert gradcheck(lambda x: x.clamp(min=0.3), (_away(x, (0.3,)),))
    assert gradcheck(lambda x: x.clamp(max=0.3), (_away(x, (0.3,)),))


def test_clamp_tensor_bounds(view):
    x = _away(view((3, 4)), (-0.5, 0.5))
    lo = tm.full((4,), -0.5, dtype=tm.float64).requires_grad_()
    hi = tm.full((3, 1), 0.5, dtype=tm.float64).requires_grad_()
    assert gradcheck(lambda x, lo, hi: tm.clamp(x, lo, hi), (x, lo, hi))
    assert gradcheck(lambda x, lo: tm.clamp(x, lo, 0.5), (x, lo))  # one tensor, one scalar
    assert gradcheck(lambda x, hi: tm.clamp(x, max=hi), (x, hi))


def test_clamp_keyword_bound_alone_requires_grad():
    # only the bound passed by keyword requires grad: the graph must still be recorded
    x = tm.tensor([0.0, 1.0, 2.0], dtype=tm.float64)
    lo = tm.full((3,), 0.5, dtype=tm.float64).requires_grad_()
    hi = tm.full((3,), 1.5, dtype=tm.float64).requires_grad_()
    tm.clamp(x, min=lo).sum().backward()
    x.clamp(max=hi).sum().backward()
    assert lo.grad.tolist() == [1.0, 0.0, 0.0]
    assert hi.grad.tolist() == [0.0, 0.0, 1.0]


def _away(x, points, gap=0.05):
    """x with values moved at least `gap` from each kink point (a new leaf)."""
    v = x.detach().clone()
    for p in points:
        near = (v - p).abs() < gap
        v = tm.where(near, v + 2 * gap, v)
    return v.requires_grad_()


def test_flat_ops_have_zero_gradient():
    x = tm.tensor([0.3, 1.7, -2.2], requires_grad=True)
    for name in ("floor", "ceil", "round", "trunc", "sign"):
        x.grad = None
        getattr(tm, name)(x).sum().backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_non_differentiable_results_do_not_require_grad():
    x = tm.tensor([0.3, -1.0], requires_grad=True)
    for out in (x > 0, x == 0, tm.isnan(x), tm.logical_not(x)):
        assert not out.requires_grad and out.grad_fn is None


def test_floor_divide_backward_raises():
    x = tm.tensor([3.0, 4.0], requires_grad=True)
    y = x // 2
    with pytest.raises(RuntimeError, match="floor_divide"):
        y.sum().backward()


def test_maximum_ties_split_the_gradient():
    a = tm.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = tm.tensor([1.0, 5.0, 0.0], requires_grad=True)
    tm.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 0.0, 1.0]
    assert b.grad.tolist() == [0.5, 1.0, 0.0]


def test_mixed_dtypes_give_each_input_its_dtype():
    a = tm.tensor([1.0, 2.0], dtype=tm.float32, requires_grad=True)
    b = tm.tensor([3.0, 4.0], dtype=tm.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == tm.float32 and b.grad.dtype == tm.float64
    assert a.grad.tolist() == [3.0, 4.0] and b.grad.tolist() == [1.0, 2.0]


def test_pow_zero_base_with_tensor_exponent_is_masked():
    base = tm.tensor([0.0, 2.0], dtype=tm.float64, requires_grad=True)
    e = tm.tensor([2.0, 3.0], dtype=tm.float64, requires_grad=True)
    (base ** e).sum().backward()
    assert base.grad.tolist() == [0.0, 12.0]
    assert e.grad.tolist()[0] == 0.0
    assert math.isclose(e.grad.tolist()[1], 8 * math.log(2))


def test_relu_passes_the_gradient_of_nan_through_like_torch():
    x = tm.tensor([float("nan"), -1.0, 0.0, 2.0], requires_grad=True)
    x.relu().backward(tm.tensor([1.0, 1.0, 1.0, 1.0]))
    assert x.grad.tolist() == [1.0, 0.0, 0.0, 1.0]


@pytest.mark.parametrize("x, lo, hi", [(0., 1., 1.), (1., 1., 1.), (2., 1., 1.), (1., 1., 2.),
                                       (2., 1., 2.), (0.5, 1., 0.), (0., 1., 0.), (3., 1., 0.)])
def test_clamp_gradients_at_equal_and_crossed_bounds_as_torch(x, lo, hi):
    """torch gives lo a gradient only where x < lo < hi, hi where x > hi or hi < lo: with
    lo == hi and x below, no input gets one (tm gave lo a 1)."""
    def fn(lib):
        t, a, b = (lib.tensor([v], requires_grad=True) for v in (x, lo, hi))
        t.clamp(a, b).sum().backward()
        return t.grad, a.grad, b.grad
    same_as_torch(fn)


def test_pow_gradients_at_zero_as_torch():
    """Mutation audit: 0 ** 0 and 0 ** y have torch's gradients (0, not nan)."""
    def both(lib):
        x = lib.tensor([0., 0., 2.], requires_grad=True)
        y = lib.tensor([0., 1., 0.], requires_grad=True)
        (x ** y).sum().backward()
        return x.grad, y.grad

    def exponent_zero(lib):
        x = lib.tensor([0., 0.], requires_grad=True)
        (x ** 0).sum().backward()
        return x.grad

    def base_zero(lib):
        y = lib.tensor([0., 1., -1.], requires_grad=True)
        (0. ** y).sum().backward()
        return y.grad
    for fn in (both, exponent_zero, base_zero):
        same_as_torch(fn)
