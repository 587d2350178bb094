from .activation import GELU, ReLU, Sigmoid, Softmax, Tanh
from .container import Sequential
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import CrossEntropyLoss, MSELoss
from .normalization import LayerNorm
from .sparse import Embedding
from .dropout import AlphaDropout, Dropout1d, Dropout2d
from .pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool1d,
                      AvgPool2d, MaxPool1d, MaxPool2d, MaxUnpool2d)
from .resizing import PixelShuffle, PixelUnshuffle, Upsample
