"""Neural-network layers, their functional forms and initialisers."""
from . import functional, init, utils
from .module import Module
from .modules import *  # noqa: F401,F403  (every layer class: the list is in modules/__init__.py)
from .parameter import Parameter
from . import parallel  # noqa: F401  (tm.nn.parallel, as torch.nn.parallel)
from .modules import (Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, Fold,
                      Unfold)
