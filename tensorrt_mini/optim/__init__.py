"""Optimizers: SGD, Adam and AdamW, each a fused per-parameter update on the device."""
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .sgd import SGD
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sparse_adam import SparseAdam
