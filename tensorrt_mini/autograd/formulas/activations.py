"""Derivatives of the activation ops (ops/activations.py, and hardshrink of
ops/elementwise.py): one node each, named as torch names it, whose backward is written
with differentiable ops (so gradients of gradients work) in the branches of torch's own
backward kernels, NaN taking the branch torch's takes.

The in-place forms record the out-of-place node under torch's in-place name and write
the result into the input (inplace.via_out_of_place)."""
import inspect

from ...ops import activations as A
from ...ops import elementwise as E
from ...ops.joining import cat
from ..graph import record, run
from ..inplace import via_out_of_place
from .common import fit, meta, register, sum_to

_INPLACE_NEGATIVE = ("In-place {} backward calculation is triggered with a negative slope which "
                     "is not supported. This is caused by calling in-place forward function "
                     "with a negative slope, please call out-of-place version instead.")
_LEAKY_INPLACE = (_INPLACE_NEGATIVE.format("leakyReLu") + " File an issue at "
                  "https://github.com/pytorch/pytorch if you do require supporting in-place "
                  "leakRelu backward calculation with negative slope")
_ELU_INPLACE = _INPLACE_NEGATIVE.format("elu")


def _arguments(raw, args, kwargs):
    """The op's arguments by name, defaults filled in, but for its input and out (the
    backward reads the input from its saved copy; a closure holding it would keep it
    alive past the graph's release)."""
    bound = inspect.signature(raw).bind(*args, **kwargs)
    bound.apply_defaults()
    return {k: v for k, v in bound.arguments.items() if k not in ("input", "out")}


def _activation(name, node, grad, check_in_place=None):
    """Register the derivative of op `name`(input, params...), whose input's gradient is
    grad(g, x, args) (args: the op's arguments by name), and of its in-place form
    `name`_ when the op has one (`node` is then a pair: the out-of-place node's name and
    the in-place one's). check_in_place(args) returns the error an in-place call's
    backward raises, if any (torch's, where its in-place backward cannot recover x)."""
    out_node, in_node = (node, node) if isinstance(node, str) else node

    def derivative(raw, *args, _node=out_node, _error=None, **kwargs):
        out = run(raw, *args, **kwargs)
        x = args[0] if args else kwargs["input"]
        a = _arguments(raw, args, kwargs)

        def backward(g, x):
            if _error is not None:
                raise RuntimeError(_error)
            return (grad(g, x, a),)
        return record(_node, out, (x,), backward, (x,))
    register(name)(derivative)

    if getattr(A, name + "_", None) is None:  # no in-place form
        return
    op = getattr(A, name)

    def in_place(raw, t, *params, **kwargs):
        error = None
        if check_in_place is not None:
            error = check_in_place(_arguments(op.raw, (t,) + params, kwargs))
        return via_out_of_place(
            t, lambda: derivative(op.raw, t, *params, _node=in_node, _error=error, **kwargs),
            name)
    register(name + "_")(in_place)


_activation("leaky_relu", ("LeakyReluBackward0", "LeakyReluBackward1"),
            lambda g, x, a: E.where(x > 0, g, g * a["negative_slope"]),
            lambda a: _LEAKY_INPLACE if a["negative_slope"] < 0 else None)


def _elu_grad(g, x, a):
    # x > 0 picks the linear branch, so NaN takes the exponential one (NaN), as in torch
    negcoef = a["alpha"] * a["scale"]
    iscale = a["input_scale"]
    return E.where(x > 0, g * a["scale"], g * (E.exp(x * iscale) * (iscale * negcoef)))


def _celu_grad(g, x, a):
    alpha = a["alpha"]
    return _elu_grad(g, x, {"alpha": alpha, "scale": 1.0, "input_scale": 1.0 / alpha})


_activation("elu", ("EluBackward0", "EluBackward1"), _elu_grad,
            lambda a: _ELU_INPLACE if a["alpha"] < 0 else None)
_activation("celu", ("CeluBackward0", "CeluBackward1"), _celu_grad,
            lambda a: _ELU_INPLACE if a["alpha"] < 0 else None)
# strictly inside the bounds; NaN gets no gradient, as in torch's vectorised kernel (its
# scalar tail, for the last few elements, passes it one)
_activation("hardtanh", "HardtanhBackward0",
            lambda g, x, a: E.where((x > a["min_val"]) & (x < a["max_val"]), g, 0.0))
_activation("threshold", ("ThresholdBackward0", "ThresholdBackward1"),
            lambda g, x, a: E.where(x <= a["threshold"], 0.0, g))


def _softplus_grad(g, x, a):
    bx = x * a["beta"]
    z = E.exp(bx)
    return E.where(bx > a["threshold"], g, g * z / (z + 1))


_activation("softplus", "SoftplusBackward0", _softplus_grad)


def _shrink_grad(g, x, a):
    # outside [-lambd, lambd] (NaN is not): torch's vectorised kernel
    lambd = a["lambd"]
    return E.where((x < -lambd) | (x > lambd), g, 0.0)


_activation("softshrink", "SoftshrinkBackward0", _shrink_grad)
_activation("hardshrink", "HardshrinkBackward0", _shrink_grad)


def _silu_grad(g, x, a):
    s = E.sigmoid(x)
    return g * (s * (1 + x * (1 - s)))


def _mish_grad(g, x, a):
    s = E.sigmoid(x)
    t = E.tanh(E.log1p(E.exp(x)))
    return g * (t + x * s * (1 - t * t))


def _log_sigmoid_grad(g, x, a):
    z = E.exp(E.neg(E.abs(x)))
    p = z / (z + 1)
    return E.where(x < 0, g * (1 - p), g * p)


def _softsign_grad(g, x, a):
    d = E.abs(x) + 1
    return g / (d * d)


def _tanhshrink_grad(g, x, a):
    t = E.tanh(x)
    return g * (t * t)


_activation("silu", "SiluBackward0", _silu_grad)
_activation("mish", "MishBackward0", _mish_grad)
_activation("hardsigmoid", "HardsigmoidBackward0",
            lambda g, x, a: E.where((x > -3) & (x < 3), g / 6, 0.0))
# 0 up to -3, g from 3, NaN taking the middle branch (torch's vectorised kernel)
_activation("hardswish", "HardswishBackward0",
            lambda g, x, a: E.where(x <= -3, 0.0, E.where(x >= 3, g, g * (x / 3 + 0.5))))
_activation("log_sigmoid", "LogSigmoidBackward0", _log_sigmoid_grad)
# torch composes these two (x / (1 + |x|), x - tanh(x)): its last node's name
_activation("softsign", "DivBackward0", _softsign_grad)
_activation("tanhshrink", "SubBackward0", _tanhshrink_grad)


@register("glu")
def _glu(raw, input, dim=-1):
    out = run(raw, input, dim)
    d = dim % input.dim()
    half = input._shape[d] // 2

    def backward(g, x):
        a, b = x.narrow(d, 0, half), x.narrow(d, half, half)
        s = E.sigmoid(b)
        return (cat([g * s, g * a * (s * (1 - s))], d),)
    return record("GluBackward0", out, (input,), backward, (input,))


@register("prelu")
def _prelu(raw, input, weight):
    out = run(raw, input, weight)
    mx, mw = meta(input), meta(weight)
    w_shape = A.prelu_weight(input, weight)._shape

    def backward(g, x, w):
        positive = x > 0
        grad_x = E.where(positive, g, w.reshape(w_shape) * g) if mx else None
        grad_w = None
        if mw:
            grad_w = sum_to(E.where(positive, 0.0, x * g), w_shape).reshape(mw._shape)
            grad_w = fit(grad_w, mw)
        return grad_x, grad_w
    return record("PreluKernelBackward0", out, (input, weight), backward, (input, weight))


def _rrelu_grad(g, x, a):
    if a["training"] and a["upper"] - a["lower"] > 1e-6:
        return g * a["noise"]
    return E.where(x > 0, g, g * ((a["lower"] + a["upper"]) / 2))


_activation("rrelu_with_noise", ("RreluWithNoiseBackward0", "RreluWithNoiseBackward1"),
            _rrelu_grad)
