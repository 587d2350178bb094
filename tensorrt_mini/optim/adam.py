"""Adam and AdamW (Adam with decoupled weight decay)."""
from .. import creation
from .checks import check_betas, check_fused, check_non_negative
from .optimizer import Optimizer


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        check_non_negative(lr=lr, eps=eps)
        check_betas(betas)
        check_non_negative(weight_decay=weight_decay)
        if not all(isinstance(b, float) for b in betas):
            raise ValueError("betas must be either both floats or both Tensors")
        check_fused(fused, foreach, differentiable)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, group, p, state):
        if not state:
            # contiguous state: the fused kernels walk it in the order they walk a
            # (contiguous copy of a) parameter, whatever the parameter's strides
            state["step"] = self._new_step()
            state["exp_avg"] = creation.zeros(p.shape, dtype=p.dtype, device=p.device)
            state["exp_avg_sq"] = creation.zeros(p.shape, dtype=p.dtype, device=p.device)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = creation.zeros(p.shape, dtype=p.dtype, device=p.device)
        step = self._advance(state)
        beta1, beta2 = group["betas"]
        self._backend(p).adam_step(
            p, self._grad(p), state["exp_avg"], state["exp_avg_sq"],
            state.get("max_exp_avg_sq") if group["amsgrad"] else None, group["lr"], beta1, beta2,
            group["eps"], group["weight_decay"], step, group["amsgrad"],
            group["maximize"], group["decoupled_weight_decay"])


class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         foreach=foreach, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)
