"""Neural-network layers, their functional forms and initialisers."""
from . import functional, init
from .module import Module
from .modules import (CrossEntropyLoss, Dropout, Embedding, Flatten, GELU, Identity, LayerNorm,
                      Linear, MSELoss, ReLU, Sequential, Sigmoid, Softmax, Tanh)
from .parameter import Parameter
from .modules import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, AlphaDropout,
                      AvgPool1d, AvgPool2d, Dropout1d, Dropout2d, MaxPool1d, MaxPool2d,
                      MaxUnpool2d, PixelShuffle, PixelUnshuffle, Upsample)
