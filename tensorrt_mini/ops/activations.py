"""Activation ops: the catalog's activation bodies with their parameters, one kernel each.

Each op here is differentiable by name (autograd/formulas/activations.py records its one
node), and its in-place form `<op>_` writes through the input's view. nn.functional gives
them torch's functional signatures; the ones torch also has at the top level (selu, celu,
threshold, rrelu, prelu) are tm's too. hardshrink, a public catalog op (torch.hardshrink
and Tensor.hardshrink), lives with the other public ops in ops/elementwise.py.
"""

from .. import creation
from .. import dtypes as D
from ..layout import wrap_dim
from .dispatch import differentiable
from .elementwise import nary, not_implemented, unary
from .scattering import masked_scatter
from .views import narrow

# selu's constants, as torch writes them
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _in_place(op):
    """op's in-place form: op's kernel writing into the input's own memory."""
    def method(self, *params, **kwargs):
        op.raw(self, *params, out=self, **kwargs)
        self._storage._version += 1
        return self
    method.__name__ = method.__qualname__ = op.__name__ + "_"
    method.__doc__ = f"{op.__name__} in place."
    return differentiable(method, writes=0)


def _floats(input, kernel):
    """torch's error for an activation its kernels define for floating dtypes only."""
    if not input._dtype.is_floating_point:
        raise not_implemented(kernel, input._dtype)


@differentiable
def leaky_relu(input, negative_slope=0.01, out=None):
    return nary("leaky_relu", [input], [negative_slope], out)


@differentiable
def elu(input, alpha=1.0, scale=1.0, input_scale=1.0, out=None):
    """alpha * scale * (exp(x * input_scale) - 1) below 0, scale * x above (selu and celu
    are elu with other constants); alpha * scale in the input's dtype, as torch's kernel
    multiplies them."""
    _floats(input, "elu")
    negcoef = D.rounded(alpha, input._dtype) * D.rounded(scale, input._dtype)
    return nary("elu", [input], [negcoef, scale, input_scale], out)


def selu(input):
    return elu(input, SELU_ALPHA, SELU_SCALE)


@differentiable
def celu(input, alpha=1.0, out=None):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return elu.raw(input, alpha, 1.0, 1.0 / alpha, out)


@differentiable
def hardtanh(input, min_val=-1.0, max_val=1.0, out=None):
    if input._dtype is D.bool_:
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if input._dtype is D.uint8 and (min_val < 0 or max_val < 0):
        raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
    return nary("clamp_both", [input], [min_val, max_val], out)


@differentiable
def threshold(input, threshold, value, out=None):
    return nary("threshold", [input], [threshold, value], out)


@differentiable
def softplus(input, beta=1.0, threshold=20.0, out=None):
    return nary("softplus", [input], [beta, threshold], out)


@differentiable
def softshrink(input, lambd=0.5, out=None):
    if not input._dtype.is_floating_point:  # (torch's message names its check, no device)
        raise NotImplementedError(f"\"softshrink_check\" not implemented for "
                                  f"'{D.TYPE_NAMES[input._dtype.name]}'")
    biggest = float(D.finfo(input._dtype).max)
    if not 0 <= lambd <= biggest:
        raise RuntimeError(f"lambda must be in range [0, {biggest:g}] for input dtype "
                           f"{D.TYPE_NAMES[input._dtype.name]}, but found {lambd:g}")
    return nary("softshrink", [input], [lambd], out)


def _unary(name):
    def op(input, out=None):
        return unary(name, input, out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"The catalog's {name}, elementwise."
    return differentiable(op)


silu = _unary("silu")
mish = _unary("mish")
hardsigmoid = _unary("hardsigmoid")
hardswish = _unary("hardswish")
log_sigmoid = _unary("log_sigmoid")
softsign = _unary("softsign")
tanhshrink = _unary("tanhshrink")

leaky_relu_ = _in_place(leaky_relu)
elu_ = _in_place(elu)
celu_ = _in_place(celu)
hardtanh_ = _in_place(hardtanh)
threshold_ = _in_place(threshold)
silu_ = _in_place(silu)
mish_ = _in_place(mish)
hardsigmoid_ = _in_place(hardsigmoid)
hardswish_ = _in_place(hardswish)


def selu_(input):
    return elu_(input, SELU_ALPHA, SELU_SCALE)


@differentiable
def glu(input, dim=-1):
    """The first half of `dim` gated by the sigmoid of the second half, in one kernel."""
    if not input.dim():
        raise RuntimeError("glu does not support scalars because halving size must be even")
    dim = wrap_dim(dim, input.dim())
    size = input._shape[dim]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim} is size {size}")
    _floats(input, "glu")
    half = size // 2
    return nary("glu", [narrow(input, dim, 0, half), narrow(input, dim, half, half)])


def prelu_weight(input, weight):
    """prelu's weight as a view that broadcasts over input's channel dim (dim 1), with
    torch's checks."""
    if weight.dim() > 1:
        raise RuntimeError("prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.dim()}")
    n = weight.numel()
    channels = input._shape[1] if input.dim() >= 2 else 1
    if n != 1 and n != channels:
        raise RuntimeError("Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {n} and channel size = {channels}.")
    if n == 1:
        return weight.reshape(())
    return weight.reshape((channels,) + (1,) * (input.dim() - 2))


@differentiable
def prelu(input, weight):
    """input where positive, weight * input elsewhere: leaky_relu's kernel with a tensor of
    slopes."""
    _floats(input, "prelu")
    if weight._dtype is not input._dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got "
                           f"{D.TYPE_NAMES[input._dtype.name]} and "
                           f"{D.TYPE_NAMES[weight._dtype.name]}")
    return nary("leaky_relu", [input, prelu_weight(input, weight)])


def rrelu_noise(input, lower, upper, generator=None):
    """The slopes of rrelu in training: uniform on [lower, upper] where input <= 0 and 1
    elsewhere, in input's dtype. Drawn as torch's CPU kernel draws them, one float64 per
    non-positive element in order, with the bounds rounded to input's dtype first (so the
    cpu values match torch's for the same seed)."""
    nonpositive = input <= 0
    count = int(nonpositive.sum())
    lower, upper = (float(D.rounded(v, input._dtype)) for v in (lower, upper))
    draws = creation.empty(count, dtype=D.float64, device=input.device)
    draws.uniform_(lower, upper, generator=generator)
    ones = creation.ones(input._shape, dtype=input._dtype, device=input.device)
    return masked_scatter(ones, nonpositive, draws.to(input._dtype))


@differentiable
def rrelu_with_noise(input, noise, lower, upper, training, out=None):
    """rrelu given its noise (rrelu_noise's, in training): x * noise where x <= 0, else the
    leaky_relu of slope (lower + upper) / 2."""
    if training:
        return nary("leaky_relu", [input, noise], (), out)
    return nary("leaky_relu", [input], [(lower + upper) / 2], out)


rrelu_with_noise_ = _in_place(rrelu_with_noise)


def _rrelu_checked(input, lower, upper, training):
    if training:  # (in eval, leaky_relu's kernel refuses integers itself)
        _floats(input, "rrelu_with_noise_out")
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    _rrelu_checked(input, lower, upper, training)
    noise = rrelu_noise(input, lower, upper, generator) if training else None
    return rrelu_with_noise(input, noise, lower, upper, training)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    _rrelu_checked(input, lower, upper, training)
    noise = rrelu_noise(input, lower, upper, generator) if training else None
    return rrelu_with_noise_(input, noise, lower, upper, training)

