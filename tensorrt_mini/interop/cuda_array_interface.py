"""The CUDA array interface, version 3 (Numba's protocol, read by CuPy, Numba, JAX and
others): `Tensor.__cuda_array_interface__` on cuda tensors, and tensors sharing the
memory of any object that has one.

`stream` is the stream tensorrt_mini's kernels are queued on (CuPy's current stream, 1
for the legacy default stream): a consumer orders its reads after it. Importing an array
whose interface names a stream makes the current stream wait for that stream's work.
"""
import math

import numpy as np

from .. import dtypes as D
from .._tensor import _new
from ..device import as_device
from ..layout import contiguous_strides, is_contiguous
from ..storage import CUDAStorage, ReadOnlyCUDAStorage
from .memory_owner import MemoryOwner


def cuda_array_interface(t):
    """Tensor.__cuda_array_interface__; AttributeError for a tensor not on cuda, so that
    consumers see a host tensor as one without the interface."""
    if t._storage.device.type != "cuda":
        raise AttributeError(f"a tensor on {t.device} has no __cuda_array_interface__: "
                             "it is not in CUDA memory")
    if t._requires_grad:
        raise RuntimeError("Can't get __cuda_array_interface__ on Variable that requires grad. "
                           "If gradients aren't required, use var.detach() to get Variable "
                           "that doesn't require grad.")
    if t._dtype is D.bfloat16:
        raise TypeError("a bfloat16 tensor has no __cuda_array_interface__: its typestr "
                        "would be numpy's, which has no bfloat16 (use DLPack)")
    from ..backends import cuda_runtime
    item = t._dtype.itemsize
    return {"shape": tuple(t._shape), "typestr": t._dtype.np.str,
            "strides": None if is_contiguous(t._shape, t._stride)
            else tuple(s * item for s in t._stride),
            "data": (t.data_ptr() if t.numel() else 0, t._storage.read_only),
            "version": 3, "stream": cuda_runtime.runtime().current_stream()}


def from_cuda_array_interface(obj):
    """A cuda tensor sharing the memory that obj's __cuda_array_interface__ describes
    (obj is kept alive with it)."""
    from ..backends import cuda_runtime
    desc = obj.__cuda_array_interface__
    if desc.get("mask") is not None:
        raise TypeError("masked CUDA arrays (__cuda_array_interface__ with a mask) have no "
                        "tensor form")
    dtype = D.from_numpy_dtype(np.dtype(desc["typestr"]))
    shape = tuple(desc["shape"])
    item = dtype.itemsize
    byte_strides = desc.get("strides")
    if byte_strides is None:
        strides = contiguous_strides(shape)
    else:
        if any(s % item or s < 0 for s in byte_strides):
            raise ValueError(f"strides {list(byte_strides)} (bytes) are not non-negative "
                             f"multiples of the {item}-byte element size")
        strides = tuple(s // item for s in byte_strides)
    data, read_only = desc["data"]
    rt = cuda_runtime.runtime()
    stream = desc.get("stream")
    if stream is not None:
        rt.current_waits_for(stream)
    numel = math.prod(shape)
    span = 0 if numel == 0 else 1 + sum((n - 1) * s for n, s in zip(shape, strides))
    if span:
        owner = MemoryOwner(data, span * item, keep=obj)
        buffer = rt.wrap(data, span, dtype.np, owner)
    else:
        buffer = rt.empty(0, dtype.np)
    device = as_device(f"cuda:{_device_of(obj)}")
    storage = (ReadOnlyCUDAStorage if read_only else CUDAStorage)(buffer, dtype, device, rt.address(buffer), span)
    return _new(storage, shape, strides if numel else contiguous_strides(shape), 0)


def _device_of(obj):
    """The device id of a CUDA array: CuPy and Numba arrays say it; else the current."""
    dev = getattr(obj, "device", None)
    for attr in ("id", "index"):
        if isinstance(getattr(dev, attr, None), int):
            return getattr(dev, attr)
    return 0
