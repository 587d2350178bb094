"""tm.nn.functional: the functional forms of the layers, one module per family."""
from ...ops.padding import pad
from .core import (cross_entropy, dropout, embedding, gelu, layer_norm, linear, log_softmax,
                   mse_loss, nll_loss, relu, sigmoid, softmax, tanh)
# (dropout too: importing the submodule .dropout binds the package's name `dropout` to it)
from .dropout import alpha_dropout, dropout, dropout1d, dropout2d
from .pooling import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool1d,
                      avg_pool2d, max_pool1d, max_pool2d, max_unpool2d)
from .resizing import interpolate, pixel_shuffle, pixel_unshuffle
