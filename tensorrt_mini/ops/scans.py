"""Scans along a dim: cumsum, cumprod, cummax, cummin, logcumsumexp; and diff.

The backend runs the scan (`cumulative`); cumsum, cumprod and logcumsumexp are
differentiable ops (autograd/formulas/scans.py), and cummax/cummin's values are gathered
from the input at their indices, so autograd differentiates them through gather.
"""
from .. import _tensor as T
from .. import dtypes as D
from ..layout import wrap_dim
from . import elementwise as E
from .dispatch import GradMode, differentiable
from .reduction import _ValuesIndices

CummaxResult = type("CummaxResult", (_ValuesIndices,), {"__slots__": (), "_name": "cummax"})
CumminResult = type("CumminResult", (_ValuesIndices,), {"__slots__": (), "_name": "cummin"})


def _scan(name, input, dim, dtype):
    """out (contiguous, as torch's, `dtype`) := the backend's scan `name` of input along
    dim."""
    d = wrap_dim(dim, max(input.dim(), 1))
    x = input if input._dtype is dtype else E.to_dtype(input, dtype)
    out = T.empty_tensor(x._shape, dtype, x.device)
    if x.numel():
        if not x.dim():
            E.copy_into(out, x)
        else:
            T.backends.get(x._storage.device.type).cumulative(name, out, x, d)
    return out


def _sum_dtype(input, dtype):
    """torch's result dtype for cumsum and cumprod: int64 for integers and bool."""
    if dtype is not None:
        return D.as_dtype(dtype, "cumsum")
    return D.int64 if input._dtype.category < 2 else input._dtype


@differentiable
def cumsum(input, dim, *, dtype=None):
    return _scan("cumsum", input, dim, _sum_dtype(input, dtype))


@differentiable
def cumprod(input, dim, *, dtype=None):
    return _scan("cumprod", input, dim, _sum_dtype(input, dtype))


@differentiable
def logcumsumexp(input, dim):
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for "
                           f"'{E._TORCH_TYPE_NAMES[input._dtype.name]}'")
    return _scan("logcumsumexp", input, dim, input._dtype)


def cummax(input, dim):
    return CummaxResult(*_running_extreme("cummax", input, dim))


def cummin(input, dim):
    return CumminResult(*_running_extreme("cummin", input, dim))


def _running_extreme(name, input, dim):
    """(values, indices): the running max or min along dim and where it was last met (a
    nan, once met, stays: torch's rule)."""
    E.check_not_complex(name, input._dtype)
    d = wrap_dim(dim, max(input.dim(), 1))
    values = _scan(name, input, d, input._dtype)
    from ..creation import arange
    if not input.dim():
        return values, arange(1, device=input.device).reshape(())
    n = input._shape[d]
    place = [1] * input.dim()
    place[d] = n
    position = arange(n, device=input.device).view(place)
    met = E.eq(input, values)
    if input._dtype.is_floating_point:
        met = E.logical_or(met, E.isnan(input))
    indices = _scan("cummax", E.where(met, position, 0), d, D.int64)
    if GradMode.enabled and input._requires_grad:
        values = input.gather(d, indices)
    return values, indices


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along dim (logical xor for bool), after prepend and
    append are joined on."""
    if not input.dim():
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = wrap_dim(dim, input.dim())
    from .joining import cat
    parts = [p for p in (prepend, input, append) if p is not None]
    if len(parts) > 1:
        input = cat([p if E.is_tensor(p) else _scalar_like(p, input, d) for p in parts], d)
    for _ in range(n):
        length = input._shape[d]
        if length == 0:
            break
        after, before = input.narrow(d, 1, length - 1), input.narrow(d, 0, length - 1)
        input = (E.logical_xor(after, before) if input._dtype is D.bool_
                 else E.sub(after, before))
    return input


def _scalar_like(value, input, d):
    """A number to prepend or append: one slice along d, of input's other sizes."""
    from ..creation import full
    shape = list(input._shape)
    shape[d] = 1
    return full(shape, value, dtype=input._dtype, device=input.device)
