"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""
from .. import creation
from .checks import check_fused
from .optimizer import Optimizer, required


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
        if lr is not required and lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        check_fused(fused, foreach, differentiable)
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def _update(self, group, p, state):
        momentum = group["momentum"]
        buf = state.get("momentum_buffer")
        first = momentum != 0 and buf is None
        if first:
            # contiguous, like Adam's state: see there
            buf = state["momentum_buffer"] = creation.empty(p.shape, dtype=p.dtype, device=p.device)
        self._backend(p).sgd_step(p, self._grad(p), buf if momentum != 0 else None, group["lr"],
                                  group["weight_decay"], momentum, group["dampening"],
                                  group["nesterov"], group["maximize"], first)
