"""The standard's manipulation functions, on tm's views and joins."""
import numpy as np

from .. import creation as C
from .. import dtypes as D
from .._tensor import Tensor
from ..ops import joining, selecting, views
from ._operands import promoted


def broadcast_arrays(*arrays):
    return list(views.broadcast_tensors(*arrays))


def broadcast_to(x, /, shape):
    return views.broadcast_to(x, tuple(shape))


def concat(arrays, /, *, axis=0):
    arrays = promoted(*arrays)
    if axis is None:
        return joining.cat([a.reshape(-1) for a in arrays], 0)
    return joining.cat(list(arrays), axis)


def stack(arrays, /, *, axis=0):
    return joining.stack(list(promoted(*arrays)), axis)


def expand_dims(x, /, *, axis=0):
    if not -x.ndim - 1 <= axis <= x.ndim:
        raise IndexError(f"axis {axis} is out of bounds for an array of {x.ndim} dimensions "
                         "and the new one")
    return x.unsqueeze(axis)


def flip(x, /, *, axis=None):
    dims = range(x.ndim) if axis is None else (axis,) if isinstance(axis, int) else axis
    return selecting.flip(x, tuple(dims))


def moveaxis(x, source, destination, /):
    return views.movedim(x, source, destination)


def permute_dims(x, /, axes):
    return x.permute(*axes)


def reshape(x, /, shape, *, copy=None):
    shape = tuple(shape)
    if copy is False:
        try:
            return views.view(x, *shape)
        except RuntimeError as err:
            raise ValueError(f"reshape(copy=False): {err}") from None
    out = views.reshape(x, *shape)
    return out.clone() if copy and out.data_ptr() == x.data_ptr() else out


def roll(x, /, shift, *, axis=None):
    if axis is None:
        return selecting.roll(x, shift)
    return selecting.roll(x, shift, axis)


def squeeze(x, /, axis):
    dims = {a % x.ndim if x.ndim else a for a in ((axis,) if isinstance(axis, int) else axis)}
    for d in dims:
        if not 0 <= d < x.ndim:
            raise IndexError(f"axis {d} is out of bounds for an array of {x.ndim} dimensions")
        if x.shape[d] != 1:
            raise ValueError(f"cannot squeeze axis {d} of size {x.shape[d]}: its size is not 1")
    return x.reshape(*(n for d, n in enumerate(x.shape) if d not in dims))


def tile(x, repetitions, /):
    return joining.tile(x, tuple(repetitions))


def unstack(x, /, *, axis=0):
    return tuple(views.unbind(x, axis))


def repeat(x, repeats, /, *, axis=None):
    """Each element (along `axis`, or of the flattened x) `repeats` times: an int, or one
    count per element. The counts decide the shape, so they are read on the host."""
    if axis is None:
        x, axis = x.reshape(-1), 0
    n = x.shape[axis]
    counts = repeats.tolist() if isinstance(repeats, Tensor) else repeats
    positions = np.repeat(np.arange(n, dtype=np.int64), counts)
    index = C.tensor(positions, dtype=D.int64, device=x.device)
    return selecting.index_select(x, axis, index)
