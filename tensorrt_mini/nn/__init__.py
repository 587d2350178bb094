"""Neural-network layers, their functional forms and initialisers."""
from . import functional, init
from .module import Module
from .modules import (CrossEntropyLoss, Dropout, Embedding, Flatten, GELU, Identity, LayerNorm,
                      Linear, MSELoss, ReLU, Sequential, Sigmoid, Softmax, Tanh)
from .modules import (BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, InstanceNorm1d,
                      InstanceNorm2d, InstanceNorm3d, LocalResponseNorm, RMSNorm)
from .parameter import Parameter
