"""Cold start: a fresh interpreter imports the library and runs its first op.

Caches are warm (Numba's kernel cache, CuPy's, the OS page cache): each library gets one
untimed run first, then the timed runs interleave. The figure is measured inside the
child, from before the import to the op's result on the host, so interpreter start-up is
left out.
"""
import subprocess
import sys
from pathlib import Path

from .runner import finish, new_record
from .timing import summarize

REPO = Path(__file__).resolve().parent.parent  # the children import tensorrt_mini from here

FIRST_OP = {  # `.cpu()` / `asnumpy` bring the result to the host, which waits for the GPU
    "tensorrt_mini": "import tensorrt_mini as m\nx = m.ones(2, 2, device={device!r})\n(x + x).cpu()",
    "torch": "import torch as m\nx = m.ones(2, 2, device={device!r})\n(x + x).cpu()",
    "numpy": "import numpy as m\nx = m.ones((2, 2), m.float32)\nx + x",
    "cupy": "import cupy as m\nx = m.ones((2, 2), m.float32)\nm.asnumpy(x + x)",
}
PROBE = "import time\nt0 = time.perf_counter()\n{body}\nprint(time.perf_counter() - t0)\n"
TIMEOUT_S = 300


class ColdStart:
    name = "cold start: import + first op"
    size = "(2, 2)"
    target = "cold start"
    timing = "subprocess"

    def __init__(self, target_s):
        self.target_s = target_s

    def run(self, libs, settings, rng, device):
        rec = new_record(self, libs, self.target_s, target_kind="seconds")
        rec["unit"] = None
        # torch.compile's cold start is torch's: it sits this case out
        codes = {lib.name: PROBE.format(
                     body=FIRST_OP[lib.name].format(device=lib.device or device))
                 for lib in libs if lib.name in FIRST_OP}
        times = {}
        for name, code in codes.items():  # untimed: fills the caches
            try:
                run_child(code)
                times[name] = []
            except RuntimeError as e:
                rec["libs"][name]["error"] = str(e)
        for _ in range(settings.cold_rounds):
            for name in list(times):
                try:
                    times[name].append(run_child(codes[name]))
                except RuntimeError as e:
                    rec["libs"][name]["error"] = str(e)
                    del times[name]
        for name, ts in times.items():
            rec["libs"][name].update(summarize(ts))
        return finish(rec)


def run_child(code):
    """Seconds the child measured; RuntimeError with its stderr when it fails."""
    try:
        p = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                           text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as e:
        raise RuntimeError(f"no result within {TIMEOUT_S} s") from e
    if p.returncode != 0:
        tail = p.stderr.strip().splitlines()[-1:] or [f"exit status {p.returncode}"]
        raise RuntimeError(tail[0])
    return float(p.stdout.split()[-1])
