"""The standard's statistical and utility functions: `axis`, `keepdims` and `correction`
over tm's reductions and scans."""
from ..ops import reduction as R
from ..ops import scans, joining
from .. import creation as C
from ._operands import promoted


def _reduce(fn, x, axis, keepdims, **options):
    """fn(x, dims, keepdim) with the standard's axis: None is every axis, and () none
    (torch's dim=() means every axis, so () reduces a new axis of length one instead)."""
    if axis == ():
        return fn(x.unsqueeze(0), (0,), False, **options)
    dims = tuple(range(x.ndim)) if axis is None else (axis,) if isinstance(axis, int) \
        else tuple(axis)
    if not dims:  # a 0-d array, every axis: the same trick
        return fn(x.unsqueeze(0), (0,), False, **options)
    return fn(x, dims, keepdims, **options)


def max(x, /, *, axis=None, keepdims=False):
    return _reduce(R.amax, x, axis, keepdims)


def min(x, /, *, axis=None, keepdims=False):
    return _reduce(R.amin, x, axis, keepdims)


def sum(x, /, *, axis=None, dtype=None, keepdims=False):
    return _reduce(R.sum, x, axis, keepdims, dtype=dtype)


def prod(x, /, *, axis=None, dtype=None, keepdims=False):
    return _reduce(_prod_dims, x, axis, keepdims, dtype=dtype)


def _prod_dims(x, dims, keepdim, dtype):
    # tm's prod takes one dim: reduce them one by one, keeping each so the rest stay put
    dims = sorted({d % x.ndim for d in dims})
    out = x
    for d in dims:
        out = R.prod(out, d, True, dtype=dtype)
    if keepdim:
        return out
    return out.reshape(*(n for d, n in enumerate(out.shape) if d not in dims))


def mean(x, /, *, axis=None, keepdims=False):
    return _reduce(R.mean, x, axis, keepdims)


def std(x, /, *, axis=None, correction=0.0, keepdims=False):
    return _reduce(lambda t, d, k: R.std(t, d, correction=correction, keepdim=k),
                   x, axis, keepdims)


def var(x, /, *, axis=None, correction=0.0, keepdims=False):
    return _reduce(lambda t, d, k: R.var(t, d, correction=correction, keepdim=k),
                   x, axis, keepdims)


def all(x, /, *, axis=None, keepdims=False):
    return _reduce(R.all, x, axis, keepdims)


def any(x, /, *, axis=None, keepdims=False):
    return _reduce(R.any, x, axis, keepdims)


def _cumulative(scan, fill, x, axis, dtype, include_initial):
    if axis is None:
        if x.ndim > 1:
            raise ValueError("axis must be given for arrays of more than one dimension")
        axis = 0
    out = scan(x, axis, dtype=dtype)
    if include_initial:
        shape = list(out.shape)
        shape[axis] = 1
        start = C.full(tuple(shape), fill, dtype=out.dtype, device=out.device)
        out = joining.cat([start, out], axis)
    return out


def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False):
    return _cumulative(scans.cumsum, 0, x, axis, dtype, include_initial)


def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False):
    return _cumulative(scans.cumprod, 1, x, axis, dtype, include_initial)


def diff(x, /, *, axis=-1, n=1, prepend=None, append=None):
    if prepend is not None or append is not None:
        parts = promoted(x, *(p for p in (prepend, append) if p is not None))
        x = parts[0]
        prepend = parts[1] if prepend is not None else None
        append = parts[-1] if append is not None else None
    return scans.diff(x, n, axis, prepend, append)
