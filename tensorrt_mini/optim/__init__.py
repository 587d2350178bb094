"""Optimizers (SGD, Adam and AdamW as fused per-parameter updates on the device; the others
composed of in-place tensor ops, in the order of PyTorch's single-tensor updates), learning
rate schedules and weight averaging."""
from . import lr_scheduler, swa_utils
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD
from .sparse_adam import SparseAdam
