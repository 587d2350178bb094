"""Adam and AdamW (Adam with decoupled weight decay)."""
from .. import creation
from .optimizer import Optimizer


class Adam(Optimizer):
    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=self._decoupled))

    def _update(self, group, p, state):
        if not state:
            # contiguous state: the fused kernels walk it in the order they walk a
            # (contiguous copy of a) parameter, whatever the parameter's strides
            state["step"] = 0
            state["exp_avg"] = creation.zeros(p.shape, dtype=p.dtype, device=p.device)
            state["exp_avg_sq"] = creation.zeros(p.shape, dtype=p.dtype, device=p.device)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = creation.zeros(p.shape, dtype=p.dtype, device=p.device)
        state["step"] += 1
        beta1, beta2 = group["betas"]
        self._backend(p).adam_step(
            p, self._grad(p), state["exp_avg"], state["exp_avg_sq"],
            state.get("max_exp_avg_sq") if group["amsgrad"] else None, group["lr"], beta1, beta2,
            group["eps"], group["weight_decay"], state["step"], group["amsgrad"],
            group["maximize"], group["decoupled_weight_decay"])


class AdamW(Adam):
    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         foreach=foreach, capturable=capturable, differentiable=differentiable,
                         fused=fused)
