"""rank_env: torch's rank variables from mpiexec's or srun's, and one GPU per rank."""
from tensorrt_mini.distributed.rank_env import set_rank_environment


def test_from_mpich_hydra():
    env = {"PMI_RANK": "3", "PMI_SIZE": "4", "MPI_LOCALRANKID": "1", "MPI_LOCALNRANKS": "2"}
    set_rank_environment(env)
    assert [env[k] for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE")] == \
        ["3", "4", "1", "2"]
    assert "CUDA_VISIBLE_DEVICES" not in env


def test_from_open_mpi_and_slurm():
    env = {"OMPI_COMM_WORLD_RANK": "5", "OMPI_COMM_WORLD_SIZE": "8",
           "OMPI_COMM_WORLD_LOCAL_RANK": "1", "OMPI_COMM_WORLD_LOCAL_SIZE": "4"}
    set_rank_environment(env)
    assert (env["RANK"], env["WORLD_SIZE"], env["LOCAL_RANK"]) == ("5", "8", "1")
    env = {"SLURM_PROCID": "6", "SLURM_NTASKS": "8", "SLURM_LOCALID": "2",
           "SLURM_NTASKS_PER_NODE": "4(x2)"}
    set_rank_environment(env)
    assert (env["RANK"], env["LOCAL_RANK"], env["LOCAL_WORLD_SIZE"]) == ("6", "2", "4")


def test_no_launcher_is_rank_zero_of_one():
    env = {}
    set_rank_environment(env)
    assert (env["RANK"], env["WORLD_SIZE"], env["LOCAL_RANK"]) == ("0", "1", "0")


def test_one_gpu_per_rank():
    env = {"PMI_RANK": "2", "MPI_LOCALRANKID": "2", "TM_DISTRIBUTED_GPUS": "0,1,2,3"}
    set_rank_environment(env)
    assert env["CUDA_VISIBLE_DEVICES"] == "2"
    env = {"MPI_LOCALRANKID": "1", "CUDA_VISIBLE_DEVICES": "4,6"}  # the site's choice first
    set_rank_environment(env)
    assert env["CUDA_VISIBLE_DEVICES"] == "6"
    env = {"MPI_LOCALRANKID": "0", "CUDA_VISIBLE_DEVICES": "3"}  # one already: left alone
    set_rank_environment(env)
    assert env["CUDA_VISIBLE_DEVICES"] == "3"
