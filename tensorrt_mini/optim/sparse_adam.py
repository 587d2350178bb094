"""SparseAdam: Adam for sparse gradients, updating only the moments and parameter
elements the gradient holds.

tensorrt_mini has no sparse tensors, so every gradient it makes is dense; torch's
SparseAdam refuses a dense gradient at `step`, and so does this one, with torch's error
(Adam is the optimizer for dense gradients). Construction, hyperparameter checks, groups
and state_dict behave as torch's.
"""
from .checks import check_betas
from .optimizer import Optimizer


class SparseAdam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        check_betas(betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, maximize=maximize))

    def _update(self, group, p, state):
        raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam "
                           "instead")
