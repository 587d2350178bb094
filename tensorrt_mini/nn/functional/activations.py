"""The activation functions of torch.nn.functional, with its signatures.

Each is one op of ops/activations.py: one catalog kernel and one graph node (relu,
sigmoid, tanh, gelu, softmax and log_softmax are in core.py). `inplace=True` writes
through the input's view, as torch's in-place forms do.
"""
from ...ops import activations as A
from ...ops import elementwise as E
from .core import softmax


def relu_(input):
    return input.relu_()


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return (A.leaky_relu_ if inplace else A.leaky_relu)(input, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return A.leaky_relu_(input, negative_slope)


def prelu(input, weight):
    return A.prelu(input, weight)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    return (A.rrelu_ if inplace else A.rrelu)(input, lower, upper, training)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return A.rrelu_(input, lower, upper, training)


def elu(input, alpha=1.0, inplace=False):
    return (A.elu_ if inplace else A.elu)(input, alpha)


def elu_(input, alpha=1.0):
    return A.elu_(input, alpha)


def selu(input, inplace=False):
    return (A.selu_ if inplace else A.selu)(input)


def selu_(input):
    return A.selu_(input)


def celu(input, alpha=1.0, inplace=False):
    return (A.celu_ if inplace else A.celu)(input, alpha)


def celu_(input, alpha=1.0):
    return A.celu_(input, alpha)


def silu(input, inplace=False):
    return (A.silu_ if inplace else A.silu)(input)


def mish(input, inplace=False):
    return (A.mish_ if inplace else A.mish)(input)


def softplus(input, beta=1.0, threshold=20.0):
    return A.softplus(input, beta, threshold)


def softsign(input):
    return A.softsign(input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return (A.hardtanh_ if inplace else A.hardtanh)(input, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def hardsigmoid(input, inplace=False):
    return (A.hardsigmoid_ if inplace else A.hardsigmoid)(input)


def hardswish(input, inplace=False):
    return (A.hardswish_ if inplace else A.hardswish)(input)


def tanhshrink(input):
    return A.tanhshrink(input)


def softshrink(input, lambd=0.5):
    return A.softshrink(input, lambd)


def hardshrink(input, lambd=0.5):
    return E.hardshrink(input, lambd)


def threshold(input, threshold, value, inplace=False):
    return (A.threshold_ if inplace else A.threshold)(input, threshold, value)


def threshold_(input, threshold, value):
    return A.threshold_(input, threshold, value)


def logsigmoid(input):
    return A.log_sigmoid(input)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax of -input, as torch computes it (the negation, then softmax's node)."""
    return softmax(E.neg(input), dim, dtype=dtype)


def glu(input, dim=-1):
    return A.glu(input, dim)
