"""One rank started by an MPI launcher: torch's environment, then the script.

    mpiexec -n 4 python -m tensorrt_mini.distributed.rank_env train.py --epochs 2
    srun -N 2 --ntasks-per-node 4 python -m tensorrt_mini.distributed.rank_env train.py

mpiexec (MPICH's hydra, Open MPI) and srun tell each process its place in their own
variables; this sets torch's from them (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE),
so a torch script that reads them before init_process_group runs unchanged. Then it binds
the process to one GPU: CUDA_VISIBLE_DEVICES becomes the LOCAL_RANK-th entry of
TM_DISTRIBUTED_GPUS (set by tensorrt_mini.distributed.run) or of CUDA_VISIBLE_DEVICES
when that lists several, so each rank sees its own GPU as cuda:0 (tensorrt_mini runs on
cuda:0). Finally it runs the script (or -m module) as __main__, in a child process: the
parent only waits, so that a rank killed by a signal is reported by rank (MPI's launcher
names only the pid), and the other ranks' watchdogs see it gone and name it too.
"""
import os
import runpy
import signal
import sys

# (torch's name, the launchers' names for it, first found wins)
_VARIABLES = (
    ("RANK", ("PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "SLURM_PROCID")),
    ("WORLD_SIZE", ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "SLURM_NTASKS")),
    ("LOCAL_RANK", ("MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID")),
    ("LOCAL_WORLD_SIZE", ("MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE",
                          "SLURM_NTASKS_PER_NODE")),
)


def set_rank_environment(env):
    """torch's rank variables in env from the MPI launcher's (a single process: rank 0 of 1)."""
    for name, sources in _VARIABLES:
        value = next((env[s] for s in sources if s in env), None)
        if value is not None:
            env[name] = value.split("(")[0]  # SLURM_NTASKS_PER_NODE may read "4(x2)"
        else:
            env.setdefault(name, "1" if name.endswith("SIZE") else "0")
    gpus = env.get("TM_DISTRIBUTED_GPUS") or env.get("CUDA_VISIBLE_DEVICES", "")
    gpus = [g for g in gpus.split(",") if g.strip()]
    if len(gpus) > 1 or "TM_DISTRIBUTED_GPUS" in env and gpus:
        env["CUDA_VISIBLE_DEVICES"] = gpus[int(env["LOCAL_RANK"]) % len(gpus)]


def _die_with(parent):
    """The rank's process ends when its parent does (mpiexec may SIGKILL the parent it
    started; an orphaned rank would wait on in MPI). Linux's PR_SET_PDEATHSIG."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the watchdog's timeout still ends it
        return
    if os.getppid() != parent:  # the parent died before prctl
        os._exit(1)


def _watch_child(pid, rank):
    """Wait for the rank's process; pass on SIGINT/SIGTERM; exit as it did, naming a signal."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda s, _frame: os.kill(pid, s))
    # MPICH's mpiexec, told not to clean up after a failure, signals SIGUSR1 to the
    # processes it started whenever one of them ends; the rank's own MPI never sees it here
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        sys.stderr.write(f"[tm.distributed] rank {rank} (pid {pid}) was killed by signal {sig} "
                         f"({signal.Signals(sig).name})\n")
        sys.stderr.flush()
        return 128 + sig
    return os.WEXITSTATUS(status)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    set_rank_environment(os.environ)
    if hasattr(os, "fork"):  # POSIX: the rank runs in a child this process watches
        parent = os.getpid()
        pid = os.fork()
        if pid:
            return _watch_child(pid, os.environ["RANK"])
        _die_with(parent)
    if argv[0] == "-m":
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = argv
        sys.path[0] = os.path.dirname(os.path.abspath(argv[0]))
        runpy.run_path(argv[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
