"""The libraries a run compares: tensorrt_mini and the peers installed for the device.

Each is wrapped in a `Lib`: how a host array reaches the bench device and comes back, how
its ops are spelled, and how it is timed. Peers are imported only here, and only when the
run needs them; a peer that is missing is skipped with the reason.
"""
from dataclasses import dataclass
from functools import lru_cache

from .timing import EventTimer, WallTimer

TM = "tensorrt_mini"
REFERENCE = "torch"  # every ratio is to torch, measured in the same run
COMPILED = "torch.compile"  # torch's compiler, for the cases a user would fuse
PEERS = {"cpu": ("torch", "numpy", COMPILED), "cuda": ("torch", "cupy", COMPILED)}

# Device-side fill that runs before each GPU sample (see EventTimer): 1 GiB of fp32 takes
# a few hundred microseconds on an H100/H200, longer than launching one op from Python.
BUSY_ELEMS = 1 << 28


class Unavailable(Exception):
    """A library, or the device, cannot take part in this run; the message says why."""


@dataclass
class Lib:
    name: str
    xp: object      # the module; ops are written xp.exp(a), a.sum(0), ...
    style: str      # "torch" (tensorrt_mini, torch), "numpy" (numpy, cupy) or "compile"
    put: object     # host numpy array -> array on the bench device
    get: object     # array on the bench device -> host numpy array
    timers: dict    # "host": host time per op; "device": time of the work itself
    release: object = lambda: None  # return cached device memory between cases
    device: str = None  # where the cold-start child runs its op, when not the run's device


def load_libs(device, loaders=None):
    """([tensorrt_mini, peers...], {skipped peer: reason}). tensorrt_mini must load."""
    loaders = loaders or LOADERS[device]
    libs = [loaders[TM]()]
    skipped = {}
    for name in PEERS[device]:
        try:
            libs.append(loaders[name]())
        except ImportError as e:
            skipped[name] = f"not installed ({e})"
        except Unavailable as e:
            skipped[name] = str(e)
    return libs, skipped


# ----------------------------------------------------------------------------- cpu
def _cpu_timers():
    timer = WallTimer()
    return {"host": timer, "device": timer}


def _tm_cpu():
    import tensorrt_mini as tm
    # Each library gets its own copy, so no two share pages or caches by accident.
    return Lib(TM, tm, "torch", lambda h: tm.from_numpy(h.copy()), lambda t: t.numpy(),
               _cpu_timers())


def _torch_cpu():
    import torch
    return Lib("torch", torch, "torch", lambda h: torch.from_numpy(h.copy()),
               lambda t: t.numpy(), _cpu_timers())


def _numpy_cpu():
    import numpy as np
    return Lib("numpy", np, "numpy", lambda h: h.copy(), np.asarray, _cpu_timers())


# ---------------------------------------------------------------------------- cuda
def cuda_simulated():
    """Whether tensorrt_mini's cuda device runs under Numba's CUDA simulator
    (NUMBA_ENABLE_CUDASIM=1 when numba.cuda is first imported). Then the cuda run is a
    plumbing check on the CPU: tensorrt_mini is timed by the host clock, torch runs on the
    CPU as a stand-in, so results are still checked and ratios still computed, and CuPy
    sits out. No figure of such a run says anything about a GPU."""
    try:
        from tensorrt_mini.kernels.cuda import compiler
    except ImportError:  # no numba-cuda: load_libs says so
        return False
    return compiler.SIMULATOR


def cupy_or_unavailable():
    """CuPy with at least one visible device; tensorrt_mini's cuda memory lives in CuPy's pool."""
    import cupy as cp
    try:
        count = cp.cuda.runtime.getDeviceCount()
    except cp.cuda.runtime.CUDARuntimeError as e:
        raise Unavailable(f"no CUDA device ({e})") from e
    if count == 0:
        raise Unavailable("no CUDA device")
    return cp


@lru_cache(maxsize=None)  # one busy buffer, shared by tensorrt_mini and CuPy
def _cupy_timers():
    cp = cupy_or_unavailable()
    scratch = cp.empty(BUSY_ELEMS, cp.float32)
    return {"host": WallTimer(cp.cuda.runtime.deviceSynchronize),
            "device": EventTimer(cp.cuda.Event, cp.cuda.get_elapsed_time,
                                 lambda: scratch.fill(0))}


def _tm_cuda():
    import tensorrt_mini as tm
    if cuda_simulated():  # kernels run synchronously on the CPU: the host clock is the clock
        return Lib(TM, tm, "torch", lambda h: tm.from_numpy(h).to("cuda"),
                   lambda t: t.cpu().numpy(), _cpu_timers())
    cp = cupy_or_unavailable()
    # tensorrt_mini launches through CuPy on CuPy's current stream, so CuPy's events and
    # synchronise see its work.
    return Lib(TM, tm, "torch", lambda h: tm.from_numpy(h).to("cuda"),
               lambda t: t.cpu().numpy(), _cupy_timers(),
               release=cp.get_default_memory_pool().free_all_blocks)


def _torch_cuda():
    import torch
    if cuda_simulated():  # a stand-in on the CPU, so results are checked (see cuda_simulated)
        return Lib("torch", torch, "torch", lambda h: torch.from_numpy(h.copy()),
                   lambda t: t.numpy(), _cpu_timers(), device="cpu")
    if not torch.cuda.is_available():
        raise Unavailable(f"torch {torch.__version__} sees no CUDA device")
    # fp32 against fp32: no TF32 tensor-core shortcut in torch's matmuls (CuPy's default).
    torch.backends.cuda.matmul.allow_tf32 = False
    scratch = torch.empty(BUSY_ELEMS, dtype=torch.float32, device="cuda")
    timers = {"host": WallTimer(torch.cuda.synchronize),
              "device": EventTimer(lambda: torch.cuda.Event(enable_timing=True),
                                   lambda s, e: s.elapsed_time(e), scratch.zero_)}
    return Lib("torch", torch, "torch", lambda h: torch.from_numpy(h).to("cuda"),
               lambda t: t.cpu().numpy(), timers, release=torch.cuda.empty_cache)


def _cupy_cuda():
    if cuda_simulated():
        raise Unavailable("the CUDA simulator is on (NUMBA_ENABLE_CUDASIM=1)")
    cp = cupy_or_unavailable()
    return Lib("cupy", cp, "numpy", cp.asarray, cp.asnumpy, _cupy_timers(),
               release=cp.get_default_memory_pool().free_all_blocks)


def _compiled(device):
    """torch.compile: its CPU code needs a C++ compiler, its GPU code Triton."""
    def load():
        import shutil
        if device == "cpu" and not (shutil.which("g++") or shutil.which("c++")):
            raise Unavailable("no C++ compiler on PATH: torch.compile has no CPU backend here")
        if device == "cuda":
            if cuda_simulated():
                raise Unavailable("the CUDA simulator is on (NUMBA_ENABLE_CUDASIM=1)")
            try:
                import triton  # noqa: F401
            except ImportError as e:
                raise Unavailable(f"Triton is not installed ({e}): torch.compile has no GPU "
                                  "backend here") from e
        torch_lib = (_torch_cpu if device == "cpu" else _torch_cuda)()
        torch_lib.name, torch_lib.style = COMPILED, "compile"
        return torch_lib
    return load


LOADERS = {
    "cpu": {TM: _tm_cpu, "torch": _torch_cpu, "numpy": _numpy_cpu, COMPILED: _compiled("cpu")},
    "cuda": {TM: _tm_cuda, "torch": _torch_cuda, "cupy": _cupy_cuda,
             COMPILED: _compiled("cuda")},
}
