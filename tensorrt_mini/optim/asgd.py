"""ASGD: SGD with a decaying step size `eta`, keeping the running average `ax` of the
parameter (from step `t0` on) that averaged SGD returns."""
from .. import creation, dtypes
from .checks import check_non_negative
from .optimizer import Optimizer


class ASGD(Optimizer):
    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        check_non_negative(lr=lr, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0,
                                      weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def _update(self, group, p, state):
        if not state:
            # torch keeps all three scalars on the parameter's device
            step_dtype = self._new_step().dtype
            state["step"] = creation.zeros((), dtype=step_dtype, device=p.device)
            state["eta"] = creation.tensor(float(group["lr"]), dtype=step_dtype, device=p.device)
            state["mu"] = creation.ones((), dtype=step_dtype, device=p.device)
            state["ax"] = creation.zeros_like(p)
        grad = self._direction(p, group["maximize"], group["weight_decay"])
        step = self._advance(state)
        lr, lambd = group["lr"], group["lambd"]
        eta, mu, ax = state["eta"], state["mu"], state["ax"]
        eta_value = eta.item()
        p.mul_(1 - lambd * eta_value)  # decay
        p.add_(grad, alpha=-eta_value)
        if mu.item() != 1:
            ax.add_(p.sub(ax).mul_(mu))
        else:
            ax.copy_(p)
        # torch goes through a tensor of the default dtype: the same rounding
        eta.copy_(creation.tensor(lr / ((1 + lambd * lr * step) ** group["alpha"]),
                                  dtype=dtypes.get_default_dtype()))
        mu.copy_(creation.tensor(1 / max(1, step - group["t0"]),
                                 dtype=dtypes.get_default_dtype()))
