"""The standard's creation functions, on tm's (torch-style) ones. `device=` takes a tm
device or its string; the default dtypes are the standard's (int64, tm's default float)."""
import numpy as np

from .. import creation as C
from .. import dtypes as D
from .._tensor import Tensor
from ..device import as_device
from ..ops import joining, selecting


def _shape(shape):
    return (shape,) if isinstance(shape, int) else tuple(shape)


def asarray(obj, /, *, dtype=None, device=None, copy=None):
    """An array from `obj`. copy=True always copies; copy=False never does, and raises
    ValueError where it would have to; None copies only where needed."""
    if isinstance(obj, Tensor):
        out = obj.to(dtype=dtype, device=device)
        if copy is False and out is not obj and (out.dtype is not obj.dtype
                                                 or out.device != obj.device):
            raise ValueError("asarray(copy=False): the array would need a copy to change "
                             "its dtype or device")
        return out.clone() if copy and out is obj else out
    if not isinstance(obj, (bool, int, float, complex, list, tuple)):
        obj = np.asarray(obj)  # the buffer protocol, __array__ and __array_interface__
    if isinstance(obj, np.ndarray):
        target = dtype or D.from_numpy_dtype(obj.dtype)
        on_cpu = as_device(device).type == "cpu"
        if copy is False and not (on_cpu and target.np == obj.dtype and obj.flags.writeable):
            raise ValueError("asarray(copy=False): the object would need a copy")
        if copy is not True and on_cpu and target.np == obj.dtype and obj.flags.writeable:
            return C.from_numpy(obj)
        return C.tensor(obj, dtype=target, device=device)
    if copy is False:
        raise ValueError("asarray(copy=False): Python scalars and sequences need a copy")
    if isinstance(obj, (list, tuple)) and _holds_arrays(obj):
        return joining.stack([asarray(o, dtype=dtype, device=device) for o in obj])
    return C.tensor(obj, dtype=dtype, device=device)


def _holds_arrays(seq):
    return any(isinstance(o, Tensor) or (isinstance(o, (list, tuple)) and _holds_arrays(o))
               for o in seq)


def arange(start, /, stop=None, step=1, *, dtype=None, device=None):
    if stop is None:
        start, stop = 0, start
    if step != 0 and (stop - start) * step <= 0:
        # the standard's empty range, where torch raises for bounds against the step
        if dtype is None:
            ints = all(isinstance(v, int) for v in (start, stop, step))
            dtype = D.int64 if ints else D.get_default_dtype()
        return C.empty((0,), dtype=dtype, device=device)
    return C.arange(start, stop, step, dtype=dtype, device=device)


def empty(shape, *, dtype=None, device=None):
    return C.empty(_shape(shape), dtype=dtype, device=device)


def empty_like(x, /, *, dtype=None, device=None):
    return C.empty_like(x, dtype=dtype, device=device)


def eye(n_rows, n_cols=None, /, *, k=0, dtype=None, device=None):
    dtype = dtype or D.get_default_dtype()
    return C.tensor(np.eye(n_rows, n_cols, k, dtype=np.float64), dtype=dtype, device=device)


def full(shape, fill_value, *, dtype=None, device=None):
    return C.full(_shape(shape), fill_value, dtype=dtype, device=device)


def full_like(x, /, fill_value, *, dtype=None, device=None):
    return C.full_like(x, fill_value, dtype=dtype, device=device)


def linspace(start, stop, /, num, *, dtype=None, device=None, endpoint=True):
    if endpoint:
        return C.linspace(start, stop, num, dtype=dtype, device=device)
    # num points of num+1 evenly spaced ones: the last (stop) left out
    return C.linspace(start, stop, num + 1, dtype=dtype, device=device)[:num]


def meshgrid(*arrays, indexing="xy"):
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid(): indexing must be 'xy' or 'ij', got {indexing!r}")
    return list(joining.meshgrid(*arrays, indexing=indexing))


def ones(shape, *, dtype=None, device=None):
    return C.ones(_shape(shape), dtype=dtype, device=device)


def ones_like(x, /, *, dtype=None, device=None):
    return C.ones_like(x, dtype=dtype, device=device)


def zeros(shape, *, dtype=None, device=None):
    return C.zeros(_shape(shape), dtype=dtype, device=device)


def zeros_like(x, /, *, dtype=None, device=None):
    return C.zeros_like(x, dtype=dtype, device=device)


def tril(x, /, *, k=0):
    return selecting.tril(x, k)


def triu(x, /, *, k=0):
    return selecting.triu(x, k)
