"""DistributedDataParallel (tensorrt_mini/nn/parallel/) on 2 and 4 cpu ranks started by
`python -m tensorrt_mini.distributed.run`: one launch per world size runs the example
script examples/ddp_train.py (unchanged, as a torch user runs it), then every check in
ddp_checks.py; each is reported as its own test."""
import importlib.util
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import tensorrt_mini as tm

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
EXAMPLE = os.path.join(ROOT, "examples", "ddp_train.py")
LAUNCH_TIMEOUT_S = 150


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", params=[2, 4])
def outcomes(request, tmp_path_factory):
    pytest.importorskip("mpi4py")
    world = request.param
    out = tmp_path_factory.mktemp(f"ddp{world}")
    env = dict(os.environ, PYTHONPATH=ROOT)
    job = subprocess.Popen([sys.executable, "-m", "tensorrt_mini.distributed.run",
                            "--nproc-per-node", str(world),
                            os.path.join(HERE, "ddp_checks.py"), str(out)],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)
    try:
        _, stderr = job.communicate(timeout=LAUNCH_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(job.pid, signal.SIGKILL)  # the launcher, mpiexec and every rank
        _, stderr = job.communicate()
        pytest.fail(f"the {world}-rank job ran past {LAUNCH_TIMEOUT_S} s:\n{stderr[-3000:]}")
    ranks = {}
    for r in range(world):
        path = out / f"rank{r}.json"
        assert path.exists(), f"rank {r} wrote nothing (rc {job.returncode}):\n{stderr[-3000:]}"
        ranks[r] = json.loads(path.read_text())
    return out, ranks, (job.returncode, stderr)


@pytest.mark.parametrize("check", [fn.__name__ for fn in
                                   _load("ddp_checks", os.path.join(HERE, "ddp_checks.py")).CHECKS])
def test_ddp(outcomes, check):
    for rank, results in outcomes[1].items():
        if results.get(check) == "skipped":
            pytest.skip("no cuda device, simulated or real")
        assert results.get(check) == "ok", f"rank {rank}: {results.get(check)}"


def test_the_job_ends_cleanly(outcomes):
    code, stderr = outcomes[2]
    assert code == 0, stderr[-3000:]


def test_the_example_script_ends_where_one_process_does(outcomes):
    out, ranks, _ = outcomes
    for rank, results in ranks.items():
        assert results["example"] == "ok", f"rank {rank}: {results['example']}"
    example = _load("ddp_train", EXAMPLE)
    distributed = tm.load(str(out / "example.pt"))
    for name, make in (("mlp", example.make_mlp), ("cnn", example.make_cnn)):
        tm.manual_seed(1)
        model = make()
        example.train(model, example.synthetic_images(), rank=0, world=1)
        assert list(distributed[name]) == list(model.state_dict())
        for key, value in model.state_dict().items():
            np.testing.assert_allclose(np.array(distributed[name][key]), np.array(value),
                                       rtol=1e-5, atol=1e-6, err_msg=f"{name}.{key}")
