"""Creation functions: tensor, from_numpy, empty/zeros/ones/full, random, ranges, eye."""
import math
import numbers

import numpy as np

from . import backends
from . import dtypes as D
from .device import as_device
from .layout import check_fits, contiguous_strides
from .ops.elementwise import (_TORCH_TYPE_NAMES, check_no_internal_overlap, fill_range,
                              fill_scalar)
from .random import generator_or_default
from .interop.foreign import is_foreign_array, shared_tensor
from .interop.memory_owner import MemoryOwner
from .storage import CPUStorage, ReadOnlyCPUStorage, Storage
from ._tensor import Tensor, _new, empty_strided_like, empty_tensor
from .user_warnings import warn


def _finish(t, requires_grad):
    if requires_grad:
        t.requires_grad_(True)
    return t


def _size_args(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if all(type(n) is int for n in size) and min(size, default=0) >= 0:
        return tuple(size)  # the common call, without the checks' isinstance on an ABC
    out = []
    for n in size:
        if isinstance(n, bool) or not isinstance(n, (numbers.Integral, Tensor)):
            raise TypeError(f"empty(): argument 'size' must be tuple of ints, but found element of "
                            f"type {type(n).__name__}")
        out.append(int(n))
    if any(n < 0 for n in out):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(out)}: {out}")
    return tuple(out)


def _from_host_array(arr, device, dtype=None):
    """A contiguous tensor holding a copy (or, on the CPU, the memory) of numpy `arr`;
    dtype: the tm dtype of arr's values where its own does not say it (bfloat16)."""
    arr = np.asarray(arr, order="C")  # not ascontiguousarray: it turns 0-d into 1-d
    dev = as_device(device)
    storage = backends.get(dev.type).from_host(arr.reshape(-1), dev, dtype=dtype)
    return _new(storage, arr.shape, contiguous_strides(arr.shape), 0)


def _typed_host_array(arr, dtype, device):
    """A tensor of dtype holding numpy arr's values converted as torch converts them."""
    return _from_host_array(D.storage_values(arr, dtype), device, dtype)


# --- from data ------------------------------------------------------------------------

def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    dtype = None if dtype is None else D.as_dtype(dtype, "tensor")
    if is_foreign_array(data):  # read where it lies (torch's, CuPy's memory), then copied
        data = shared_tensor(data)
    if isinstance(data, Tensor):
        arr = data._host_values()
        inferred = data._dtype
        device = data._storage.device if device is None else device  # torch keeps its device
    elif isinstance(data, np.ndarray):
        arr = data
        inferred = D.from_numpy_dtype(data.dtype)
    else:
        arr, inferred = _array_from_nested(data)
    out_dtype = dtype or inferred
    if out_dtype.category == 1 and inferred is not out_dtype and arr.size \
            and not isinstance(data, (Tensor, np.ndarray)):
        _check_python_values_fit(arr, out_dtype)
    if out_dtype.is_half:
        arr = D.storage_values(arr, out_dtype)
        return _finish(_from_host_array(arr, device, out_dtype), requires_grad)
    with np.errstate(over="ignore"):  # float32 takes 1e39 as inf, silently, as torch
        arr = np.array(arr, dtype=out_dtype.np, copy=True)
    return _finish(_from_host_array(arr, device), requires_grad)


def as_tensor(data, dtype=None, device=None):
    if is_foreign_array(data):
        data = shared_tensor(data)
    if isinstance(data, Tensor):
        return data.to(dtype=dtype, device=device)
    if isinstance(data, np.ndarray) and (device is None or as_device(device).type == "cpu"):
        t = from_numpy(data)
        return t if dtype is None else t.to(dtype)
    return tensor(data, dtype=dtype, device=device)


def _check_python_values_fit(arr, dtype):
    """torch.tensor(python data, dtype=<an integer type>) refuses values out of its range
    (elementwise.fill_range, as fill_scalar)."""
    lo, hi = fill_range(dtype, arr.dtype.kind == "f")
    if not (np.isfinite(arr).all() and arr.min() >= lo and arr.max() <= hi):
        raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow")


def _array_from_nested(data):
    """numpy array and inferred tm dtype for nested Python sequences of scalars."""
    shape = _nested_shape(data)
    dtypes = set()
    flat = []
    _flatten_checked(data, shape, 0, flat, dtypes)
    # torch promotes the elements' own dtypes (Python scalars count as bool, int64 and
    # the default float; numpy scalars and tensors as their dtype)
    inferred = None
    for d in dtypes:
        inferred = d if inferred is None else D.promote_types(inferred, d)
    inferred = inferred or D.get_default_dtype()
    try:
        # Python floats and complexes at full precision: the requested dtype may be wider
        wide = np.float64 if inferred.is_floating_point else \
            np.complex128 if inferred.is_complex else inferred.np
        arr = np.array(flat, dtype=wide)
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None
    return arr.reshape(shape), inferred


# torch's limit on the dims of nested data (deeper lists raise its ValueError)
_MAX_NESTED_DIMS = 128


def _nested_shape(data):
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    shape = []
    while isinstance(data, (list, tuple, str, bytes)) or (isinstance(data, Tensor) and data._shape):
        if isinstance(data, Tensor):
            return tuple(shape) + tuple(data._shape)
        # torch reads a string as a sequence of strings, so one among the first elements
        # nests without end
        if isinstance(data, (str, bytes)) or len(shape) == _MAX_NESTED_DIMS:
            raise ValueError(f"too many dimensions '{type(data).__name__}'")
        shape.append(len(data))
        if not data:
            break
        data = data[0]
    return tuple(shape)


def _flatten_checked(data, shape, dim, flat, dtypes):
    if dim == len(shape):
        if isinstance(data, Tensor):
            if data.numel() != 1 or data._shape:
                raise ValueError("only one element tensors can be converted to Python scalars")
            dtypes.add(data._dtype)
            flat.append(data.item())
            return
        if isinstance(data, np.generic):
            dtypes.add(D.from_numpy_dtype(data.dtype))
        elif isinstance(data, bool):
            dtypes.add(D.bool_)
        elif isinstance(data, numbers.Integral):
            dtypes.add(D.int64)
        elif isinstance(data, numbers.Real):
            dtypes.add(D.get_default_dtype())
        elif isinstance(data, numbers.Complex):
            dtypes.add(D.default_complex())
        elif isinstance(data, (list, tuple)):
            raise TypeError(f"expected a scalar at dim {dim} (got a sequence of length {len(data)})")
        elif isinstance(data, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
        else:
            raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")
        flat.append(data)
        return
    if isinstance(data, Tensor):
        if tuple(data._shape) != tuple(shape[dim:]):
            raise ValueError(f"expected sequence of length {shape[dim]} at dim {dim} (got {data._shape[0] if data._shape else 0})")
        flat.extend(data.reshape(-1).tolist())
        dtypes.add(data._dtype)
        return
    if not isinstance(data, (list, tuple)):
        raise TypeError(f"not a sequence: expected one of length {shape[dim]} at dim {dim}, got "
                        f"{type(data).__name__}")
    if len(data) != shape[dim]:
        raise ValueError(f"expected sequence of length {shape[dim]} at dim {dim} (got {len(data)})")
    for item in data:
        _flatten_checked(item, shape, dim + 1, flat, dtypes)


def from_numpy(ndarray):
    """A tensor sharing `ndarray`'s memory (any non-negative strides). A non-writable array
    is shared too, as torch shares it, with torch's warning; where torch calls a write
    undefined behaviour, every write path here refuses it (Storage.read_only), so a
    read-only mapping is never written."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    read_only = not ndarray.flags.writeable
    if read_only:
        warn(_NOT_WRITABLE)
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
    if read_only:  # a writable alias for the kernels, which read it as any other memory
        owner = MemoryOwner(ndarray.ctypes.data, span * item, keep=ndarray)
        flat = np.asarray(owner).view(ndarray.dtype) if span else np.empty(0, ndarray.dtype)
        return _new(ReadOnlyCPUStorage(flat, dtype), tuple(ndarray.shape), strides, 0)
    flat = np.lib.stride_tricks.as_strided(ndarray, shape=(span,), strides=(item,))
    return _new(CPUStorage(flat, dtype), tuple(ndarray.shape), strides, 0)


_NOT_WRITABLE = (
    "The given NumPy array is not writable, and PyTorch does not support non-writable tensors. "
    "This means writing to this tensor will result in undefined behavior. You may want to copy "
    "the array to protect its data or make it writable before converting it to a tensor. This "
    "type of warning will be suppressed for the rest of this program.")


# --- filled -----------------------------------------------------------------------------

def _check_storage_size(size, dtype, numel, stride=None):
    """torch's error for a size whose bytes overflow int64, raised before any allocation."""
    if numel < 0 or numel * dtype.itemsize >= 1 << 63:
        what = f"sizes={list(size)}" + ("" if stride is None else f" and strides={list(stride)}")
        raise RuntimeError(f"Storage size calculation overflowed with {what}")


def _make(fn, size, dtype, device, requires_grad, fill=None):
    dtype = D.get_default_dtype() if dtype is None else D.as_dtype(dtype, fn)
    size = _size_args(size)
    _check_storage_size(size, dtype, math.prod(size))
    dev = as_device(device)
    t = empty_tensor(size, dtype, dev)
    if fill is not None:
        backends.get(dev.type).fill_(t, fill_scalar(fill, dtype))
    return _finish(t, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None, pin_memory=False):
    return _make("empty", size, dtype, device, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _make("zeros", size, dtype, device, requires_grad, 0)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _make("ones", size, dtype, device, requires_grad, 1)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = D.scalar_dtype(fill_value)
    if isinstance(size, int):
        size = (size,)
    return _make("full", (tuple(size),), dtype, device, requires_grad, fill_value)


def empty_strided(size, stride, dtype=None, device=None, requires_grad=False):
    size = _size_args((tuple(size),))
    dtype = D.get_default_dtype() if dtype is None else D.as_dtype(dtype, "empty_strided")
    dev = as_device(device)
    stride = tuple(stride)
    need = 0 if math.prod(size) == 0 else 1 + sum((n - 1) * s for n, s in zip(size, stride))
    # a negative stride leaves the elements before the storage: torch counts it an overflow
    _check_storage_size(size, dtype, need if min(stride, default=0) >= 0 else -1, stride)
    storage = backends.get(dev.type).empty(need, dtype, dev)
    return _finish(_new(storage, size, tuple(stride), 0), requires_grad)


def _like(fn, input, dtype, device):
    """A fresh tensor shaped like input, in input's memory order (torch's preserve_format)."""
    dtype = input._dtype if dtype is None else D.as_dtype(dtype, fn)
    dev = input.device if device is None else as_device(device)
    return empty_strided_like(input._shape, dtype, dev, input)


def empty_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _finish(_like("empty_like", input, dtype, device), requires_grad)


def zeros_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _full_like("zeros_like", input, 0, dtype, device, requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _full_like("ones_like", input, 1, dtype, device, requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False, memory_format=None):
    return _full_like("full_like", input, fill_value, dtype, device, requires_grad)


def _full_like(fn, input, fill_value, dtype, device, requires_grad):
    t = _like(fn, input, dtype, device)
    backends.get(t.device.type).fill_(t, fill_scalar(fill_value, t._dtype))
    return _finish(t, requires_grad)


# --- random ---------------------------------------------------------------------------

def _float_dtype(dtype, kernel, fn):
    dtype = D.get_default_dtype() if dtype is None else D.as_dtype(dtype, fn)
    if not dtype.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_TORCH_TYPE_NAMES[dtype.name]}'")
    return dtype


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    t = _make("rand", size, _float_dtype(dtype, "check_uniform_bounds", "rand"), device, False)
    return _finish(uniform_(t, 0.0, 1.0, generator), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    t = _make("randn", size, _float_dtype(dtype, "normal_kernel_cpu", "randn"), device, False)
    return _finish(normal_(t, 0.0, 1.0, generator), requires_grad)


def randint(*args, low=None, high=None, size=None, generator=None, dtype=None, device=None,
            requires_grad=False):
    """randint(high, size) or randint(low, high, size), any of them by keyword."""
    args = args + tuple(v for v in (low, high, size) if v is not None)
    if len(args) == 2:
        low, (high, size) = 0, args
    elif len(args) == 3:
        low, high, size = args
    else:
        raise TypeError("randint() expects (high, size) or (low, high, size)")
    t = _make("randint", (tuple(size),), D.int64 if dtype is None else dtype, device, False)
    return _finish(random_ints_(t, int(low), int(high), generator), requires_grad)


def random_ints_(t, low, high, generator):
    """t filled with integers uniform in [low, high), as torch's random_(low, high)."""
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if t._dtype.is_floating_point:  # bounds the dtype cannot hold move inwards, as torch's do
        low, high = _exact_from(low, t._dtype), _exact_to(high, t._dtype)
        if high <= low:
            raise RuntimeError("random_ expects 'from' casted to dtype to be less than 'to' "
                               f"casted to dtype, but got from={low} >= to={high}")
    check_random_bounds(t._dtype, low, high - 1)
    if t.numel():
        backends.get(t.device.type).random_integers_(t, low, high, generator_or_default(generator))
        t._storage._version += 1
    return t


def _exact_from(low, dtype):
    """The least int64 >= low whose dtype value is still >= low (torch's update_from)."""
    up = int(D.rounded(low + 1, dtype))
    if up < low:
        low = up + (1 << (abs(low + 1).bit_length() - 1 - D.finfo(dtype).nmant))
    return low


def _exact_to(high, dtype):
    """torch's update_to: `to` moved down where to - 1 rounds up to it or past in dtype."""
    down = int(D.rounded(high - 1, dtype))
    if down >= high:
        high = down - (1 << (abs(high - 1).bit_length() - 1 - D.finfo(dtype).nmant))
    return high


def check_random_bounds(dtype, low, high_inclusive):
    """torch's check that random_'s bounds fit the tensor's dtype."""
    if dtype.is_floating_point:
        lo, hi = float(D.finfo(dtype).min), float(D.finfo(dtype).max)
    elif dtype is D.bool_:
        lo, hi = 0, 1
    else:
        lo, hi = int(np.iinfo(dtype.np).min), int(np.iinfo(dtype.np).max)
    name = _C_TYPE_NAMES[dtype.name]
    if not lo <= low <= hi:
        raise RuntimeError(f"from is out of bounds for {name}")
    if not lo <= high_inclusive <= hi:
        raise RuntimeError(f"to - 1 is out of bounds for {name}")


# how torch names a dtype in random_'s bounds errors (its C++ type)
_C_TYPE_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char",
                 "int16": "short int", "int32": "int", "int64": "long int",
                 "float32": "float", "float64": "double", "float16": "c10::Half",
                 "bfloat16": "c10::BFloat16"}


def rand_like(input, dtype=None, device=None, requires_grad=False, memory_format=None,
              generator=None):
    dtype = _float_dtype(dtype or input._dtype, "check_uniform_bounds", "rand_like")
    t = _like("rand_like", input, dtype, device)
    return _finish(uniform_(t, generator=generator), requires_grad)


def randn_like(input, dtype=None, device=None, requires_grad=False, memory_format=None,
               generator=None):
    dtype = _float_dtype(dtype or input._dtype, "normal_kernel_cpu", "randn_like")
    t = _like("randn_like", input, dtype, device)
    return _finish(normal_(t, generator=generator), requires_grad)


def randint_like(input, low=0, high=None, dtype=None, device=None, requires_grad=False,
                 memory_format=None, generator=None):
    if high is None:
        low, high = 0, low
    t = _like("randint_like", input, dtype, device)
    return _finish(random_ints_(t, int(low), int(high), generator), requires_grad)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False):
    dtype = D.int64 if dtype is None else D.as_dtype(dtype, "randperm")
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    if dtype is D.bool_:
        raise NotImplementedError("\"randperm\" not implemented for 'Bool'")
    if n and not dtype.is_floating_point and n - 1 > np.iinfo(dtype.np).max:
        raise RuntimeError(f"value cannot be converted to type {dtype.name}_t without overflow")
    perm = backends.get("cpu").randperm(n, generator_or_default(generator))
    return _finish(_typed_host_array(perm, dtype, device), requires_grad)


def uniform_(t, low=0.0, high=1.0, generator=None):
    _float_dtype(t._dtype, "check_uniform_bounds", "uniform_")
    biggest = float(D.finfo(t._dtype).max)
    for name, value in (("from", low), ("to", high)):
        if not -biggest <= value <= biggest:
            raise RuntimeError(f"{name} is out of bounds for {_C_TYPE_NAMES[t._dtype.name]}")
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low} > to={high}")
    if high - low > biggest:
        kind = "Float" if t._dtype is D.float32 else "Double"
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{kind}>::max(), but "
                           f"found to={high:g} and from={low:g} which result in to-from to exceed "
                           "the limit")
    check_no_internal_overlap(t)
    if t.numel():
        backend = backends.get(t.device.type)
        backend.uniform_(t, low, high, generator_or_default(generator))
        if t._dtype.is_half:  # a float32 draw that rounds up to `to` is `from`, as in torch
            top = empty_tensor(t._shape, D.bool_, t.device)
            backend.binary_scalar("eq", top, t, np.float32(D.rounded(high, t._dtype)))
            backend.where(t, top, np.float32(D.rounded(low, t._dtype)), t)
        t._storage._version += 1
    return t


def normal_(t, mean=0.0, std=1.0, generator=None):
    _float_dtype(t._dtype, "normal_kernel_cpu", "normal_")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    check_no_internal_overlap(t)
    if t.numel():
        backends.get(t.device.type).normal_(t, mean, std, generator_or_default(generator))
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
    if not all(math.isfinite(v) for v in values):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    is_int = all(isinstance(v, numbers.Integral) for v in values)
    if dtype is None:
        dtype = D.int64 if is_int else D.get_default_dtype()
    else:
        dtype = D.as_dtype(dtype, "arange")
    if dtype is D.bool_:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    if dtype is D.float32:
        arr = _arange_float32(start, step, max(math.ceil((end - start) / step), 0))
    elif dtype.is_floating_point:
        n = max(math.ceil((end - start) / step), 0)
        arr = np.arange(n, dtype=np.float64) * step + start  # torch computes in double
    else:
        start, end, step = int(start), int(end), int(step)  # torch truncates all three
        if step == 0:
            raise ValueError("step must be nonzero")
        arr = np.arange(start, end, step, dtype=np.int64)
    return _finish(_typed_host_array(arr, dtype, device), requires_grad)


def _arange_float32(start, step, n):
    """torch's float32 arange on x86 CPUs, bit for bit: its vector loop fills runs of 8
    (two at a time) from a base rounded to float32 (start + step * i0, in double), as
    base + k * step in double; the leftover tail is start + step * i, in double. So
    arange(-1, 1, 0.1)[10] is -2.9802e-09, not 0. (Checked on 2000 random ranges; a range
    past torch's 32768-element grain splits across threads, and may differ by an ulp.)"""
    i = np.arange(n, dtype=np.float64)
    vectorised = n // 16 * 16
    i0 = i[:vectorised] // 8 * 8
    base = (start + step * i0).astype(np.float32).astype(np.float64)
    out = np.empty(n, np.float32)
    out[:vectorised] = base + (i[:vectorised] - i0) * step
    out[vectorised:] = start + step * i[vectorised:]
    return out


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = D.get_default_dtype() if dtype is None else D.as_dtype(dtype, "linspace")
    i = np.arange(steps, dtype=np.float64)
    if steps > 1:
        step = (end - start) / (steps - 1)
        # from both ends, so the last value is exactly `end`, as PyTorch computes it
        arr = np.where(i < steps // 2, start + i * step, end - (steps - 1 - i) * step)
    else:
        arr = np.full(steps, start, np.float64)
    if not dtype.is_floating_point:
        arr = np.trunc(arr)
    return _finish(_typed_host_array(arr, dtype, device), requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    m = n if m is None else m
    if n < 0 or m < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {min(n, m)}")
    dtype = D.get_default_dtype() if dtype is None else D.as_dtype(dtype, "eye")
    return _finish(_typed_host_array(np.eye(n, m), dtype, device), requires_grad)


def rebuild(cls, values, device, requires_grad):
    """A pickled tensor (Tensor.__reduce_ex__): its values on its device, of its class."""
    t = tensor(values, device=device)
    if cls is not Tensor:
        return cls(t, requires_grad)
    return t.requires_grad_(requires_grad)


def rebuild_view(cls, storage, offset, size, stride, requires_grad):
    """A pickled or loaded tensor: a view of `storage` (which the tensors pickled or saved
    with it share) of class cls. The layout may come from an untrusted file, so it is checked
    before any kernel can read through it."""
    if not isinstance(storage, Storage):
        raise TypeError(f"a tensor's storage must be a Storage, not {type(storage).__name__}")
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride) or not all(type(n) is int and n >= 0
                                            for n in (offset, *size, *stride)):
        raise RuntimeError(f"invalid saved tensor layout: sizes {list(size)}, strides "
                           f"{list(stride)}, storage offset {offset}")
    check_fits(size, stride, offset, storage.size(), storage.dtype.itemsize)
    t = _new(storage, size, stride, offset)
    if cls is not Tensor:
        return cls(t, requires_grad)
    return t.requires_grad_(requires_grad)


def legacy_new(cls, *args, device=None):
    """The legacy constructor: `Tensor(2, 3)` is uninitialised float32, `Tensor([[1, 2]])`
    copies data into float32."""
    dtype = D.get_default_dtype()
    if not args:  # Tensor() is an empty 1-D tensor
        args = (0,)
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        src = tensor(args[0], dtype=dtype, device=device)
    else:
        src = empty(*args, dtype=dtype, device=device)
    return _new(src._storage, src._shape, src._stride, src._offset, cls)
