"""Running a job of several ranks from a test: a subprocess under mpiexec (or the launcher),
always with a hard timeout, so a hung job fails the test instead of hanging CI."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture
def mpi_job():
    """run(args, *, launcher=False, n=2, env=None, timeout=90) -> CompletedProcess (text)."""
    pytest.importorskip("mpi4py")
    from tensorrt_mini.distributed.run import find_mpiexec
    mpiexec = find_mpiexec()
    if mpiexec is None:
        pytest.skip("no mpiexec")

    def run(args, *, launcher=False, n=2, env=None, timeout=90):
        environment = dict(os.environ, PYTHONPATH=ROOT, **(env or {}))
        environment.pop("NUMBA_ENABLE_CUDASIM", None)  # the conftest's; a worker asks for it
        environment.update(env or {})
        if launcher:
            cmd = [sys.executable, "-m", "tensorrt_mini.distributed.run",
                   "--nproc-per-node", str(n)]
        else:
            cmd = [mpiexec, "-n", str(n), sys.executable]
        cmd += [os.path.join(HERE, args[0])] + list(args[1:])
        return subprocess.run(cmd, env=environment, capture_output=True, text=True,
                              timeout=timeout, cwd=ROOT)

    return run
