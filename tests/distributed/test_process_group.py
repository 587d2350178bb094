"""Setup and its errors, in this process (no MPI is started here), and a world of one rank
in a subprocess."""
import datetime
import os
import subprocess
import sys

import pytest

import tensorrt_mini as tm
import tensorrt_mini.distributed as dist
from tensorrt_mini.distributed.process_group import parse_backend

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to call "
                   "init_process_group.")


@pytest.mark.parametrize("call", [
    lambda: dist.get_rank(), lambda: dist.get_world_size(), lambda: dist.barrier(),
    lambda: dist.all_reduce(tm.ones(2)), lambda: dist.broadcast(tm.ones(2), 0),
    lambda: dist.new_group([0]), lambda: dist.send(tm.ones(1), 1)])
def test_before_init_process_group_torchs_error(call):
    assert not dist.is_initialized()
    with pytest.raises(ValueError) as tm_err:
        call()
    assert str(tm_err.value) == NOT_INITIALIZED


def test_reduce_op_and_the_errors_match_torch():
    assert [int(dist.ReduceOp.SUM), int(dist.ReduceOp.AVG), int(dist.ReduceOp.PRODUCT),
            int(dist.ReduceOp.MIN), int(dist.ReduceOp.MAX)] == [0, 1, 2, 3, 4]
    assert repr(dist.ReduceOp.SUM) == "<RedOpType.SUM: 0>"
    assert str(dist.ReduceOp.MAX) == "RedOpType.MAX"
    assert issubclass(dist.DistBackendError, dist.DistError)
    assert issubclass(dist.DistError, RuntimeError)
    torch = pytest.importorskip("torch")
    import torch.distributed as tdist
    for name in ("SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR", "PREMUL_SUM"):
        assert int(getattr(dist.ReduceOp, name)) == int(getattr(tdist.ReduceOp, name))
        assert repr(getattr(dist.ReduceOp, name)) == repr(getattr(tdist.ReduceOp, name))
        assert str(getattr(dist.ReduceOp, name)) == str(getattr(tdist.ReduceOp, name))
    with pytest.raises(ValueError) as err:
        tdist.all_reduce(torch.ones(2))
    assert str(err.value) == NOT_INITIALIZED


def test_parse_backend():
    assert parse_backend("gloo") == {"cpu": "mpi", "cuda": "mpi"}
    assert parse_backend("mpi") == parse_backend(None) == {"cpu": "mpi", "cuda": "mpi"}
    assert parse_backend("nccl") == {"cuda": "nccl"}
    assert parse_backend("cpu:gloo,cuda:nccl") == {"cpu": "mpi", "cuda": "nccl"}
    with pytest.raises(ValueError, match="Invalid backend: 'ucc'"):
        parse_backend("ucc")


def test_init_argument_errors():
    with pytest.raises(TypeError, match="Expected timeout argument to be of type "
                                        "datetime.timedelta"):
        dist.init_process_group("mpi", timeout=5)
    with pytest.raises(ValueError, match="init_method 'file:///tmp/x' is not supported"):
        dist.init_process_group("mpi", init_method="file:///tmp/x")
    assert not dist.is_initialized()
    assert dist.is_available()


def _one_rank(backend, env=None):
    pytest.importorskip("mpi4py")
    environment = dict(os.environ, PYTHONPATH=ROOT, **(env or {}))
    return subprocess.run([sys.executable, os.path.join(HERE, "_worker_one_rank.py"), backend],
                          env=environment, capture_output=True, text=True, timeout=90)


def test_a_plain_script_is_a_world_of_one():
    # and its RANK must agree with MPI's; then every collective, and torch's errors
    proc = _one_rank("mpi")
    assert proc.returncode == 0 and "ONE RANK OK" in proc.stdout, proc.stderr[-3000:]


@pytest.mark.gpu
def test_nccl_backend_one_rank_on_a_gpu():
    from tensorrt_mini.backends import cuda_runtime
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1" or not cuda_runtime.is_available():
        pytest.skip("needs a real CUDA GPU")
    if not dist.is_nccl_available():
        pytest.skip("CuPy has no NCCL here (pip install nvidia-nccl-cu13)")
    proc = _one_rank("nccl")
    assert proc.returncode == 0 and "ONE RANK OK" in proc.stdout, proc.stderr[-3000:]


def test_default_timeouts_are_torchs():
    from tensorrt_mini.distributed.process_group import DEFAULT_TIMEOUT
    assert DEFAULT_TIMEOUT == datetime.timedelta(minutes=30)
