"""The seam between ops and autograd.

Ops below autograd are plain functions. `differentiable` wraps one so that, when grad
mode is on and an input requires grad, the call goes to the derivative registered under
the op's name by the autograd package; otherwise the plain function runs directly. Inside
`tm.autocast`, the wrapper first applies the op's autocast policy (ops/autocast.py).
"""
import threading
from functools import wraps

from . import autocast


class _GradMode(threading.local):
    """Grad mode and inference mode, per thread as in torch: one thread's no_grad (or its
    backward, which runs with grad mode off) never changes what another thread records.
    The class attributes are every thread's starting values."""
    enabled = True
    inference = False


GradMode = _GradMode()


# op name -> callable(raw_fn, *args, **kwargs) that runs raw_fn and records the graph
DERIVATIVES = {}


def _requires_grad(args):
    for a in args:
        if getattr(a, "_requires_grad", False):
            return True
        if isinstance(a, (list, tuple)) and any(getattr(x, "_requires_grad", False) for x in a):
            return True
    return False


NO_GRAD_VIEW = (
    "was created in no_grad mode and is being modified inplace with grad mode enabled. Given "
    "that this use case is ambiguous and error-prone, it is forbidden. You can clarify your "
    "code by moving both the view and the inplace either both inside the no_grad block (if "
    "you don't want the inplace to be tracked) or both outside (if you want the inplace to "
    "be tracked).")


def check_no_grad_view(t, view_op=None):
    """torch refuses, in grad mode, to write into a view made under no_grad of a tensor
    that requires grad: the write would change the base behind autograd's back."""
    base = t._base
    if base is not None and base._requires_grad and not t._requires_grad:
        if view_op is None:
            raise RuntimeError("A view " + NO_GRAD_VIEW)
        raise RuntimeError(f"Output 0 of {view_op} is a view of a view which " + NO_GRAD_VIEW)


def differentiable(fn=None, *, writes=None):
    """Wrap op fn; `writes` is the position of the argument an in-place op writes into."""
    if fn is None:
        return lambda f: differentiable(f, writes=writes)
    name = fn.__name__

    def dispatch(*args, **kwargs):
        # keyword tensors (clamp(x, min=w)) are rare: look at kwargs only when there are any
        if GradMode.enabled:
            if _requires_grad(args) or kwargs and _requires_grad(kwargs.values()):
                try:
                    derivative = DERIVATIVES[name]
                except KeyError:
                    raise RuntimeError(f"the derivative for '{name}' is not implemented") from None
                return derivative(fn, *args, **kwargs)
            if writes is not None:
                check_no_grad_view(args[writes])
        return fn(*args, **kwargs)

    @wraps(fn)
    def op(*args, **kwargs):
        # inside autocast, the op casts as torch lists it (or not at all), and its body
        # runs with autocast off, as a native kernel would
        if autocast.Autocast.on:
            return autocast.call(name, dispatch, args, kwargs)
        return dispatch(*args, **kwargs)

    op.raw = fn
    return op
