"""What the cuda device runs on: CuPy and an NVIDIA GPU, or Numba's CUDA simulator.

The cuda backend reaches memory and kernels only through `runtime()`, so its ops read the
same either way. On a GPU, buffers come from CuPy's memory pool and kernels are compiled
to PTX (tensorrt_mini.kernels.cuda) and launched through CuPy (~5.5 µs a launch, against
26-81 through Numba). Under the simulator (NUMBA_ENABLE_CUDASIM=1 before numba.cuda is
first imported) buffers are numpy arrays and kernels run on the CPU, so the whole cuda
path runs in CI.
"""
import bisect
import importlib.util
import re
import threading
import weakref
from pathlib import Path

import numpy as np
from numba import types
from numba.np.numpy_support import as_dtype

INSTALL = "pip install tensorrt_mini[cuda]"

_runtime = None


def unavailable():
    """Why the cuda device cannot run here, or None when it can."""
    if importlib.util.find_spec("numba_cuda") is None:
        return "numba-cuda is not installed"
    try:
        from ..kernels.cuda import compiler
    except Exception as e:  # numba-cuda raises ImportError without its CUDA bindings
        return f"numba-cuda does not import ({_first_line(e)})"
    if compiler.SIMULATOR:
        return None
    if importlib.util.find_spec("cupy") is None:
        return "CuPy is not installed"
    try:
        import cupy
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # CuPy reports a missing driver with several error types
        return f"no NVIDIA driver or GPU is usable ({_first_line(e)})"
    return None if count else "no CUDA GPU was found"


def is_available():
    return unavailable() is None


def runtime():
    """The runtime in use; a RuntimeError saying what is missing when there is none."""
    global _runtime
    if _runtime is None:
        why = unavailable()
        if why is not None:
            raise RuntimeError(
                f"device='cuda' is not available: {why}. Install the CUDA extras with "
                f"`{INSTALL}` (they need an NVIDIA GPU and driver), or set "
                "NUMBA_ENABLE_CUDASIM=1 before importing tensorrt_mini to run the cuda device "
                "on the CPU under Numba's simulator.")
        from ..kernels.cuda import compiler
        _runtime = Simulated() if compiler.SIMULATOR else CuPy()
    return _runtime


def _first_line(e):
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0]}" if text else type(e).__name__


def _bytes(n):
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} bytes" if unit == "bytes" else f"{n:.2f} {unit}"
        n /= 1024


class Simulated:
    """Numba's CUDA simulator: numpy buffers, kernels run as Python on the CPU.

    Kernels take device addresses here too (so the backend's launch path is the GPU's):
    `launch` maps each pointer argument back to the live buffer it points into, sliced at
    that element, as `compiler.simulate` expects."""

    def __init__(self):
        self._buffers = {}  # base address -> weak reference to a buffer made here
        self._bases = []    # the same addresses, sorted
        # re-entrant: a buffer freed while the lock is held calls back into forget()
        self._lock = threading.RLock()

    def adopt(self, buffer):
        """Track buffer, so that kernels can be given its address."""
        base = buffer.ctypes.data

        def forget(ref, base=base):
            # the buffer is being freed; a later buffer may reuse its address
            with self._lock:
                if self._buffers.get(base) is ref:
                    del self._buffers[base]
                    del self._bases[bisect.bisect_left(self._bases, base)]

        with self._lock:
            if base not in self._buffers:
                bisect.insort(self._bases, base)
            self._buffers[base] = weakref.ref(buffer, forget)
        return buffer

    def _array_at(self, address):
        with self._lock:
            i = bisect.bisect_right(self._bases, address) - 1
            base = self._bases[i] if i >= 0 else None
            buffer = self._buffers[base]() if i >= 0 else None
        if buffer is not None:
            offset, rest = divmod(address - base, buffer.itemsize)
            if rest == 0 and offset <= buffer.size:
                return buffer[offset:]
        raise ValueError(f"{address:#x} is not an element of a live cuda buffer")

    def empty(self, n, dtype):
        return self.adopt(np.empty(n, dtype))

    def upload(self, array):
        return self.adopt(np.array(array).reshape(-1))

    def download(self, buffer, start, stop):
        return buffer[start:stop].copy()

    def address(self, buffer):
        return buffer.ctypes.data

    def view(self, buffer, offset, shape, strides):
        item = buffer.itemsize
        return np.lib.stride_tricks.as_strided(buffer[offset:], shape,
                                               tuple(s * item for s in strides))

    def matmul(self, out, a, b):
        np.matmul(a, b, out=out)

    def device_name(self):
        return "Numba CUDA simulator"

    def synchronize(self):
        pass  # kernels run to completion when launched

    def launch(self, kernel, grid, block, args):
        """As CuPy.launch would pass them, checked, then run under the simulator."""
        from ..kernels.cuda import compiler
        if len(args) != len(kernel.argtypes):
            raise TypeError(f"{kernel.name} takes {len(kernel.argtypes)} arguments, "
                            f"got {len(args)}")
        for i, cast in scalar_casts(kernel.argtypes):
            args[i] = cast(args[i])
        for i, t in enumerate(kernel.argtypes):
            if isinstance(t, types.CPointer) or t == types.int64:
                # CuPy passes other numpy scalars in their own width (np.bool_: one byte)
                if type(args[i]) not in (int, bool, np.int64):
                    raise TypeError(f"{kernel.name}: argument {i} ({t}) must be an int, got "
                                    f"{type(args[i]).__name__}")
                if isinstance(t, types.CPointer):
                    args[i] = self._array_at(args[i])
        compiler.simulate(kernel, grid, block, args)


class CuPy:
    """A GPU through CuPy. A pointer argument is a device address."""

    def __init__(self, cupy=None):
        if cupy is None:
            import cupy
        self._cp = cupy
        cc = cupy.cuda.Device().compute_capability  # "90" for Hopper
        self.cc = (int(cc[:-1]), int(cc[-1]))
        self._functions = {}  # kernel name -> (CuPy function, scalar_casts)

    def empty(self, n, dtype):
        oom = self._cp.cuda.memory.OutOfMemoryError
        try:
            return self._cp.empty(n, dtype)
        except oom:
            # the pool keeps freed blocks for reuse; returning them may make room
            self._cp.get_default_memory_pool().free_all_blocks()
        try:
            return self._cp.empty(n, dtype)
        except oom:
            raise RuntimeError(
                f"CUDA out of memory: tried to allocate {_bytes(n * np.dtype(dtype).itemsize)} "
                "with no room left after freeing CuPy's cached blocks") from None

    def upload(self, array):
        buffer = self.empty(array.size, array.dtype)
        buffer.set(np.ascontiguousarray(array).reshape(-1))
        return buffer

    def download(self, buffer, start, stop):
        return buffer[start:stop].get()

    def address(self, buffer):
        return buffer.data.ptr

    def adopt(self, buffer):
        return buffer

    def view(self, buffer, offset, shape, strides):
        item = buffer.itemsize
        return self._cp.ndarray(shape, buffer.dtype, memptr=buffer.data + offset * item,
                                strides=tuple(s * item for s in strides))

    def matmul(self, out, a, b):
        self._cp.matmul(a, b, out=out)  # cuBLAS

    def device_name(self):
        props = self._cp.cuda.runtime.getDeviceProperties(self._cp.cuda.Device().id)
        return props["name"].decode()

    def synchronize(self):
        self._cp.cuda.Device().synchronize()

    def launch(self, kernel, grid, block, args):
        """Launch kernel on CuPy's current stream; args (a list, cast in place) as
        `scalar_casts` describes."""
        loaded = self._functions.get(kernel.name)
        if loaded is None:
            loaded = self._load(kernel)
        fn, casts = loaded
        for i, cast in casts:
            if type(args[i]) is not cast:
                args[i] = cast(args[i])
        fn(grid, block, tuple(args))

    def _load(self, kernel):
        from ..kernels.cuda import compiler
        path, entry = compiler.ptx(kernel, self.cc)
        try:
            fn = self._cp.RawModule(path=path).get_function(entry)
        except self._cp.cuda.driver.CUDADriverError as e:
            # most likely PTX newer than the driver takes (CUDA_ERROR_UNSUPPORTED_PTX_VERSION)
            isa = re.search(r"^\.version\s+(\S+)", Path(path).read_text(), re.M)
            raise RuntimeError(
                f"the CUDA driver ({self._cp.cuda.runtime.driverGetVersion()}) cannot load "
                f"{kernel.name} (PTX ISA {isa.group(1) if isa else 'unknown'}, {path}): {e}"
            ) from None
        self._functions[kernel.name] = (fn, scalar_casts(kernel.argtypes))
        return self._functions[kernel.name]


def scalar_casts(argtypes):
    """(position, numpy type) of each parameter that is not a pointer or an int64.

    CuPy passes a Python int or bool as an int64, by value, and a numpy scalar with its
    own width and bits. So addresses and int64 parameters go as they are, as ints (casting
    every argument in Python cost 1.3 µs a launch), and the others must be cast: a Python
    int for a float64 parameter would arrive as integer bits."""
    return [(i, as_dtype(t).type) for i, t in enumerate(argtypes)
            if not isinstance(t, types.CPointer) and t != types.int64]
