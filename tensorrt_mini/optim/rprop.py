"""Rprop: per-element step sizes that grow while the gradient keeps its sign and shrink
when it flips; only the gradient's sign moves the parameter."""
from .. import creation
from .checks import check_non_negative
from .optimizer import Optimizer


class Rprop(Optimizer):
    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        check_non_negative(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def _update(self, group, p, state):
        grad = self._direction(p, group["maximize"])
        if not state:
            state["step"] = self._new_step()
            state["prev"] = creation.zeros_like(p)
            state["step_size"] = creation.full_like(grad, group["lr"])
        self._advance(state)
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        prev, step_size = state["prev"], state["step_size"]
        # per element: etaplus where the sign held, etaminus where it flipped, else 1
        factor = grad.mul(prev).sign()
        factor.masked_fill_(factor.gt(0), etaplus)
        factor.masked_fill_(factor.lt(0), etaminus)
        factor.masked_fill_(factor.eq(0), 1)
        step_size.mul_(factor).clamp_(step_size_min, step_size_max)
        # where the sign flipped, no move now, and no flip seen at the next step
        grad = grad.clone().masked_fill_(factor.eq(etaminus), 0)
        p.addcmul_(grad.sign(), step_size, value=-1)
        prev.copy_(grad)
