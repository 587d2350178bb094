"""Creation functions: tensor, from_numpy, empty/zeros/ones/full, random, ranges, eye."""
import math
import numbers

import numpy as np

from . import backends
from . import dtypes as D
from .device import as_device
from .layout import contiguous_strides
from .random import default_generator
from ._tensor import Tensor, _new, empty_tensor


def _finish(t, requires_grad):
    if requires_grad:
        t.requires_grad_(True)
    return t


def _size_args(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for n in size:
        if isinstance(n, bool) or not isinstance(n, (numbers.Integral, Tensor)):
            raise TypeError(f"empty(): argument 'size' must be tuple of ints, but found element of "
                            f"type {type(n).__name__}")
        out.append(int(n))
    if any(n < 0 for n in out):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(out)}: {out}")
    return tuple(out)


def _from_host_array(arr, device):
    """A contiguous tensor holding a copy (or, on the CPU, the memory) of numpy `arr`."""
    arr = np.ascontiguousarray(arr)
    dev = as_device(device)
    storage = backends.get(dev.type).from_host(arr.reshape(-1), dev)
    return _new(storage, arr.shape, contiguous_strides(arr.shape), 0)


# --- from data ------------------------------------------------------------------------

def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    dtype = None if dtype is None else D.as_dtype(dtype)
    if isinstance(data, Tensor):
        arr = np.asarray(data)
        inferred = data._dtype
    elif isinstance(data, np.ndarray):
        arr = data
        inferred = D.from_numpy_dtype(data.dtype)
    else:
        arr, inferred = _array_from_nested(data)
    out_dtype = dtype or inferred
    arr = np.array(arr, dtype=out_dtype.np, copy=True)
    return _finish(_from_host_array(arr, device), requires_grad)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor):
        return data.to(dtype=dtype, device=device)
    if isinstance(data, np.ndarray) and (device is None or as_device(device).type == "cpu"):
        t = from_numpy(data)
        return t if dtype is None else t.to(dtype)
    return tensor(data, dtype=dtype, device=device)


def _array_from_nested(data):
    """numpy array and inferred tm dtype for nested Python sequences of scalars."""
    shape = _nested_shape(data)
    kinds = set()
    flat = []
    _flatten_checked(data, shape, 0, flat, kinds)
    if "f" in kinds:
        inferred = D.get_default_dtype()
    elif "i" in kinds:
        inferred = D.int64
    elif "b" in kinds:
        inferred = D.bool_
    else:
        inferred = D.get_default_dtype()
    np_dtype = {D.bool_: np.bool_, D.int64: np.int64}.get(inferred, np.float64)
    try:
        arr = np.array(flat, dtype=np_dtype).reshape(shape)
    except OverflowError:
        raise RuntimeError("Overflow when unpacking long") from None
    return arr, inferred


_KIND = {0: "b", 1: "i", 2: "f"}  # dtype category -> the scalar kind it stands for


def _nested_shape(data):
    shape = []
    while isinstance(data, (list, tuple)) or (isinstance(data, Tensor) and data._shape):
        if isinstance(data, Tensor):
            return tuple(shape) + tuple(data._shape)
        shape.append(len(data))
        if not data:
            break
        data = data[0]
    return tuple(shape)


def _flatten_checked(data, shape, dim, flat, kinds):
    if dim == len(shape):
        if isinstance(data, Tensor):
            if data.numel() != 1 or data._shape:
                raise ValueError("only one element tensors can be converted to Python scalars")
            kinds.add(_KIND[data._dtype.category])
            flat.append(data.item())
            return
        if isinstance(data, (bool, np.bool_)):
            kinds.add("b")
        elif isinstance(data, numbers.Integral):
            kinds.add("i")
        elif isinstance(data, numbers.Real):
            kinds.add("f")
        elif isinstance(data, (list, tuple)):
            raise ValueError(f"expected a scalar at dim {dim} (got a sequence of length {len(data)})")
        else:
            raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
        flat.append(data)
        return
    if isinstance(data, Tensor):
        if tuple(data._shape) != tuple(shape[dim:]):
            raise ValueError(f"expected sequence of length {shape[dim]} at dim {dim} (got {data._shape[0] if data._shape else 0})")
        flat.extend(data.reshape(-1).tolist())
        kinds.add(_KIND[data._dtype.category])
        return
    if not isinstance(data, (list, tuple)):
        raise ValueError(f"expected sequence of length {shape[dim]} at dim {dim} (got {type(data).__name__})")
    if len(data) != shape[dim]:
        raise ValueError(f"expected sequence of length {shape[dim]} at dim {dim} (got {len(data)})")
    for item in data:
        _flatten_checked(item, shape, dim + 1, flat, kinds)


def from_numpy(ndarray):
    """A tensor sharing `ndarray`'s memory (any non-negative strides)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    dtype = D.from_numpy_dtype(ndarray.dtype)
    if not ndarray.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte order. "
                         "Conversion between byte orders is currently not supported.")
    item = ndarray.itemsize
    if any(s < 0 for s in ndarray.strides):
        raise ValueError(
            "At least one stride in the given numpy array is negative, and tensors with negative "
            "strides are not currently supported. (You can probably work around this by making a "
            "copy of your array  with array.copy().) ")
    if any(s % item for s in ndarray.strides):
        raise ValueError("given numpy array strides not a multiple of the element byte size. Copy "
                         "the numpy array to reallocate the memory.")
    strides = tuple(s // item for s in ndarray.strides)
    span = 0 if ndarray.size == 0 else 1 + sum((n - 1) * s for n, s in zip(ndarray.shape, strides))
    flat = np.lib.stride_tricks.as_strided(ndarray, shape=(span,), strides=(item,))
    from .storage import CPUStorage
    return _new(CPUStorage(flat, dtype), tuple(ndarray.shape), strides, 0)


# --- filled -----------------------------------------------------------------------------

def _make(size, dtype, device, requires_grad, fill=None):
    dtype = D.get_default_dtype() if dtype is None else D.as_dtype(dtype)
    t = empty_tensor(_size_args(size), dtype, as_device(device))
    if fill is not None:
        backends.get(t.device.type).fill_(t, fill)
    return _finish(t, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None, pin_memory=False):
    return _make(size, dtype, device, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _make(size, dtype, device, requires_grad, 0)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _make(size, dtype, device, requires_grad, 1)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = D.scalar_dtype(fill_value)
    if isinstance(size, int):
        size = (size,)
    return _make((tuple(size),), dtype, device, requires_grad, fill_value)


def empty_strided(size, stride, dtype=None, device=None, requires_grad=False):
    size = _size_args((tuple(size),))
    dtype = D.get_default_dtype() if dtype is None else D.as_dtype(dtype)
    dev = as_device(device)
    need = 0 if math.prod(size) == 0 else 1 + sum((n - 1) * s for n, s in zip(size, stride))
    storage = backends.get(dev.type).empty(need, dtype, dev)
    return _finish(_new(storage, size, tuple(stride), 0), requires_grad)


def _like(fn, input, *args, dtype=None, device=None, requires_grad=False):
    return fn(*args, dtype=dtype or input._dtype, device=device or input.device,
              requires_grad=requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(empty, input, input._shape, dtype=dtype, device=device, requires_grad=requires_grad)


def zeros_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(zeros, input, input._shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _like(ones, input, input._shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False, memory_format=None):
    return full(input._shape, fill_value, dtype=dtype or input._dtype, device=device or input.device,
                requires_grad=requires_grad)


# --- random ---------------------------------------------------------------------------

def _float_dtype(dtype, fn):
    dtype = D.get_default_dtype() if dtype is None else D.as_dtype(dtype)
    if not dtype.is_floating_point:
        raise RuntimeError(f"\"{fn}\" not implemented for '{dtype.name}'")
    return dtype


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    t = _make(size, _float_dtype(dtype, "check_uniform_bounds"), device, False)
    return _finish(uniform_(t, 0.0, 1.0, generator), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    t = _make(size, _float_dtype(dtype, "normal_kernel_cpu"), device, False)
    return _finish(normal_(t, 0.0, 1.0, generator), requires_grad)


def randint(*args, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """randint(high, size) or randint(low, high, size)."""
    if size is not None:
        args = args + (size,)
    if len(args) == 2:
        low, (high, size) = 0, args
    elif len(args) == 3:
        low, high, size = args
    else:
        raise TypeError("randint() expects (high, size) or (low, high, size)")
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    t = _make((tuple(size),), D.int64 if dtype is None else dtype, device, False)
    gen = generator or default_generator
    if t.numel():
        backends.get(t.device.type).random_integers_(t, int(low), int(high), gen)
    return _finish(t, requires_grad)


def rand_like(input, dtype=None, device=None, requires_grad=False):
    return _like(rand, input, input._shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randn_like(input, dtype=None, device=None, requires_grad=False):
    return _like(randn, input, input._shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, dtype=None, device=None, requires_grad=False):
    if high is None:
        low, high = 0, low
    return randint(low, high, input._shape, dtype=dtype or input._dtype,
                   device=device or input.device, requires_grad=requires_grad)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False):
    gen = generator or default_generator
    perm = gen.numpy.permutation(n).astype((dtype and D.as_dtype(dtype).np) or np.int64)
    return _finish(_from_host_array(perm, device), requires_grad)


def uniform_(t, low=0.0, high=1.0, generator=None):
    if not t._dtype.is_floating_point:
        raise RuntimeError(f"\"check_uniform_bounds\" not implemented for '{t._dtype.name}'")
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low} > to={high}")
    if t.numel():
        backends.get(t.device.type).uniform_(t, low, high, generator or default_generator)
        t._storage._version += 1
    return t


def normal_(t, mean=0.0, std=1.0, generator=None):
    if not t._dtype.is_floating_point:
        raise RuntimeError(f"\"normal_kernel_cpu\" not implemented for '{t._dtype.name}'")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    if t.numel():
        backends.get(t.device.type).normal_(t, mean, std, generator or default_generator)
        t._storage._version += 1
    return t


# --- ranges -----------------------------------------------------------------------------

def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = values
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        is_int = all(isinstance(v, numbers.Integral) for v in values)
        dtype = D.int64 if is_int else D.get_default_dtype()
    dtype = D.as_dtype(dtype)
    n = max(math.ceil((end - start) / step), 0)
    arr = (np.arange(n, dtype=np.float64) * step + start) if dtype.is_floating_point or not \
        all(isinstance(v, numbers.Integral) for v in values) else np.arange(start, end, step, dtype=np.int64)
    return _finish(_from_host_array(arr.astype(dtype.np), device), requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = D.get_default_dtype() if dtype is None else D.as_dtype(dtype)
    i = np.arange(steps, dtype=np.float64)
    if steps > 1:
        step = (end - start) / (steps - 1)
        # from both ends, so the last value is exactly `end`, as PyTorch computes it
        arr = np.where(i < steps // 2, start + i * step, end - (steps - 1 - i) * step)
    else:
        arr = np.full(steps, start, np.float64)
    if not dtype.is_floating_point:
        arr = np.trunc(arr)
    return _finish(_from_host_array(arr.astype(dtype.np), device), requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    m = n if m is None else m
    if n < 0 or m < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {min(n, m)}")
    dtype = D.get_default_dtype() if dtype is None else D.as_dtype(dtype)
    return _finish(_from_host_array(np.eye(n, m, dtype=dtype.np), device), requires_grad)
