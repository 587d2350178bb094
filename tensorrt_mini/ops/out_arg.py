"""The `out=` keyword of torch's functions: the result is computed as without it, then
written into `out` (a tensor, or a tuple of them for ops with several results), which is
resized to the result's shape as torch resizes it, and returned.

As in torch: out must be on the result's device and able to hold its dtype (no float into
an int tensor); nothing that requires grad may take part (autograd cannot record a write
into out); a non-empty out of another shape is resized with torch's warning.
"""
import functools

from .. import _tensor as T
from ..user_warnings import warn
from . import autocast
from .dispatch import GradMode
from .elementwise import check_castable


def with_out(fn, name=None):
    """fn(..., out=None): fn's result, written into out when out is given."""
    name = name or fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if GradMode.enabled and _any_requires_grad(args, kwargs):
            raise RuntimeError(f"{name}(): functions with out=... arguments don't support "
                               "automatic differentiation, but one of the arguments requires "
                               "grad.")
        # autocast casts the functional forms only: the .out form (no policy) runs as it is
        result = autocast.call(name + ".out", fn, args, kwargs)
        if isinstance(result, tuple):
            outs = tuple(out)
            if len(outs) != len(result):
                raise RuntimeError(f"{name}(): expected out to be a tuple of {len(result)} "
                                   f"tensors, but got {len(outs)}")
            for target, value in zip(outs, result):
                _write(name, target, value)
            return type(result)(*outs) if hasattr(result, "_name") else outs
        _write(name, out, result)
        return out
    return wrapper


def _any_requires_grad(args, kwargs):
    for a in (*args, *kwargs.values()):
        if isinstance(a, T.Tensor) and a._requires_grad:
            return True
        if isinstance(a, (list, tuple)) and any(isinstance(t, T.Tensor) and t._requires_grad
                                                for t in a):
            return True
    return False


def _write(name, out, result):
    if not isinstance(out, T.Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if out._storage.device != result._storage.device:
        raise RuntimeError(f"Expected out tensor to have device {result.device}, but got "
                           f"{out.device} instead")
    check_castable(result._dtype, out._dtype)
    if out._shape != result._shape:
        if out.numel():
            warn(f"An output with one or more elements was resized since it had shape "
                 f"{list(out._shape)}, which does not match the required output shape "
                 f"{list(result._shape)}. This behavior is deprecated, and in a future PyTorch "
                 "release outputs will not be resized unless they have zero elements. You can "
                 "explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
                 "with t.resize_(0).")
        out.resize_(result._shape)
    out.copy_(result)
