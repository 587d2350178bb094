"""The launcher: torchrun's flags, mpiexec underneath, torch's variables in each rank."""
import sys

import pytest

from tensorrt_mini.distributed import run


def test_starts_n_ranks_with_torchs_variables_and_fails_with_a_rank(mpi_job):
    # one job: every rank prints what it sees, then rank 1 exits with status 3
    proc = mpi_job(["_worker_launcher.py", "--fail"], launcher=True, n=2)
    lines = sorted(line for line in proc.stdout.splitlines() if line.startswith("RANKENV"))
    assert lines == [f"RANKENV {r} {r} 2 2 127.0.0.1 29500 __main__ --fail" for r in range(2)], \
        proc.stdout + proc.stderr[-3000:]
    assert proc.returncode != 0
    assert "tensorrt_mini.distributed.run: the job failed" in proc.stderr


def test_command_and_flags():
    args = run.parse_args(["--nproc_per_node", "4", "--master-port", "1234", "-m", "pkg.train",
                           "--epochs", "2"])
    assert (args.nproc_per_node, args.master_port, args.module) == (4, 1234, True)
    cmd = run.command(args, "/x/mpiexec", hydra=True)
    assert cmd == ["/x/mpiexec", "-n", "4", "-disable-auto-cleanup", sys.executable, "-m",
                   "tensorrt_mini.distributed.rank_env", "-m", "pkg.train", "--epochs", "2"]
    assert "-disable-auto-cleanup" not in run.command(args, "/x/mpirun", hydra=False)


def test_several_nodes_point_to_mpiexec_or_srun():
    with pytest.raises(SystemExit, match="multi-node job starts under the cluster's mpiexec "
                                         "or srun"):
        run.main(["--nnodes", "2", "--nproc-per-node", "2", "train.py"])
