"""A world of one rank, started as a plain script (no mpiexec); run by test_process_group.py.
argv[1]: the backend ("mpi", or "nccl" on a GPU)."""
import sys

import numpy as np

import tensorrt_mini as tm
import tensorrt_mini.distributed as dist

backend = sys.argv[1]
device = "cuda" if backend == "nccl" else "cpu"
try:  # RANK / WORLD_SIZE (here the arguments) must agree with MPI's
    dist.init_process_group(backend, rank=1, world_size=2)
    raise AssertionError("init_process_group took rank=1 in a world of one")
except ValueError as e:
    assert str(e).startswith("RANK=1 but MPI gives this process 0: start the ranks with "
                             "mpiexec"), e
assert not dist.is_initialized()
dist.init_process_group(backend)
assert (dist.get_rank(), dist.get_world_size(), dist.get_backend()) == (0, 1, backend)
x = tm.arange(6, dtype=tm.float32, device=device).reshape(2, 3)
dist.all_reduce(x, op=dist.ReduceOp.AVG)
assert x.tolist() == [[0, 1, 2], [3, 4, 5]], x
y = x.t()  # not contiguous: staged and written back
dist.all_reduce(y, op=dist.ReduceOp.MAX, async_op=True).wait()
dist.broadcast(y, src=0)
out = tm.zeros(6, device=device)
dist.all_gather_into_tensor(out, x.reshape(-1))
assert np.array_equal(np.array(out.tolist()), np.arange(6)), out
out = tm.zeros(3, device=device)
dist.reduce_scatter_tensor(out, tm.ones(3, device=device))
assert out.tolist() == [1, 1, 1], out
dist.barrier()


def raises(kind, text, call):
    try:
        call()
    except kind as e:
        assert str(e).startswith(text), (str(e), text)
    else:
        raise AssertionError(f"no {kind.__name__}: {text}")


# torch's errors (texts from torch.distributed)
raises(ValueError, "Global rank 1 is not part of group", lambda: dist.broadcast(x, src=1))
raises(ValueError, "Must specify global_rank or group_rank", lambda: dist.broadcast(x))
raises(ValueError, "Can't specify both group_rank and global_rank",
       lambda: dist.broadcast(x, src=0, group_src=0))
raises(ValueError, "Invalid destination rank: destination rank should not be the same as the "
       "rank of the current process.", lambda: dist.send(x, 0))
raises(TypeError, "Invalid function argument. Expected parameter `tensor` of type torch.Tensor",
       lambda: dist.all_reduce([x]))
raises(ValueError, "output tensor size must be equal to world_size times input tensor size",
       lambda: dist.all_gather_into_tensor(tm.zeros(5, device=device), x))
if backend == "mpi":  # MPI has no average: a sum divided, for floating tensors
    raises(ValueError, "all_reduce: ReduceOp.AVG needs a floating point tensor",
           lambda: dist.all_reduce(tm.ones(2, dtype=tm.int64), op=dist.ReduceOp.AVG))
raises(ValueError, "trying to initialize the default process group twice!",
       lambda: dist.init_process_group(backend))
dist.destroy_process_group()
sys.stdout.write("ONE RANK OK\n")
sys.stdout.flush()
