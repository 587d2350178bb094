"""A world of one rank, started as a plain script (no mpiexec); run by test_process_group.py.
argv[1]: the backend ("mpi", or "nccl" on a GPU)."""
import sys

import numpy as np

import tensorrt_mini as tm
import tensorrt_mini.distributed as dist

backend = sys.argv[1]
device = "cuda" if backend == "nccl" else "cpu"
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
dist.destroy_process_group()
print("ONE RANK OK", flush=True)
