"""Storage: one flat, typed, contiguous block of memory on one device.

Tensors are views over a Storage. Several tensors may share one; the storage carries
the version counter that autograd's in-place checks read, so a write through any view
bumps it for all of them.
"""
import numpy as np

from .device import CPU, as_device
from .dtypes import TYPE_NAMES, host_values, storage_values
from .names import NAMESPACE
from .printing import format_storage


READ_ONLY = ("cannot write to a read-only tensor: its memory is shared with a read-only "
             "owner (a non-writable NumPy array, or a DLPack capsule flagged read-only). "
             "clone() it first, or make the owner writable before sharing it.")


class Storage:
    """The device-agnostic interface. Subclasses hold the memory."""

    __slots__ = ("dtype", "device", "_version", "__weakref__")
    # Memory a tensor may read but never write (a read-only NumPy array or DLPack import):
    # a class attribute, so ordinary storages pay nothing for it
    read_only = False

    def __init__(self, dtype, device):
        self.dtype = dtype
        self.device = device
        self._version = 0

    # -- what each device provides -------------------------------------------------
    def size(self):
        raise NotImplementedError

    def data_ptr(self):
        raise NotImplementedError

    def to_host(self):
        """The values as a 1-D numpy array (a copy unless the device is the host)."""
        raise NotImplementedError

    def fill_(self, value):
        raise NotImplementedError

    # -- shared behaviour ----------------------------------------------------------
    def __len__(self):
        return self.size()

    def element_size(self):
        return self.dtype.itemsize

    def nbytes(self):
        return self.size() * self.dtype.itemsize

    def tolist(self):
        return host_values(self.to_host(), self.dtype).tolist()

    def __iter__(self):
        return iter(self.tolist())

    def __getitem__(self, i):
        n = self.size()
        if isinstance(i, slice):
            return host_values(self.to_host()[i], self.dtype).tolist()
        if not -n <= i < n:
            raise IndexError(f"index {i} out of range for storage of size {n}")
        return host_values(self.to_host()[i:i + 1 or None], self.dtype)[0].item()

    def _stored(self, value):
        """A number as this storage holds it (bfloat16: its bits, rounded as torch rounds)."""
        return storage_values(value, self.dtype) if self.dtype.is_half else value

    def type_name(self):
        prefix = f"{NAMESPACE}.cuda." if self.device.type == "cuda" else f"{NAMESPACE}."
        return f"{prefix}{TYPE_NAMES[self.dtype.name]}Storage"

    def __repr__(self):
        return format_storage(self.dtype, self.device, host_values(self.to_host(), self.dtype))

    __str__ = __repr__


class CPUStorage(Storage):
    """Host memory: a 1-D numpy array, shared zero-copy with numpy."""

    __slots__ = ("array",)

    def __init__(self, array, dtype):
        # set directly rather than through Storage.__init__: every op allocates one
        self.dtype = dtype
        self.device = CPU
        self._version = 0
        self.array = array

    def __reduce__(self):
        # numpy pickles the memory; the copy's device is the shared cpu device again
        return CPUStorage, (self.array, self.dtype)

    def size(self):
        return self.array.shape[0]

    def data_ptr(self):
        return self.array.ctypes.data

    def to_host(self):
        return self.array

    def fill_(self, value):
        self.array.fill(self._stored(value))
        self._version += 1
        return self

    def __setitem__(self, i, value):
        self.array[i] = self._stored(value)
        self._version += 1

    def resize_(self, n):
        """Grow to n elements in place, keeping the values (every view sees the new memory,
        as torch's resize_ of a shared storage does); the new elements are uninitialised."""
        if n > self.size():
            grown = np.empty(n, self.array.dtype)
            grown[:self.size()] = self.array
            self.array = grown
        return self


class ReadOnlyCPUStorage(CPUStorage):
    """Host memory shared with a read-only owner (a non-writable NumPy array, a DLPack
    capsule flagged read-only). `array` is a writable alias, so kernels read it as any
    other; every write path refuses it first (ops.elementwise.check_writable)."""

    __slots__ = ()
    read_only = True

    def fill_(self, value):
        raise RuntimeError(READ_ONLY)

    def __setitem__(self, i, value):
        raise RuntimeError(READ_ONLY)


class PinnedCPUStorage(CPUStorage):
    """Page-locked host memory (Tensor.pin_memory): a numpy array over a block of CuPy's
    pinned-memory pool, which the GPU's copy engines read without a staging copy, so a
    copy from it to the GPU can run asynchronously. (Under the simulator, ordinary memory
    standing in for it.) A pickled copy is ordinary memory again, as CPUStorage pickles."""

    __slots__ = ()


class CUDAStorage(Storage):
    """Device memory: a block of CuPy's memory pool (a cupy MemoryPointer, untyped), its
    element count and its device address (kernels take addresses). Under Numba's CUDA
    simulator (NUMBA_ENABLE_CUDASIM=1) the cuda device runs on the CPU and the buffer is a
    1-D numpy array instead. Reads and writes go through the cuda runtime, which knows
    which it holds."""

    __slots__ = ("buffer", "ptr", "numel")

    def __init__(self, buffer, dtype, device, ptr, numel):
        # Storage.__init__'s fields set here: one call less per tiny cuda op (~0.1 µs)
        self.dtype = dtype
        self.device = device
        self._version = 0
        self.buffer = buffer
        self.ptr = ptr
        self.numel = numel

    def size(self):
        return self.numel

    def data_ptr(self):
        return self.ptr

    def __reduce__(self):
        # the values, as a tensor pickles: a copy (deepcopy, pickle) gets memory of its own
        return _cuda_storage, (self.to_host(), self.device, self.dtype)

    def to_host(self):
        return _runtime().download(self.buffer, self.dtype.np, 0, self.numel)

    def _array(self):
        """The whole storage as a 1-D CuPy (or, simulated, numpy) array."""
        return _runtime().view(self.buffer, self.dtype.np, 0, (self.numel,), (1,))

    def fill_(self, value):
        self._array().fill(self._stored(value))
        self._version += 1
        return self

    def __setitem__(self, i, value):
        self._array()[i] = self._stored(value)
        self._version += 1

    def resize_(self, n):
        if n > self.numel:
            rt = _runtime()
            buffer = rt.empty(n, self.dtype.np)
            rt.view(buffer, self.dtype.np, 0, (self.numel,), (1,))[...] = self._array()
            self.buffer, self.ptr, self.numel = buffer, rt.address(buffer), n
        return self


class ReadOnlyCUDAStorage(CUDAStorage):
    """Device memory imported with DLPack's read-only flag: read, never written."""

    __slots__ = ()
    read_only = True
    fill_ = ReadOnlyCPUStorage.fill_  # the refusals, not CPUStorage's writes
    __setitem__ = ReadOnlyCPUStorage.__setitem__


def _runtime():
    # the cuda runtime (CuPy, or numpy under the simulator) holds a CUDAStorage's memory;
    # it is imported with the first cuda storage, as the cuda device itself is
    from .backends import cuda_runtime
    return cuda_runtime.runtime()


def _cuda_storage(values, device, dtype):
    """A CUDAStorage of dtype holding `values` (a 1-D numpy array): unpickling one."""
    rt = _runtime()
    buffer = rt.upload(values)
    return CUDAStorage(buffer, dtype, as_device(device),
                       rt.address(buffer), values.size)


# --- one block of memory seen as another dtype: a complex tensor's real views --------------

def _shared_version(storage_cls):
    """storage_cls's variant whose version counter is its `owner`'s: a write through either
    is a write to both, for autograd's checks."""
    def get(self):
        return self.owner._version

    def put(self, value):
        self.owner._version = value
    return type(f"Aliased{storage_cls.__name__}", (storage_cls,),
                {"__slots__": ("owner",), "_version": property(get, put)})


_AliasedCPU = _shared_version(CPUStorage)
_AliasedCUDA = _shared_version(CUDAStorage)


def reinterpret(storage, dtype):
    """A storage of `dtype` over `storage`'s memory (a complex storage as twice as many
    floats of its parts' type, or back), sharing its version counter."""
    owner = getattr(storage, "owner", storage)
    if isinstance(storage, CPUStorage):
        out = object.__new__(_AliasedCPU)
        out.array = storage.array.view(dtype.np)
    else:
        out = object.__new__(_AliasedCUDA)
        out.buffer = _runtime().reinterpret(storage.buffer, dtype.np)
        out.ptr = storage.ptr
        out.numel = storage.numel * storage.dtype.itemsize // dtype.itemsize
    out.owner = owner
    out.dtype = dtype
    out.device = storage.device
    return out
