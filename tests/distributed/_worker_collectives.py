"""One rank of the collectives check (run by test_collectives.py under mpiexec, not by
pytest): every collective and point-to-point op against a numpy reference built from all
ranks' inputs (each rank can make every rank's input). Prints CHECKED <n> at the end; any
failure raises, which aborts the job (the excepthook), so the test sees a non-zero exit."""
import datetime
import os
import sys

import numpy as np

import tensorrt_mini as tm
import tensorrt_mini.distributed as dist

dist.init_process_group("gloo", timeout=datetime.timedelta(seconds=60))
R, N = dist.get_rank(), dist.get_world_size()
DEVICE = sys.argv[1] if len(sys.argv) > 1 else "cpu"
checked = 0


def host(t):
    return np.array(t.cpu().float().tolist() if t.dtype in (tm.float16, tm.bfloat16)
                    else t.cpu().tolist()).reshape(tuple(t.shape))


def same(t, want, what, tol=0.0):
    global checked
    got = host(t)
    want = np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    assert np.allclose(got, want, rtol=tol, atol=tol) if tol else np.array_equal(got, want), \
        f"rank {R} {what}: got {got}, want {want}"
    checked += 1


def data(rank, shape, dtype):
    """Rank `rank`'s input: small distinct values (exact in every dtype)."""
    n = int(np.prod(shape))
    v = (np.arange(n) * 3 + rank * 5 + 1) % 7 + 1 + (rank % 2)
    if dtype == tm.bool:
        return (v % 2).astype(bool).reshape(shape)
    return v.reshape(shape)


def tensor(rank, shape, dtype, transposed=False):
    v = data(rank, shape, dtype)
    if transposed:  # a non-contiguous view with the same values
        return tm.tensor(v.T.copy(), dtype=dtype, device=DEVICE).t()
    return tm.tensor(v, dtype=dtype, device=DEVICE)


def every(shape, dtype):
    return [data(r, shape, dtype) for r in range(N)]


# assert the environment the launcher sets (when it started us)
if "TM_DISTRIBUTED_GPUS" in os.environ:
    assert os.environ["RANK"] == str(R) and os.environ["WORLD_SIZE"] == str(N)
    assert os.environ["LOCAL_RANK"] == str(R) and os.environ["LOCAL_WORLD_SIZE"] == str(N)
    assert os.environ["MASTER_PORT"] == "29500"

# -- all_reduce: every op, several dtypes, a transposed tensor, async ------------------
REF = {dist.ReduceOp.SUM: lambda a: np.sum(a, 0), dist.ReduceOp.PRODUCT: lambda a: np.prod(a, 0),
       dist.ReduceOp.MIN: lambda a: np.min(a, 0), dist.ReduceOp.MAX: lambda a: np.max(a, 0)}
for dtype in (tm.float32, tm.float64, tm.int64, tm.int32, tm.uint8):
    for op, ref in REF.items():
        t = tensor(R, (2, 3), dtype)
        dist.all_reduce(t, op=op)
        want = ref(np.array(every((2, 3), dtype)))
        same(t, want.astype(np.uint8) if dtype == tm.uint8 else want, f"all_reduce {op} {dtype}")
for op, ref in ((dist.ReduceOp.BAND, np.bitwise_and.reduce), (dist.ReduceOp.BOR, np.bitwise_or.reduce),
                (dist.ReduceOp.BXOR, np.bitwise_xor.reduce)):
    t = tensor(R, (5,), tm.int32)
    dist.all_reduce(t, op=op)
    same(t, ref(np.array(every((5,), tm.int32)), axis=0), f"all_reduce {op}")
t = tensor(R, (3, 4), tm.float32, transposed=True)
dist.all_reduce(t, op=dist.ReduceOp.AVG)
same(t, np.mean(every((3, 4), tm.float32), 0), "all_reduce AVG transposed", 1e-6)
for op, ref in ((dist.ReduceOp.SUM, np.any), (dist.ReduceOp.MIN, np.all), (dist.ReduceOp.MAX, np.any),
                (dist.ReduceOp.PRODUCT, np.all)):
    t = tensor(R, (6,), tm.bool)
    dist.all_reduce(t, op=op)
    same(t, ref(np.array(every((6,), tm.bool)), 0), f"all_reduce bool {op}")
for dtype in (tm.float16, tm.bfloat16):
    t = tensor(R, (4,), dtype)
    dist.all_reduce(t, op=dist.ReduceOp.AVG)
    same(t, np.mean(every((4,), dtype), 0), f"all_reduce AVG {dtype}", 1e-2)
t = tensor(R, (7,), tm.float32)
work = dist.all_reduce(t, async_op=True)
assert isinstance(work, dist.Work) and work.wait() is True and work.is_completed()
same(t, np.sum(every((7,), tm.float32), 0), "all_reduce async")
t = tensor(R, (3, 2), tm.float64, transposed=True)[::2]
work = dist.all_reduce(t, op=dist.ReduceOp.MAX, async_op=True)
work.wait()
same(t, np.max(every((3, 2), tm.float64), 0)[::2], "all_reduce async stepped")

# -- broadcast, reduce ------------------------------------------------------------
last = N - 1
for dtype in (tm.float32, tm.bfloat16, tm.int16, tm.bool):
    t = tensor(R, (2, 3), dtype, transposed=dtype == tm.float32)
    dist.broadcast(t, src=last)
    same(t, data(last, (2, 3), dtype), f"broadcast {dtype}")
t = tensor(R, (4,), tm.int64)
dist.broadcast(t, src=1, async_op=True).wait()
same(t, data(1, (4,), tm.int64), "broadcast async")
t = tensor(R, (3,), tm.float32)
dist.reduce(t, dst=1, op=dist.ReduceOp.SUM)
if R == 1:
    same(t, np.sum(every((3,), tm.float32), 0), "reduce")

# -- gathers and scatters ----------------------------------------------------------
outs = [tm.zeros(2, 2, dtype=tm.int32, device=DEVICE) for _ in range(N)]
dist.all_gather(outs, tensor(R, (2, 2), tm.int32))
for r in range(N):
    same(outs[r], data(r, (2, 2), tm.int32), "all_gather")
out = tm.zeros(N * 3, dtype=tm.float16, device=DEVICE)
dist.all_gather_into_tensor(out, tensor(R, (3,), tm.float16), async_op=True).wait()
same(out, np.concatenate(every((3,), tm.float16)), "all_gather_into_tensor")
out = tm.zeros(2, N, dtype=tm.float32, device=DEVICE).t()  # (N, 2), not contiguous
dist.all_gather_into_tensor(out, tensor(R, (2,), tm.float32))
same(out, np.stack(every((2,), tm.float32)), "all_gather_into_tensor non-contiguous out")
gl = [tm.zeros(3, device=DEVICE) for _ in range(N)] if R == 1 else None
dist.gather(tensor(R, (3,), tm.float32), gl, dst=1)
if R == 1:
    for r in range(N):
        same(gl[r], data(r, (3,), tm.float32), "gather")
t = tm.zeros(2, dtype=tm.int64, device=DEVICE)
sl = [tm.full((2,), 10 * r + 1, dtype=tm.int64, device=DEVICE) for r in range(N)] if R == 0 else None
dist.scatter(t, sl, src=0)
same(t, [10 * R + 1] * 2, "scatter")
t = tm.zeros(2, device=DEVICE)
dist.reduce_scatter(t, [tensor(R, (2,), tm.float32) * (p + 1) for p in range(N)])
same(t, np.sum(every((2,), tm.float32), 0) * (R + 1), "reduce_scatter")
t = tm.zeros(3, dtype=tm.int32, device=DEVICE)
dist.reduce_scatter_tensor(t, tensor(R, (N * 3,), tm.int32), op=dist.ReduceOp.MAX)
same(t, np.max(every((N * 3,), tm.int32), 0)[R * 3:R * 3 + 3], "reduce_scatter_tensor")

outs = [tm.zeros(3, 1, device=DEVICE).t() for _ in range(N)]  # async, into non-contiguous
work = dist.all_gather(outs, tensor(R, (1, 3), tm.float32), async_op=True)
work.wait()
for r in range(N):
    same(outs[r], data(r, (1, 3), tm.float32), "all_gather async")
empty = tm.zeros(0, 3, device=DEVICE)  # size 0: nothing to move, still a collective
dist.all_reduce(empty)
dist.broadcast(empty, src=0)
same(empty, np.zeros((0, 3)), "all_reduce size 0")

# -- all_to_all_single: equal parts, then uneven splits -----------------------------
inp = tensor(R, (N * 2, 3), tm.float32)
out = tm.zeros(N * 2, 3, device=DEVICE)
dist.all_to_all_single(out, inp)
same(out, np.concatenate([data(p, (N * 2, 3), tm.float32)[R * 2:R * 2 + 2] for p in range(N)]),
     "all_to_all_single")
# rank p sends p + q + 1 rows to rank q
rows_to = [R + q + 1 for q in range(N)]
rows_from = [p + R + 1 for p in range(N)]
inp = tensor(R, (sum(rows_to), 2), tm.int64)
out = tm.zeros(sum(rows_from), 2, dtype=tm.int64, device=DEVICE)
dist.all_to_all_single(out, inp, rows_from, rows_to, async_op=True).wait()
want = [data(p, (sum(p + q + 1 for q in range(N)), 2), tm.int64)[sum(p + q + 1 for q in range(R)):][:p + R + 1]
        for p in range(N)]
same(out, np.concatenate(want), "all_to_all_single uneven")

# -- point to point: a ring, blocking and async ----------------------------------
right, left = (R + 1) % N, (R - 1) % N
t = tm.zeros(4, dtype=tm.float64, device=DEVICE)
if R % 2 == 0:
    dist.send(tensor(R, (4,), tm.float64), right)
    sender = dist.recv(t, left)
else:
    sender = dist.recv(t)
    dist.send(tensor(R, (4,), tm.float64), right)
assert sender == left, sender
same(t, data(left, (4,), tm.float64), "send/recv")
t = tm.zeros(3, 2, device=DEVICE).t()
works = [dist.isend(tensor(R, (2, 3), tm.float32), right), dist.irecv(t, left)]
for w in works:
    w.wait()
same(t, data(left, (2, 3), tm.float32), "isend/irecv non-contiguous")

# -- groups -----------------------------------------------------------------------
members = [0, N - 1]
g = dist.new_group(members)
if R in members:
    assert dist.get_rank(g) == members.index(R) and dist.get_world_size(g) == 2
    t = tensor(R, (3,), tm.float32)
    dist.all_reduce(t, group=g)
    same(t, data(0, (3,), tm.float32) + data(N - 1, (3,), tm.float32), "all_reduce group")
    t = tensor(R, (3,), tm.int64)
    dist.broadcast(t, src=N - 1, group=g)
    same(t, data(N - 1, (3,), tm.int64), "broadcast group (global src)")
    objs = [None, None]
    dist.all_gather_object(objs, ("rank", R), group=g)
    assert objs == [("rank", 0), ("rank", N - 1)], objs
else:
    assert g is dist.GroupMember.NON_GROUP_MEMBER
    assert dist.get_rank(g) == -1 and dist.get_world_size(g) == -1
dist.barrier()

# -- objects ------------------------------------------------------------------------
objs = [{"a": [1, 2]}, "x", 3] if R == 1 else [None, None, None]
dist.broadcast_object_list(objs, src=1)
assert objs == [{"a": [1, 2]}, "x", 3], objs
gathered = [None] * N
dist.all_gather_object(gathered, {"rank": R, "sq": R * R})
assert gathered == [{"rank": r, "sq": r * r} for r in range(N)], gathered
checked += 2

dist.barrier()
dist.destroy_process_group()
assert not dist.is_initialized()
sys.stdout.write(f"CHECKED {checked} rank {R}\n")  # one write: ranks share the pipe
sys.stdout.flush()
