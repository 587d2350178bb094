"""The standard's searching, sorting and indexing functions."""
from .. import dtypes as D
from ..ops import elementwise as E
from ..ops import indexing, ordering, reduction as R, scattering, selecting
from ._operands import promoted
from ._statistical import _reduce


def _arg(fn, x, axis, keepdims):
    if axis is None:
        out = fn(x.reshape(-1), 0, False)
        return out.reshape(*(1,) * x.ndim) if keepdims else out
    return fn(x, axis, keepdims)


def argmax(x, /, *, axis=None, keepdims=False):
    return _arg(R.argmax, x, axis, keepdims)


def argmin(x, /, *, axis=None, keepdims=False):
    return _arg(R.argmin, x, axis, keepdims)


def count_nonzero(x, /, *, axis=None, keepdims=False):
    return _reduce(R.sum, E.ne(x, 0), axis, keepdims, dtype=D.int64)


def nonzero(x, /):
    if x.ndim == 0:
        raise ValueError("nonzero() of a 0-d array: the standard leaves it undefined")
    return tuple(indexing.nonzero(x, as_tuple=True))


def searchsorted(x1, x2, /, *, side="left", sorter=None):
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    x1, x2 = promoted(x1, x2)
    return ordering.searchsorted(x1, x2, side=side, sorter=sorter)


def where(condition, x1, x2, /):
    x1, x2 = promoted(x1, x2)
    return scattering.where(condition, x1, x2)


def argsort(x, /, *, axis=-1, descending=False, stable=True):
    return ordering.argsort(x, axis, descending, stable)


def sort(x, /, *, axis=-1, descending=False, stable=True):
    return ordering.sort(x, axis, descending, stable)[0]


def take(x, indices, /, *, axis=None):
    if axis is None:
        if x.ndim != 1:
            raise ValueError("take(): axis is required for arrays of more than one dimension")
        axis = 0
    return selecting.index_select(x, axis, _wrapped(indices, x.shape[axis]))


def take_along_axis(x, indices, /, *, axis=-1):
    return scattering.take_along_dim(x, _wrapped(indices, x.shape[axis]), axis)


def _wrapped(indices, n):
    # the standard counts negative indices from the end, as Python does; tm's ops do not
    return scattering.where(indices < 0, indices + n, indices)
