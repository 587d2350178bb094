"""What a result was measured on, and how busy the machine was meanwhile."""
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

NOISY_PCT = 20  # other processes' CPU use (% of one core) above which a case is suspect
SPEED_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS",
             "NUMBA_THREADING_LAYER", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "CUPY_TF32",
             "CUDA_VISIBLE_DEVICES")


def machine_info(device, libs, simulated=False):
    import numba
    import numpy
    # tensorrt_mini starts Numba's thread pool its own way: before asking Numba anything
    # that would start the pool otherwise
    from tensorrt_mini.backends.cpu_threads import ensure_started
    ensure_started()
    info = dict(device=device, python=sys.version.split()[0], platform=platform.platform(),
                cpu_model=cpu_model(), cpu_count=os.cpu_count(),
                cpus_usable=usable_cpus(),
                numpy=numpy.__version__, numba=numba.__version__,
                numba_threads=numba.get_num_threads(),
                numba_threading_layer=numba.threading_layer(), git=git_state(),
                env={k: os.environ[k] for k in SPEED_ENV if k in os.environ})
    for lib in libs:
        info[lib.name] = getattr(lib.xp, "__version__", None)
        if lib.name == "torch":
            info["torch_threads"] = lib.xp.get_num_threads()
        if device == "cuda" and lib.name == "torch":
            info["torch_allow_tf32"] = lib.xp.backends.cuda.matmul.allow_tf32
    if simulated:
        info.update(gpu="Numba's CUDA simulator (no GPU)", simulated=True)
    elif device == "cuda":
        info.update(gpu_info())
    return info


def usable_cpus():
    """The CPUs this process may run on (a container or taskset can allow fewer)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def gpu_info():
    import cupy as cp
    rt = cp.cuda.runtime
    props = rt.getDeviceProperties(cp.cuda.Device().id)
    return dict(gpu=props["name"].decode(), gpu_memory_bytes=props["totalGlobalMem"],
                gpu_sms=props["multiProcessorCount"], cuda_runtime=rt.runtimeGetVersion(),
                cuda_driver=rt.driverGetVersion(), cupy=cp.__version__)


def git_state():
    repo = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=repo,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=repo,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None  # e.g. a copy of the tree without .git
    return head + ("+dirty" if dirty else "")


def cpu_snapshot():
    """(machine-wide busy CPU seconds, this process's and its children's CPU seconds,
    wall seconds), or None where /proc/stat does not exist."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(x) for x in f.readline().split()[1:9]]
    except OSError:
        return None
    hz = os.sysconf("SC_CLK_TCK")
    busy = (sum(ticks) - ticks[3] - ticks[4]) / hz  # all but idle and iowait
    t = os.times()
    return busy, t.user + t.system + t.children_user + t.children_system, time.monotonic()


def other_cpu_pct(before, after):
    """CPU that other processes used between two snapshots, in % of one core: a noisy
    neighbour makes a case's figures suspect."""
    if before is None or after is None:
        return None
    wall = max(after[2] - before[2], 1e-9)
    return round(max(0.0, (after[0] - before[0]) - (after[1] - before[1])) / wall * 100, 1)


def wait_idle(max_wait_s, window_s=1.0):
    """Wait up to `max_wait_s` until other processes use under NOISY_PCT of a core over
    `window_s`; returns their last reading (None where it cannot be read)."""
    deadline = time.monotonic() + max_wait_s
    while True:
        before = cpu_snapshot()
        time.sleep(window_s)
        pct = other_cpu_pct(before, cpu_snapshot())
        if pct is None or pct < NOISY_PCT or time.monotonic() >= deadline:
            return pct
