"""Neural-network layers, their functional forms and initialisers."""
from . import functional, init, utils
from .module import Module
from .modules import Bilinear, ModuleDict, ModuleList, ParameterDict, ParameterList, Unflatten
from .modules import (CrossEntropyLoss, Dropout, Embedding, Flatten, GELU, Identity, LayerNorm,
                      Linear, MSELoss, ReLU, Sequential, Sigmoid, Softmax, Tanh)
from .modules import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CTCLoss, GaussianNLLLoss,
                      HuberLoss, KLDivLoss, L1Loss, MarginRankingLoss, MultiLabelSoftMarginLoss,
                      NLLLoss, PoissonNLLLoss, SmoothL1Loss, TripletMarginLoss)
from .parameter import Parameter
