"""Neural-network layers, their functional forms and initialisers."""
from . import functional, init
from .module import Module
from .modules import (CrossEntropyLoss, Dropout, Embedding, Flatten, GELU, Identity, LayerNorm,
                      Linear, MSELoss, ReLU, Sequential, Sigmoid, Softmax, Tanh)
from .parameter import Parameter
from .modules import (CELU, ELU, GLU, Hardshrink, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU,
                      LogSigmoid, LogSoftmax, Mish, PReLU, ReLU6, RReLU, SELU, SiLU, Softmax2d,
                      Softmin, Softplus, Softshrink, Softsign, Tanhshrink, Threshold)
