"""Optimizers: SGD, Adam and AdamW, each a fused per-parameter update on the device."""
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .sgd import SGD
from . import lr_scheduler, swa_utils
