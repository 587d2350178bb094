from .activation import GELU, ReLU, Sigmoid, Softmax, Tanh
from .container import Sequential
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import CrossEntropyLoss, MSELoss
from .normalization import LayerNorm
from .sparse import Embedding
from .activation import (CELU, ELU, GLU, Hardshrink, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU,
                         LogSigmoid, LogSoftmax, Mish, PReLU, ReLU6, RReLU, SELU, SiLU, Softmax2d,
                         Softmin, Softplus, Softshrink, Softsign, Tanhshrink, Threshold)
