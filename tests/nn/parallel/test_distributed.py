"""DistributedDataParallel (tensorrt_mini/nn/parallel/) on 2 and 4 cpu ranks under
mpiexec: one launch per world size runs every check in ddp_checks.py; each check is
reported as its own test."""
import importlib.util
import json
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
LAUNCH_TIMEOUT_S = 150


def _load_checks():
    spec = importlib.util.spec_from_file_location("ddp_checks",
                                                  os.path.join(HERE, "ddp_checks.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [fn.__name__ for fn in module.CHECKS]


def mpiexec():
    pytest.importorskip("mpi4py")
    found = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or \
        shutil.which("mpiexec")
    if found is None:
        pytest.skip("no mpiexec")
    return found


@pytest.fixture(scope="module", params=[2, 4])
def outcomes(request, tmp_path_factory):
    world = request.param
    out = tmp_path_factory.mktemp(f"ddp{world}")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, HERE]))
    run = subprocess.run([mpiexec(), "-n", str(world), sys.executable,
                          os.path.join(HERE, "ddp_checks.py"), str(out)],
                         env=env, capture_output=True, text=True, timeout=LAUNCH_TIMEOUT_S)
    ranks = {}
    for r in range(world):
        path = out / f"rank{r}.json"
        assert path.exists(), f"rank {r} wrote nothing (rc {run.returncode}):\n{run.stderr[-3000:]}"
        ranks[r] = json.loads(path.read_text())
    return ranks


@pytest.mark.parametrize("check", _load_checks())
def test_ddp(outcomes, check):
    for rank, results in outcomes.items():
        assert results.get(check) == "ok", f"rank {rank}: {results.get(check)}"
