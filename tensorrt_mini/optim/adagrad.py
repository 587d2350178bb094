"""Adagrad: steps scaled by the root of the running sum of squared gradients."""
from .. import creation
from .checks import check_fused, check_non_negative
from .optimizer import Optimizer


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        check_non_negative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                           initial_accumulator_value=initial_accumulator_value, eps=eps)
        check_fused(fused, foreach, differentiable)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, fused=fused))
        # as torch, the state exists from the start (a state_dict has it before any step)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, self.state.setdefault(p, {}))

    def _init_state(self, p, state):
        state["step"] = self._new_step()
        # torch fills with the constructor's value, whatever a group says
        state["sum"] = creation.full_like(p, self.defaults["initial_accumulator_value"])

    def _update(self, group, p, state):
        if not state:
            self._init_state(p, state)
        grad = self._direction(p, group["maximize"], group["weight_decay"])
        step = self._advance(state)
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        state_sum = state["sum"]
        state_sum.addcmul_(grad, grad, value=1)
        std = state_sum.sqrt().add_(group["eps"])
        p.addcdiv_(grad, std, value=-clr)
