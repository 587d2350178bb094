"""tm.nn.functional: the functional forms of the layers, one module per family."""
from ...ops.padding import pad
from .core import (cross_entropy, dropout, embedding, gelu, layer_norm, linear, log_softmax,
                   mse_loss, nll_loss, relu, sigmoid, softmax, tanh)
from .activations import (celu, celu_, elu, elu_, glu, hardshrink, hardsigmoid, hardswish,
                          hardtanh, hardtanh_, leaky_relu, leaky_relu_, logsigmoid, mish, prelu,
                          relu6, relu_, rrelu, rrelu_, selu, selu_, silu, softmin, softplus,
                          softshrink, softsign, tanhshrink, threshold, threshold_)
