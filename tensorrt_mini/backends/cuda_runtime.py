"""What the cuda device runs on: CuPy and an NVIDIA GPU, or Numba's CUDA simulator.

The cuda backend reaches memory and kernels only through `runtime()`, so its ops read the
same either way. On a GPU, buffers are blocks of CuPy's memory pool and kernels are compiled
to PTX (tensorrt_mini.kernels.cuda), loaded by CuPy and launched through its binding of
cuLaunchKernel (~5 µs a launch, against 26-81 through Numba). Under the simulator
(NUMBA_ENABLE_CUDASIM=1 before numba.cuda is first imported) buffers are numpy arrays and
kernels run on the CPU, so the whole cuda path runs in CI.

A buffer is untyped on a GPU: the runtime's methods take the dtype (and the backend keeps
the element count) alongside it.
"""
import bisect
import ctypes
import importlib.util
import math
import re
import struct
import threading
import weakref
from pathlib import Path

import numpy as np
from numba import types
from numba.np.numpy_support import as_dtype

from ..errors import OutOfMemoryError
from ..kernels import fft as fft_kernels
from ..kernels import half, lapack

INSTALL = "pip install tensorrt_mini[cuda]"

_runtime = None

# cuBLAS's enum values (cublas_api.h, library_types.h)
_CUBLAS_OP_N = 0
_CUBLAS_POINTER_MODE_HOST = 0
_CUDA_R_16F = 2
_CUDA_R_16BF = 14
_CUBLAS_COMPUTE_32F = 68
_CUBLAS_GEMM_DEFAULT = -1


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


# cuLaunchKernel takes an array of pointers, one per kernel argument, to that argument's
# bytes. Each argument here gets an 8-byte word, its value written in the parameter's own
# type and width (little-endian, as the GPU reads it).
_CODES = {np.dtype(name): code for name, code in [
    ("bool", "?"), ("int8", "b"), ("uint8", "B"), ("int16", "h"), ("uint16", "H"),
    ("int32", "i"), ("uint32", "I"), ("int64", "q"), ("uint64", "Q"), ("float16", "e"),
    ("float32", "f"), ("float64", "d")]}


def parameter_words(argtypes):
    """The struct that writes arguments of these numba types into their 8-byte words: a
    pointer takes a device address (an int), a scalar a value that converts to its type
    (a Python int for a float64 parameter becomes that float's bits)."""
    codes = ["Q" if isinstance(t, types.CPointer) else _CODES[as_dtype(t)] for t in argtypes]
    return struct.Struct("<" + "".join(c + "x" * (8 - struct.calcsize(c)) for c in codes))


def check_arguments(kernel, args):
    """TypeError naming the first argument that its parameter's word cannot hold exactly
    (a non-int for a pointer or an integer, an int out of range, a float too large for a
    float32, anything but a bool or an int for a bool), or the count when it is wrong.
    (CuPy.launch packs int-only kernels with a wrapping slice assignment instead, so
    this is the simulator's check, and CuPy.launch's when its packing fails.)"""
    if len(args) != len(kernel.argtypes):
        raise TypeError(f"{kernel.name} takes {len(kernel.argtypes)} arguments, got {len(args)}")
    for i, (t, a) in enumerate(zip(kernel.argtypes, args)):
        try:
            if t == types.boolean and not isinstance(a, (bool, int, np.bool_, np.integer)):
                raise struct.error("a bool parameter takes a bool or an int")  # '?' takes any
            parameter_words((t,)).pack(a)
        except (struct.error, OverflowError) as e:
            raise TypeError(f"{kernel.name}: argument {i} ({t}) cannot take "
                            f"{type(a).__name__} {a!r}: {e}") from None


# CUDA's stream-capture errors (CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED .. _WRONG_THREAD):
# a launch that breaks a capture says so in the user's terms
_CAPTURE_ERRORS = range(900, 909)
_PAD = ((), (1, 1), (1,), ())  # dims + _PAD[len(dims)]: a grid or block as its 3 dims


def _check_dims(kernel, grid, block):
    for what, dims in (("grid", grid), ("block", block)):
        # a tuple, for CuPy.launch's padding; the driver refuses a zero dim (where a
        # CuPy kernel call made it 1)
        if type(dims) is not tuple or not 1 <= len(dims) <= 3 or min(dims) < 1:
            raise ValueError(f"{kernel.name}: {what} {dims!r} needs to be a tuple of 1 to 3 "
                             "dims, each at least 1")


class Simulated:
    """Numba's CUDA simulator: numpy buffers, kernels run as Python on the CPU.

    Kernels take device addresses here too (so the backend's launch path is the GPU's):
    `launch` maps each pointer argument back to the live buffer it points into, sliced at
    that element, as `compiler.simulate` expects."""

    xp = np  # array functions over views, as CuPy's on a GPU

    def __init__(self):
        self._buffers = {}  # base address -> weak reference to a buffer made here
        self._bases = []    # the same addresses, sorted
        # re-entrant: a buffer freed while the lock is held calls back into forget()
        self._lock = threading.RLock()
        # the simulator swaps module globals while a kernel runs: one kernel at a time, as
        # on one stream, when several host threads launch
        self._running = threading.Lock()

    def _track(self, buffer):
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
            if rest and buffer.dtype.kind == "c" and 2 * rest == buffer.itemsize:
                # an imaginary part: the complex buffer read as its parts' floats
                buffer = buffer.view(buffer.real.dtype)
                offset, rest = divmod(address - base, buffer.itemsize)
            if rest == 0 and offset <= buffer.size:
                return buffer[offset:]
        raise ValueError(f"{address:#x} is not an element of a live cuda buffer")

    def _typed_array_at(self, address, element_type):
        """The memory at address read as the kernel's pointer type reads it: a kernel may
        take a float buffer's address as integers (compare-and-swap on its bits)."""
        array = self._array_at(address)
        want = as_dtype(element_type)
        if array.dtype.itemsize == want.itemsize:
            return array.view(want)
        # a complex buffer read as its parts' floats (real views), or floats as complex
        # (view_as_complex)
        small, large = sorted((array.dtype, want), key=lambda d: d.itemsize)
        if large.kind == "c" and small.kind == "f" and 2 * small.itemsize == large.itemsize:
            whole = array.nbytes // want.itemsize * want.itemsize // array.itemsize
            return array[:whole].view(want)
        return array

    def empty(self, n, dtype):
        if not isinstance(dtype, np.dtype):  # as CuPy.empty needs it
            raise TypeError(f"empty() takes a numpy dtype, got {dtype!r}")
        return self._track(np.empty(n, dtype))

    def upload(self, array, non_blocking=False):
        return self._track(np.array(array).reshape(-1))  # kernels and copies run at once here

    def pinned_empty(self, n, dtype):
        """n host elements standing in for page-locked memory (the simulator has none)."""
        return np.empty(n, dtype)

    def download(self, buffer, dtype, start, stop):
        return buffer[start:stop].copy()

    def address(self, buffer):
        return buffer.ctypes.data

    def reinterpret(self, buffer, dtype):
        """The buffer's memory as elements of numpy dtype `dtype`."""
        return buffer.view(dtype)

    def view(self, buffer, dtype, offset, shape, strides):
        item = buffer.itemsize
        return np.lib.stride_tricks.as_strided(buffer[offset:], shape,
                                               tuple(s * item for s in strides))

    def wrap(self, address, n, dtype, owner):
        """A buffer over n elements of another library's memory at address, which `owner`
        keeps alive (it exposes them with __array_interface__). Memory inside a buffer of
        this runtime (one exported and imported back) is found through that buffer, which
        owner keeps alive; other memory is tracked as a buffer of its own."""
        buffer = np.asarray(owner).view(dtype)[:n]
        with self._lock:
            i = bisect.bisect_right(self._bases, address) - 1
            live = self._buffers[self._bases[i]]() if i >= 0 else None
        inside = live is not None and address < self._bases[i] + live.nbytes
        return buffer if inside else self._track(buffer)

    def wait_for_current(self, stream):
        pass  # kernels have finished when their launch returns: no stream to order

    def current_waits_for(self, stream):
        pass

    def current_stream(self):
        return 1  # the legacy default stream, as tensorrt_mini uses on a GPU by default

    def matmul(self, out, a, b):
        np.matmul(a, b, out=out)

    def half_matmul(self, out, a, b, dtype_name):
        """out = a @ b for C-contiguous float16 or bfloat16 (its bits) arrays: in float32,
        rounded once, as cuBLAS with float32 accumulation computes it."""
        if dtype_name == "bfloat16":
            out[...] = half.f32_to_bf16(np.matmul(half.bf16_to_f32(a), half.bf16_to_f32(b)))
        else:
            out[...] = half.f32_to_f16(np.matmul(a.astype(np.float32), b.astype(np.float32)))

    def linalg(self, name, outs, inputs, options):
        for out, r in zip(outs, lapack.compute(np, np.asarray, name, inputs, options)):
            np.copyto(out, r)

    def fft(self, kind, out, x, sizes, axes, norm):
        np.copyto(out, fft_kernels.compute(np, kind, x, sizes, axes, norm), casting="same_kind")

    def device_name(self):
        return "Numba CUDA simulator"

    def synchronize(self):
        pass  # kernels run to completion when launched

    def launch(self, kernel, grid, block, args):
        """Refuses what CuPy.launch would launch wrongly or not at all, then runs kernel."""
        from ..kernels.cuda import compiler
        _check_dims(kernel, grid, block)
        check_arguments(kernel, args)
        args = [self._typed_array_at(a, t.dtype) if isinstance(t, types.CPointer) else a
                for t, a in zip(kernel.argtypes, args)]
        with self._running:
            compiler.simulate(kernel, grid, block, args)


class _PerThread(threading.local):
    """A thread's parameter blocks: CuPy's launchKernel lets go of the GIL while the driver
    reads the block, so a block shared between threads could be rewritten under it (and
    a lock would cost more than this lookup)."""

    def __init__(self, cupy):
        # The driver launches into the calling thread's current context, which only a
        # runtime API call makes current in a new thread; CuPy's own launch makes this
        # call once per thread for the same reason.
        cupy.cuda.runtime.memGetInfo()
        self.blocks = {}  # kernel name -> (function address, words, parameters, pack)


class CuPy:
    """A GPU through CuPy. A buffer is a block of CuPy's memory pool (a MemoryPointer);
    a pointer argument is a device address."""

    def __init__(self, cupy=None, errstate=None):
        if cupy is None:
            import cupy
            from cupyx import errstate  # where CuPy's linalg is told to raise
        self._cp = cupy
        self.xp = cupy  # array functions over views: sorting, scans (CUB and Thrust)
        self._errstate = errstate
        cc = cupy.cuda.Device().compute_capability  # "90" for Hopper
        self.cc = (int(cc[:-1]), int(cc[-1]))
        self._alloc = cupy.cuda.alloc
        self._oom = cupy.cuda.memory.OutOfMemoryError
        self._launch_kernel = cupy.cuda.driver.launchKernel
        self._driver_error = cupy.cuda.driver.CUDADriverError
        self._current_stream = cupy.cuda.get_current_stream
        self._functions = {}  # kernel name -> (CuPy Function, parameter_words)
        self._thread = _PerThread(cupy)
        self._in_flight = []  # (event, host array) of non-blocking uploads maybe still running
        self._in_flight_lock = threading.Lock()

    def empty(self, n, dtype):
        """n elements of numpy dtype `dtype` (a np.dtype: np.dtype() itself costs 0.14 µs,
        a tenth of a tiny op's Python), as a MemoryPointer, not an ndarray: ~1.5 µs less
        per allocation."""
        nbytes = n * dtype.itemsize
        try:
            return self._alloc(nbytes)
        except self._oom:
            # the pool keeps freed blocks for reuse; returning them may make room
            self._cp.get_default_memory_pool().free_all_blocks()
        try:
            return self._alloc(nbytes)
        except self._oom:
            raise OutOfMemoryError(
                f"CUDA out of memory. Tried to allocate {_bytes(nbytes)}, with no room left "
                "after freeing CuPy's cached blocks") from None

    def upload(self, array, non_blocking=False):
        """A new buffer holding array's values. non_blocking: the copy is queued on the
        current stream and may run after this returns (it overlaps host work when array is
        pinned memory); array is kept alive until the stream has passed the copy, since a
        pinned block freed earlier could be handed out again while the GPU still reads it."""
        array = np.ascontiguousarray(array).reshape(-1)
        buffer = self.empty(array.size, array.dtype)
        view = self.view(buffer, array.dtype, 0, array.shape, (1,))
        if not non_blocking:
            view.set(array)
            return buffer
        stream = self._current_stream()
        view.set(array, stream=stream)
        copied = self._cp.cuda.Event(disable_timing=True)
        copied.record(stream)
        with self._in_flight_lock:
            self._in_flight = [(e, a) for e, a in self._in_flight if not e.done]
            self._in_flight.append((copied, array))
        return buffer

    def pinned_empty(self, n, dtype):
        """n elements of page-locked host memory from CuPy's pinned-memory pool, as a 1-D
        numpy array (which keeps the block alive)."""
        dtype = np.dtype(dtype)
        if n == 0:
            return np.empty(0, dtype)
        block = self._cp.cuda.alloc_pinned_memory(n * dtype.itemsize)
        return np.frombuffer(block, dtype, n)

    def download(self, buffer, dtype, start, stop):
        if start == stop:  # CuPy refuses an offset into a zero-size (null) allocation
            return np.empty(0, dtype)
        return self.view(buffer, dtype, start, (stop - start,), (1,)).get()

    def address(self, buffer):
        return buffer.ptr

    def reinterpret(self, buffer, dtype):
        return buffer  # untyped device memory: views take their dtype when made

    def view(self, buffer, dtype, offset, shape, strides):
        item = np.dtype(dtype).itemsize
        return self._cp.ndarray(shape, dtype, memptr=buffer + offset * item,
                                strides=tuple(s * item for s in strides))

    def wrap(self, address, n, dtype, owner):
        """A buffer over n elements of another library's device memory at address, which
        `owner` keeps alive (CuPy frees nothing it does not own)."""
        memory = self._cp.cuda.UnownedMemory(address, n * np.dtype(dtype).itemsize, owner)
        return self._cp.cuda.MemoryPointer(memory, 0)

    def wait_for_current(self, stream):
        """Make CUDA stream `stream` (a handle: 1 the legacy default stream, 2 the
        per-thread default stream, or a cudaStream_t) wait for the work queued so far on
        the current stream, where tensorrt_mini's kernels run."""
        current = self._current_stream()
        if stream == current.ptr or (stream == 1 and current.ptr == 0):
            return  # one stream: its own order holds
        done = self._cp.cuda.Event(disable_timing=True)
        done.record(current)
        self._cp.cuda.ExternalStream(stream).wait_event(done)

    def current_waits_for(self, stream):
        """The reverse: the current stream waits for the work queued on `stream`."""
        current = self._current_stream()
        if stream == current.ptr or (stream == 1 and current.ptr == 0):
            return
        done = self._cp.cuda.Event(disable_timing=True)
        done.record(self._cp.cuda.ExternalStream(stream))
        current.wait_event(done)

    def current_stream(self):
        """The current stream as DLPack names it to a producer: 1 for the legacy default
        stream (handle 0, which DLPack leaves ambiguous), else its handle."""
        ptr = self._current_stream().ptr
        return 1 if ptr == 0 else ptr

    def matmul(self, out, a, b):
        self._cp.matmul(a, b, out=out)  # cuBLAS

    def half_matmul(self, out, a, b, dtype_name):
        """out = a @ b for C-contiguous float16 or bfloat16 (uint16 bits: CuPy has no
        bfloat16) arrays of shapes (..., n, k), (..., k, m), (..., n, m) with the same batch
        dims: one strided-batched
        gemmEx with float32 compute (tensor cores; CuPy's own float16 matmul may pick a
        half compute type). cuBLAS is column-major: the row-major product is out^T = b^T a^T."""
        from cupy_backends.cuda.libs import cublas
        n, k = a.shape[-2:]
        m = b.shape[-1]
        batch = math.prod(out.shape[:-2])
        if out.size == 0:
            return
        if k == 0:
            out.fill(0)
            return
        kind = _CUDA_R_16BF if dtype_name == "bfloat16" else _CUDA_R_16F
        one, zero = np.ones(1, np.float32), np.zeros(1, np.float32)  # host scalars, float32
        handle = self._cp.cuda.device.get_cublas_handle()  # CuPy's, shared with its calls
        cublas.setStream(handle, self._current_stream().ptr)
        mode = cublas.getPointerMode(handle)
        cublas.setPointerMode(handle, _CUBLAS_POINTER_MODE_HOST)  # alpha and beta on the host
        try:
            cublas.gemmStridedBatchedEx(
                handle, _CUBLAS_OP_N, _CUBLAS_OP_N, m, n, k, one.ctypes.data,
                b.data.ptr, kind, m, k * m,
                a.data.ptr, kind, k, n * k,
                zero.ctypes.data, out.data.ptr, kind, m, n * m, batch,
                _CUBLAS_COMPUTE_32F, _CUBLAS_GEMM_DEFAULT)
        finally:
            cublas.setPointerMode(handle, mode)

    def linalg(self, name, outs, inputs, options):
        """cuSOLVER through cupy.linalg; raises lapack.Failed for a matrix it refuses.
        Inputs with no elements go to numpy on the host (CuPy's routines refuse some),
        which copies no values there (results such as an SVD's identity U come back)."""
        if any(a.size == 0 for a in inputs):
            hosts = [np.empty(a.shape, a.dtype) for a in inputs]
            for out, r in zip(outs, lapack.compute(np, np.asarray, name, hosts, options)):
                out[...] = self._cp.asarray(r)
            return
        # CuPy reports a failed factorization (info > 0) only when asked to raise;
        # its det and slogdet do not raise (a singular matrix has det 0)
        with self._errstate(linalg="raise" if name in lapack.RAISING else "ignore"):
            results = lapack.compute(self._cp, self._cp.asnumpy, name, inputs, options)
        for out, r in zip(outs, results):
            out[...] = r

    def fft(self, kind, out, x, sizes, axes, norm):
        """cuFFT through cupy.fft (its plans cached by CuPy), into out's view."""
        out[...] = fft_kernels.compute(self._cp, kind, x, sizes, axes, norm)

    def device_name(self):
        props = self._cp.cuda.runtime.getDeviceProperties(self._cp.cuda.Device().id)
        return props["name"].decode()

    def synchronize(self):
        self._cp.cuda.Device().synchronize()

    def launch(self, kernel, grid, block, args):
        """Launch kernel on CuPy's current stream (where CuPy's copies and cuBLAS calls go,
        as torch launches on its current stream). args as `parameter_words` takes them.

        So a stream the user makes current, non-blocking or being captured into a CUDA
        graph, receives tensorrt_mini's kernels in order with CuPy's. (A launch on the
        legacy default stream instead, tried on 2026-11-26, saved the 0.14-0.28 µs of
        reading the current stream, within the run-to-run spread of a tiny op, and it
        broke stream capture.)"""
        try:
            function, words, params, pack = self._thread.blocks[kernel.name]
        except KeyError:
            function, words, params, pack = self._block(kernel)
        try:
            if pack is None:
                words[:] = args  # addresses and int64s only: each its own word, as is
            else:
                pack(words, 0, *args)
        except (TypeError, ValueError, OverflowError, struct.error):
            check_arguments(kernel, args)  # names the argument
            raise
        gx, gy, gz = grid + _PAD[len(grid)]
        bx, by, bz = block + _PAD[len(block)]
        try:
            self._launch_kernel(function, gx, gy, gz, bx, by, bz, 0,
                                self._current_stream().ptr, params, 0)
        except self._driver_error as e:
            if e.status in _CAPTURE_ERRORS:
                raise RuntimeError(
                    f"{kernel.name} could not join the CUDA graph being captured ({e}): launch "
                    "tensorrt_mini's ops on the capturing stream (make it CuPy's current "
                    "stream, `with stream:`), and keep host reads (.item(), printing, "
                    "index checks) and first-time allocations out of the capture") from e
            raise

    def _block(self, kernel):
        """This thread's parameter block for kernel: k words, then k pointers to them."""
        function, layout = self._functions.get(kernel.name) or self._load(kernel)
        k = len(kernel.argtypes)
        block = (ctypes.c_uint64 * (2 * k))()
        base = ctypes.addressof(block)
        block[k:] = range(base, base + 8 * k, 8)
        words = (ctypes.c_uint64 * k).from_buffer(block)  # keeps block alive
        # all-int parameters (addresses, int64) take a slice assignment (~0.1 µs); the
        # others a struct written per call (~0.2 µs)
        ints = set(layout.format[1:]) <= {"Q", "q"}
        loaded = function.ptr, words, base + 8 * k, None if ints else layout.pack_into
        self._thread.blocks[kernel.name] = loaded
        return loaded

    def _load(self, kernel):
        from ..kernels.cuda import compiler
        path, entry = compiler.ptx(kernel, self.cc)
        try:
            function = self._cp.RawModule(path=path).get_function(entry).kernel
        except self._cp.cuda.driver.CUDADriverError as e:
            # most likely PTX newer than the driver takes (CUDA_ERROR_UNSUPPORTED_PTX_VERSION)
            isa = re.search(r"^\.version\s+(\S+)", Path(path).read_text(), re.M)
            raise RuntimeError(
                f"the CUDA driver ({self._cp.cuda.runtime.driverGetVersion()}) cannot load "
                f"{kernel.name} (PTX ISA {isa.group(1) if isa else 'unknown'}, {path}): {e}"
            ) from None
        # The Function keeps its module loaded, and every thread's block launches the one
        # kept here: of two threads loading a kernel at once, one module is dropped unused.
        return self._functions.setdefault(kernel.name,
                                          (function, parameter_words(kernel.argtypes)))
