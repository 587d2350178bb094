"""Neural-network layers, their functional forms and initialisers."""
from . import functional, init
from .module import Module
from .modules import (CrossEntropyLoss, Dropout, Embedding, Flatten, GELU, Identity, LayerNorm,
                      Linear, MSELoss, ReLU, Sequential, Sigmoid, Softmax, Tanh)
from .parameter import Parameter
from .modules import (Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, Fold,
                      Unfold)
