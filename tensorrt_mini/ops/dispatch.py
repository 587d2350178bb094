"""The seam between ops and autograd.

Ops below autograd are plain functions. `differentiable` wraps one so that, when grad
mode is on and an input requires grad, the call goes to the derivative registered under
the op's name by the autograd package; otherwise the plain function runs directly.
"""
from functools import wraps


class GradMode:
    enabled = True


# op name -> callable(raw_fn, *args, **kwargs) that runs raw_fn and records the graph
DERIVATIVES = {}


def _requires_grad(args):
    for a in args:
        if getattr(a, "_requires_grad", False):
            return True
        if isinstance(a, (list, tuple)) and any(getattr(x, "_requires_grad", False) for x in a):
            return True
    return False


def differentiable(fn):
    name = fn.__name__

    @wraps(fn)
    def op(*args, **kwargs):
        # keyword tensors (clamp(x, min=w)) are rare: look at kwargs only when there are any
        if GradMode.enabled and (_requires_grad(args) or kwargs and _requires_grad(kwargs.values())):
            try:
                derivative = DERIVATIVES[name]
            except KeyError:
                raise RuntimeError(f"the derivative for '{name}' is not implemented") from None
            return derivative(fn, *args, **kwargs)
        return fn(*args, **kwargs)

    op.raw = fn
    return op
