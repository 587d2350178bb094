"""The launcher, torchrun's flags where they make sense:

    python -m tensorrt_mini.distributed.run --nproc-per-node 4 train.py --epochs 2

It starts the ranks with MPI's own launcher, mpiexec (the one next to this Python first,
then PATH's), each through tensorrt_mini.distributed.rank_env, which sets RANK,
LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE (plus MASTER_ADDR/MASTER_PORT, set here) and
binds one GPU per process. NCCL groups meet through MPI as well, so both backends start
this way.

Faults: with MPICH's mpiexec, a dead rank does not make mpiexec kill the others at once
(-disable-auto-cleanup): they stop in their next collective, whose watchdog names the dead
rank, then abort the job; a rank that raises aborts the job from its excepthook. The exit
status is mpiexec's: non-zero when any rank failed.

One node only: a multi-node job starts under the cluster's mpiexec or srun directly (see
the README's "Distributed training").
"""
import argparse
import os
import shutil
import subprocess
import sys


def find_mpiexec():
    """mpiexec next to this interpreter (the mpich wheel's, in a venv), else on PATH."""
    beside = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.access(beside, os.X_OK):
        return beside
    return shutil.which("mpiexec")


def _is_hydra(mpiexec):
    try:
        out = subprocess.run([mpiexec, "--version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "HYDRA" in out.stdout


def _visible_gpus():
    """The GPUs this node's ranks share out: CUDA_VISIBLE_DEVICES, else nvidia-smi's list."""
    if "CUDA_VISIBLE_DEVICES" in os.environ:
        return os.environ["CUDA_VISIBLE_DEVICES"]
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return ""
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return ",".join(str(i) for i, line in enumerate(out.splitlines()) if line.startswith("GPU "))


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m tensorrt_mini.distributed.run",
                                description="Start N ranks of a training script under mpiexec.")
    p.add_argument("--nproc-per-node", "--nproc_per_node", type=int, default=1,
                   help="ranks on this node (default 1)")
    p.add_argument("--nnodes", default="1", help="nodes (1: multi-node jobs use mpiexec/srun)")
    p.add_argument("--node-rank", "--node_rank", type=int, default=0)
    p.add_argument("--master-addr", "--master_addr", default="127.0.0.1")
    p.add_argument("--master-port", "--master_port", type=int, default=29500)
    p.add_argument("--standalone", action="store_true", help="accepted, as torchrun's (one node)")
    p.add_argument("-m", "--module", action="store_true",
                   help="the script is a module name, run as python -m does")
    p.add_argument("--mpiexec", default=None, help="the mpiexec to use (default: found)")
    p.add_argument("script")
    p.add_argument("script_args", nargs=argparse.REMAINDER)
    return p.parse_args(argv)


def command(args, mpiexec, hydra):
    cmd = [mpiexec, "-n", str(args.nproc_per_node)]
    if hydra:
        cmd.append("-disable-auto-cleanup")
    cmd += [sys.executable, "-m", "tensorrt_mini.distributed.rank_env"]
    cmd += (["-m"] if args.module else []) + [args.script] + args.script_args
    return cmd


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.nnodes not in ("1", "1:1") or args.node_rank != 0:
        sys.exit("tensorrt_mini.distributed.run starts one node; a multi-node job starts under "
                 "the cluster's mpiexec or srun with `python -m tensorrt_mini.distributed."
                 "rank_env script.py` (README, Distributed training)")
    if args.nproc_per_node < 1:
        sys.exit(f"--nproc-per-node must be at least 1, got {args.nproc_per_node}")
    mpiexec = args.mpiexec or find_mpiexec()
    if mpiexec is None:
        sys.exit("mpiexec not found: pip install 'tensorrt_mini[distributed]' brings MPICH's")
    env = dict(os.environ, WORLD_SIZE=str(args.nproc_per_node),
               LOCAL_WORLD_SIZE=str(args.nproc_per_node), MASTER_ADDR=args.master_addr,
               MASTER_PORT=str(args.master_port), TM_DISTRIBUTED_GPUS=_visible_gpus())
    proc = subprocess.Popen(command(args, mpiexec, _is_hydra(mpiexec)), env=env)
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        code = proc.wait()
    if code != 0:
        sys.stderr.write(f"tensorrt_mini.distributed.run: the job failed (exit status {code}); "
                         "the failing rank's error is above\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
