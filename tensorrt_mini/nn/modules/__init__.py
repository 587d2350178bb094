from .activation import GELU, ReLU, Sigmoid, Softmax, Tanh
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .dropout import Dropout
from .flatten import Flatten, Unflatten
from .linear import Bilinear, Identity, Linear
from .loss import CrossEntropyLoss, MSELoss
from .loss import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CTCLoss, GaussianNLLLoss,
                   HuberLoss,
                   KLDivLoss, L1Loss, MarginRankingLoss, MultiLabelSoftMarginLoss, NLLLoss,
                   PoissonNLLLoss, SmoothL1Loss, TripletMarginLoss)
from .normalization import LayerNorm
from .sparse import Embedding
