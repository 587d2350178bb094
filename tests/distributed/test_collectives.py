"""Every collective and point-to-point op against numpy, on 2 and 4 ranks
(_worker_collectives.py holds the checks; one job runs them all)."""
import pytest


def _checked(proc, n):
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    counts = [line for line in proc.stdout.splitlines() if line.startswith("CHECKED")]
    assert len(counts) == n and all(int(c.split()[1]) >= 50 for c in counts), out[-4000:]


def test_four_cpu_ranks_through_the_launcher(mpi_job):
    # cpu tensors: contiguous ones go zero-copy; the launcher's variables are checked too
    _checked(mpi_job(["_worker_collectives.py", "cpu"], launcher=True, n=4), 4)


def test_two_ranks_with_cuda_tensors_and_the_mismatch_check_under_plain_mpiexec(mpi_job):
    # backend mpi with cuda tensors: staged through the host (the simulator here); with the
    # mismatch check on, which must pass every matching collective
    from tensorrt_mini.backends import cuda_runtime
    if not cuda_runtime.is_available():
        pytest.skip("no cuda device, simulated or real")
    _checked(mpi_job(["_worker_collectives.py", "cuda"],
                     env={"NUMBA_ENABLE_CUDASIM": "1", "TORCH_DISTRIBUTED_DEBUG": "DETAIL"}), 2)
