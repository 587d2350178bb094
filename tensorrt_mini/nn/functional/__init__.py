"""tm.nn.functional: the functional forms of the layers, one module per family."""
from ...ops.padding import pad
from .core import (cross_entropy, dropout, embedding, gelu, layer_norm, linear, log_softmax,
                   mse_loss, nll_loss, relu, sigmoid, softmax, tanh)
from .conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d
from .sliding import fold, unfold
