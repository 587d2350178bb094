"""The one module that imports numba.cuda (numba-cuda is in maintenance mode, so it stays
behind this door).

Kernels are plain Python functions, built by the sibling modules as `Kernel`s. On a GPU,
`ptx` compiles one to PTX text on disk for CuPy to load and launch: Numba's own launch
path costs 26-81 µs per call, CuPy's ~5.5. Under Numba's CUDA simulator
(NUMBA_ENABLE_CUDASIM=1, read once, when numba.cuda is first imported) `simulate` runs the
same function on the CPU with numpy arrays standing in for device pointers.
"""
import functools
import hashlib
import importlib.metadata
import os
import re
import stat
import sys
import tempfile
import threading
import warnings
from pathlib import Path

import numpy as np

# numba-cuda 0.30 refers to numpy.row_stack, which numpy 2.5 removed: restore the alias
# before numba.cuda is imported, so compiling works on either numpy.
if not hasattr(np, "row_stack"):
    np.row_stack = np.vstack

from numba import types  # noqa: E402
from numba import cuda  # noqa: E402
from numba.core.errors import NumbaError  # noqa: E402
from numba.cuda.core import config as _config  # noqa: E402
from numba.np.numpy_support import as_dtype  # noqa: E402

from ..scalar import BodyError, numba_reason  # noqa: E402

SIMULATOR = bool(_config.ENABLE_CUDASIM)

if SIMULATOR:
    from numba.cuda.simulator.cudadrv.devicearray import FakeCUDAArray
    from numba.cuda.simulator.kernelapi import FakeCUDAShared
    intrinsic = None
else:
    from numba.cuda.extending import intrinsic  # noqa: F401  (used by intrinsics.py)


def device(fn):
    """A device function, inlined into its callers before type inference: a called
    (non-inlined) device function would need a live GPU to compile."""
    return cuda.jit(device=True, inline="always")(fn)


class Kernel:
    """A kernel function with its argument types.

    `name` spells out every parameter its factory baked into `fn` (op, dtypes, widths,
    block shape): it is part of the PTX cache key, so two kernels that differ in code
    must differ in name. `threads` is the block size it is written for; `min_blocks`,
    when set, the blocks per SM its registers must leave room for (the launch bounds'
    second figure: ptxas then keeps it to at most 65536 / (threads * min_blocks)
    registers, rounded down to its allocation unit).
    """

    __slots__ = ("name", "fn", "argtypes", "threads", "min_blocks")

    def __init__(self, name, fn, argtypes, threads, min_blocks=None):
        self.name = name
        self.fn = fn
        self.argtypes = tuple(argtypes)
        self.threads = threads
        self.min_blocks = min_blocks

    def launch_bounds(self):
        return self.threads if self.min_blocks is None else (self.threads, self.min_blocks)

    def __repr__(self):
        return f"Kernel({self.name})"


# -- PTX -------------------------------------------------------------------------------
_ENTRY = re.compile(r"\.entry\s+([\w$]+)\s*\(")
_compile_lock = threading.Lock()
_compiled = {}  # cache key -> (path, entry name)


@functools.cache
def _build_identity():
    """Hash of the source text that feeds the PTX (this package's kernels and intrinsics,
    the op catalog and the body preparation one folder up) and the compiler versions.
    Computed on first compile: the simulator never needs it, and the version lookups cost
    ~25 ms."""
    h = hashlib.sha256()
    here = Path(__file__).parent
    for path in sorted(here.glob("*.py")) + sorted(here.parent.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return (h.hexdigest(), importlib.metadata.version("numba-cuda"),
            importlib.metadata.version("numba"), _nvvm_identity())


def _nvvm_identity():
    """The NVVM library that writes the PTX: its PTX ISA version must be one the device's
    driver accepts (NVVM 13.5 writes .version 9.5; a CUDA 13.0 driver takes up to 9.0), so
    PTX from one machine's NVVM must not be reused with another's."""
    from numba.cuda.cuda_paths import get_cuda_paths
    nvvm = get_cuda_paths()["nvvm"].info
    try:
        return f"{nvvm}:{os.stat(nvvm).st_size}"
    except (OSError, TypeError):  # not found: compiling will say so
        return str(nvvm)


def cache_dir():
    """Where PTX files live: $TENSORRT_MINI_PTX_CACHE, else the user cache directory."""
    env = os.environ.get("TENSORRT_MINI_PTX_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tensorrt_mini" / "ptx"


def cache_key(kernel, cc):
    source, *versions = _build_identity()
    parts = (source, kernel.name, str(kernel.argtypes), str(kernel.launch_bounds()),
             str(tuple(cc)), *versions)
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:40]


def ptx(kernel, cc):
    """Compile `kernel` for compute capability `cc` (once per cache key, kept on disk).

    Returns (path of the .ptx file, mangled entry name) for `cupy.RawModule(path=...)`
    and `get_function(entry)`.
    """
    if SIMULATOR:
        raise RuntimeError("no PTX under the CUDA simulator; launch with simulate()")
    key = cache_key(kernel, cc)
    hit = _compiled.get(key)
    if hit is not None:
        return hit
    with _compile_lock:
        hit = _compiled.get(key)
        if hit is not None:
            return hit
        stem = re.sub(r"[^\w.-]", "_", kernel.name)[:80]
        path = _writable(cache_dir()) / f"{stem}-{key}.ptx"
        try:
            text = path.read_text()
        except OSError:
            try:
                text, _ = cuda.compile_ptx(kernel.fn, kernel.argtypes, cc=tuple(cc),
                                           launch_bounds=kernel.launch_bounds())
            except NumbaError as e:  # a user's body that the CPU took and the GPU does not
                raise BodyError(f"kernel {kernel.name} does not compile for the GPU: "
                                f"{numba_reason(e)}") from None
            # write then rename, so a concurrent reader never sees half a file
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w") as f:
                f.write(text)
            os.replace(tmp, path)
        hit = (str(path), _ENTRY.search(text).group(1))
        _compiled[key] = hit
        return hit


@functools.lru_cache(maxsize=None)
def _writable(folder):
    """folder, made if need be; when it cannot be written (a read-only home, say), a folder
    of this user's own in the temp folder, as CuPy loads PTX from a path."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
        return folder
    except OSError:
        pass
    private = Path(tempfile.gettempdir()) / f"tensorrt_mini-ptx-{os.getuid()}"
    private.mkdir(mode=0o700, exist_ok=True)
    info = os.lstat(private)  # made by someone else, or a link: PTX there could be swapped
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise RuntimeError(f"cannot cache PTX: {folder} is not writable, and {private} is not "
                           "a folder that only this user can write")
    return private


# -- simulator -------------------------------------------------------------------------
_simulated = {}  # kernel name -> simulator kernel
_shared_lock = threading.Lock()


def _shared_array(self, shape, dtype, alignment=None):
    """numba-cuda 0.30's simulated `cuda.shared.array`, made thread-safe.

    The simulator keys a block's shared arrays by the calling source line and creates one
    on first use without a lock: two threads arriving together could each get their own
    array, and a reduction then loses partial sums. Static shapes only; dynamic shared
    memory and alignment go to the original.
    """
    if shape == 0 or alignment is not None:
        return _original_shared_array(self, shape, dtype, alignment)
    caller = sys._getframe(1)
    key = (caller.f_code.co_filename, caller.f_lineno)
    with _shared_lock:
        array = self._allocations.get(key)
        if array is None:
            array = self._allocations[key] = np.empty(
                shape, as_dtype(dtype) if isinstance(dtype, types.Type) else dtype)
    return array


if SIMULATOR:
    _original_shared_array = FakeCUDAShared.array
    FakeCUDAShared.array = _shared_array


def _sim_arg(argtype, value):
    if isinstance(argtype, types.CPointer):
        want = as_dtype(argtype.dtype)
        if not (isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype == want):
            got = getattr(value, "dtype", type(value).__name__)
            raise TypeError(f"pointer to {want} needs a 1-D {want} numpy array, got {got}")
        # wrapped, not copied: operands that alias (x.add_(y)) see each other's writes
        return FakeCUDAArray(value)
    return as_dtype(argtype).type(value)


def simulate(kernel, grid, block, args):
    """Run `kernel` on the CPU. Arrays stand in for pointers (pass `storage[offset:]`);
    scalars are converted to their declared types, as the GPU would see them."""
    if not SIMULATOR:
        raise RuntimeError("simulate() needs NUMBA_ENABLE_CUDASIM=1 before numba.cuda is imported")
    sim = _simulated.get(kernel.name)
    if sim is None:
        sim = _simulated[kernel.name] = cuda.jit(kernel.fn)
    fake = [_sim_arg(t, a) for t, a in zip(kernel.argtypes, args, strict=True)]
    # The simulator runs a Python thread per CUDA thread and busy-polls them at every
    # syncthreads; with the default 5 ms GIL switch interval a barrier costs ~10 ms.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        with warnings.catch_warnings():
            # numpy scalars warn on overflow and 0/0 where the GPU is silent; the filter is
            # process-wide, so it also covers the simulated threads
            warnings.simplefilter("ignore", RuntimeWarning)
            sim[grid, block](*fake)
    finally:
        sys.setswitchinterval(interval)
