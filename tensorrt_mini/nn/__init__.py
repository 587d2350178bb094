"""Neural-network layers, their functional forms and initialisers."""
from . import functional, init
from .module import Module
from .modules import (CrossEntropyLoss, Dropout, Embedding, Flatten, GELU, Identity, LayerNorm,
                      Linear, MSELoss, ReLU, Sequential, Sigmoid, Softmax, Tanh)
from .parameter import Parameter
