"""DLPack: tensors to and from other libraries, sharing memory (the Array API standard's
`__dlpack__`, `__dlpack_device__` and `from_dlpack`).

Export writes DLPack's structs by hand (dlpack_abi), not through numpy's or CuPy's own
`__dlpack__`: that way one path serves cpu and cuda alike, the simulated cuda device
(host memory that must still read as kDLCUDA), bfloat16 (kDLBfloat, which numpy lacks),
and the read-only flag. A capsule keeps the exported tensor, so its storage, alive until
the consumer calls the deleter.

Streams: tensorrt_mini queues its kernels on CuPy's current stream (the legacy default
stream unless the user makes another current). `__dlpack__(stream=s)` makes the
consumer's stream s wait, with an event, for the work queued so far on that stream; -1
skips it, and None or 1 name the legacy default stream (no wait when that is the current
stream). `from_dlpack` passes its own current stream to a cuda producer in the same way.
"""
import ctypes
import math

import numpy as np

from .. import dtypes as D
from .._tensor import _new, clone_raw
from ..device import as_device
from ..layout import contiguous_strides
from ..storage import (CPUStorage, CUDAStorage, PinnedCPUStorage, ReadOnlyCPUStorage,
                       ReadOnlyCUDAStorage)
from . import dlpack_abi as abi
from .dlpack_abi import DLDataTypeCode as Code, DLDeviceType
from .memory_owner import MemoryOwner

# tm dtype name -> DLPack (type code, bits); bfloat16 storage holds exactly kDLBfloat's bits
_CODES = {"bool": (Code.kDLBool, 8), "uint8": (Code.kDLUInt, 8), "int8": (Code.kDLInt, 8),
          "int16": (Code.kDLInt, 16), "int32": (Code.kDLInt, 32), "int64": (Code.kDLInt, 64),
          "float16": (Code.kDLFloat, 16), "bfloat16": (Code.kDLBfloat, 16),
          "float32": (Code.kDLFloat, 32), "float64": (Code.kDLFloat, 64)}
_DTYPES = {code: getattr(D, name if name != "bool" else "bool_") for name, code in _CODES.items()}
_HOST = (DLDeviceType.kDLCPU, DLDeviceType.kDLCUDAHost)
_DEVICE = (DLDeviceType.kDLCUDA, DLDeviceType.kDLCUDAManaged)


# --- export ---------------------------------------------------------------------------

_exported = {}  # address of a managed struct -> (struct, shape, strides, tensor): alive until
# the consumer (or the unconsumed capsule's destructor) calls the deleter


def _release(address):
    _exported.pop(address, None)


_DELETER = abi.Deleter(_release)


def dlpack_device(t):
    """(DLDeviceType, device id) of t's memory, as Tensor.__dlpack_device__ reports it."""
    dev = t._storage.device
    if dev.type == "cuda":
        return (DLDeviceType.kDLCUDA, dev.index or 0)
    if isinstance(t._storage, PinnedCPUStorage):
        return (DLDeviceType.kDLCUDAHost, 0)  # torch's report of pinned memory
    return (DLDeviceType.kDLCPU, 0)


def to_dlpack(t, stream=None, max_version=None, dl_device=None, copy=None):
    """Tensor.__dlpack__: a capsule sharing t's memory (a copy when copy=True or when
    dl_device asks for host memory of a cuda tensor)."""
    if t._requires_grad:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    if stream is not None and type(stream) is not int:
        raise TypeError("stream must be ``int`` or ``none``")
    device = dlpack_device(t)
    if device[0] != DLDeviceType.kDLCUDA and stream not in (None, -1):
        raise AssertionError("stream should be None on cpu.")
    copied = False
    if dl_device is not None and not _same_device(dl_device, device):
        if not (t._storage.device.type == "cuda" and int(dl_device[0]) == DLDeviceType.kDLCPU):
            raise BufferError(f"cannot export a tensor on {t.device} to DLPack device "
                              f"{tuple(int(x) for x in dl_device)}")
        if copy is False:
            raise BufferError(f"exporting a tensor on {t.device} to host memory needs a copy, "
                              "and copy=False forbids one")
        t, device, copied = t.cpu(), (DLDeviceType.kDLCPU, 0), True  # the download waits
    elif copy:
        t, copied = clone_raw(t), True
    if device[0] == DLDeviceType.kDLCUDA:  # (a host copy has waited for its download)
        _order_streams(stream)
    versioned = max_version is not None and tuple(max_version)[0] >= 1
    read_only = t._storage.read_only and not copied
    if read_only and not versioned:
        raise BufferError("cannot export a read-only tensor as a legacy DLPack capsule, which "
                          "cannot say it is read-only: the consumer must ask for DLPack 1.0 "
                          "or later (max_version=(1, 0)), or clone() the tensor first")
    if versioned:
        managed = abi.DLManagedTensorVersioned()
        managed.version = abi.DLPackVersion(1, 1 if tuple(max_version) >= (1, 1) else 0)
        managed.flags = (abi.FLAG_READ_ONLY if read_only else 0) | (
            abi.FLAG_IS_COPIED if copied else 0)
    else:
        managed = abi.DLManagedTensor()
    ndim = len(t._shape)
    shape = (ctypes.c_int64 * ndim)(*t._shape)
    strides = (ctypes.c_int64 * ndim)(*t._stride)
    dl = managed.dl_tensor
    dl.data = t.data_ptr()
    dl.device = abi.DLDevice(int(device[0]), device[1])
    dl.ndim = ndim
    dl.dtype = abi.DLDataType(*_CODES[t._dtype.name], 1)
    dl.shape = ctypes.cast(shape, ctypes.POINTER(ctypes.c_int64))
    dl.strides = ctypes.cast(strides, ctypes.POINTER(ctypes.c_int64))
    dl.byte_offset = 0
    managed.deleter = _DELETER
    address = ctypes.addressof(managed)
    _exported[address] = (managed, shape, strides, t)
    return abi.capsule_new(address, abi.VERSIONED if versioned else abi.LEGACY,
                           ctypes.cast(abi.CAPSULE_DESTRUCTOR, ctypes.c_void_p))


def _same_device(dl_device, device):
    """Whether DLPack device dl_device is `device` (pinned host memory is host memory)."""
    def host_as_cpu(kind):
        return DLDeviceType.kDLCPU if kind == DLDeviceType.kDLCUDAHost else kind
    kind, index = (int(x) for x in dl_device)
    return (host_as_cpu(kind), index) == (host_as_cpu(int(device[0])), device[1])


def _order_streams(stream):
    """The handshake: the consumer's stream waits for the work queued on ours."""
    if stream == -1:
        return
    if stream == 0:
        raise ValueError("stream 0 is ambiguous for CUDA in DLPack: pass 1 for the legacy "
                         "default stream, 2 for the per-thread default stream, or a stream "
                         "handle")
    from ..backends import cuda_runtime
    cuda_runtime.runtime().wait_for_current(1 if stream is None else stream)


# --- import -----------------------------------------------------------------------------

def from_dlpack(ext_tensor, *, device=None, copy=None):
    """A tensor sharing the memory of `ext_tensor`: an object with `__dlpack__` (a numpy
    array, a torch or CuPy tensor, a tm tensor) or a DLPack capsule. device=: where the
    result lives (a copy when that is elsewhere); copy=True always copies, copy=False
    never (ValueError where it would have to)."""
    target = None if device is None else as_device(device)
    if not hasattr(ext_tensor, "__dlpack__"):
        t = import_capsule(ext_tensor)
        return _placed(clone_raw(t) if copy else t, target, copy)
    source = tuple(int(x) for x in ext_tensor.__dlpack_device__())
    kwargs = {"max_version": abi.VERSION}
    if copy is not None:
        kwargs["copy"] = copy
    if target is not None:
        wanted = _dl_device_of(target)
        cross = (DLDeviceType.kDLCPU if source[0] == DLDeviceType.kDLCUDAHost else source[0],
                 source[1]) != wanted
        if cross and copy is False:
            raise ValueError(f"cannot move DLPack tensor from device {source} to {wanted} "
                             "without copying. Set copy=None or copy=True.")
        if not cross:
            kwargs["dl_device"] = wanted
    if source[0] in _DEVICE:
        from ..backends import cuda_runtime
        kwargs["stream"] = cuda_runtime.runtime().current_stream()
    try:
        capsule = ext_tensor.__dlpack__(**kwargs)
        producer_copied = True
    except TypeError:  # a producer older than the standard's max_version/dl_device/copy
        capsule = ext_tensor.__dlpack__(**{k: v for k, v in kwargs.items() if k == "stream"})
        producer_copied = False
    t = import_capsule(capsule)
    if copy and not producer_copied:
        t = clone_raw(t)
    return _placed(t, target, copy)


def _placed(t, target, copy):
    if target is None or t._storage.device == target:
        return t
    return t.to(target)


def _dl_device_of(dev):
    if dev.type == "cuda":
        return (int(DLDeviceType.kDLCUDA), dev.index or 0)
    return (int(DLDeviceType.kDLCPU), 0)


def import_capsule(capsule):
    """The tensor a DLPack capsule holds, sharing its memory; the capsule is consumed."""
    if abi.capsule_is_valid(capsule, abi.VERSIONED):
        name, used, struct = abi.VERSIONED, abi.USED_VERSIONED, abi.DLManagedTensorVersioned
    elif abi.capsule_is_valid(capsule, abi.LEGACY):
        name, used, struct = abi.LEGACY, abi.USED_LEGACY, abi.DLManagedTensor
    else:
        raise RuntimeError("from_dlpack received an invalid capsule. Note that DLTensor capsules "
                           "can be consumed only once, so you might have already constructed a "
                           "tensor from it once.")
    address = abi.capsule_pointer(capsule, name)
    managed = struct.from_address(address)
    read_only = False
    if struct is abi.DLManagedTensorVersioned:
        if managed.version.major > abi.VERSION[0]:
            raise BufferError(f"DLPack {managed.version.major}.{managed.version.minor} is newer "
                              f"than this consumer's {abi.VERSION[0]}.{abi.VERSION[1]}")
        read_only = bool(managed.flags & abi.FLAG_READ_ONLY)
    dl = managed.dl_tensor
    dtype = _dtype_of(dl.dtype)
    kind = dl.device.device_type
    if kind not in _HOST and kind not in _DEVICE:
        raise BufferError(f"DLPack device type {kind} is not one tensorrt_mini holds (cpu, "
                          "cuda)")
    shape = tuple(dl.shape[i] for i in range(dl.ndim))
    strides = (tuple(dl.strides[i] for i in range(dl.ndim)) if dl.strides
               else contiguous_strides(shape))
    numel = math.prod(shape)
    if numel and min(strides, default=0) < 0:
        raise BufferError(f"DLPack tensor has negative strides {list(strides)}, which tensors "
                          "cannot hold")
    span = 0 if numel == 0 else 1 + sum((n - 1) * s for n, s in zip(shape, strides))
    data = (dl.data or 0) + dl.byte_offset
    abi.capsule_set_name(capsule, used)  # ours from here: the owner calls the deleter
    deleter = managed.deleter
    owner = MemoryOwner(data, span * dtype.itemsize,
                        release=(lambda: deleter(address)) if deleter else None)
    if kind in _HOST:
        storage = _host_storage(owner, span, dtype, read_only)
    else:
        storage = _device_storage(owner, data, span, dtype, dl.device.device_id, read_only)
    return _new(storage, shape, strides if numel else contiguous_strides(shape), 0)


def _dtype_of(dl_dtype):
    dtype = _DTYPES.get((dl_dtype.code, dl_dtype.bits))
    if dtype is None or dl_dtype.lanes != 1:
        raise BufferError(f"DLPack dtype (code {dl_dtype.code}, {dl_dtype.bits} bits, "
                          f"{dl_dtype.lanes} lanes) has no tensorrt_mini dtype")
    return dtype


def _host_storage(owner, span, dtype, read_only):
    array = np.asarray(owner).view(dtype.np) if span else np.empty(0, dtype.np)
    return (ReadOnlyCPUStorage if read_only else CPUStorage)(array, dtype)


def _device_storage(owner, data, span, dtype, device_id, read_only):
    from ..backends import cuda_runtime
    rt = cuda_runtime.runtime()
    buffer = rt.wrap(data, span, dtype.np, owner) if span else rt.empty(0, dtype.np)
    cls = ReadOnlyCUDAStorage if read_only else CUDAStorage
    return cls(buffer, dtype, as_device(f"cuda:{device_id}"), rt.address(buffer), span)
