"""The MPI backend: collectives and point-to-point on host buffers, through mpi4py.

A blocking operation is MPI's blocking call, guarded by the watchdog (no MPI call can time
out by itself); async_op=True uses MPI's nonblocking call (Iallreduce, Ibcast, ...) and
returns a Work whose wait() is MPI_Waitall, guarded the same way.

Reductions: MPI has no average, so AVG is a sum divided by the group size (floating dtypes
only); float16/bfloat16 reduce as float32 values (HostBuffer(compute=True)), rounded back
once; bool tensors use MPI's logical ops (SUM and MAX are OR, PRODUCT and MIN are AND, as
torch's bool reductions). The other operations move the stored bits of any dtype.
"""
import numpy as np
from mpi4py import MPI

from .buffers import HostBuffer
from .errors import DistBackendError
from .reduce_op import RedOpType as R
from .work import Work

_OPS = {R.SUM: MPI.SUM, R.AVG: MPI.SUM, R.PRODUCT: MPI.PROD, R.MIN: MPI.MIN, R.MAX: MPI.MAX,
        R.BAND: MPI.BAND, R.BOR: MPI.BOR, R.BXOR: MPI.BXOR}
_BOOL_OPS = {R.SUM: MPI.LOR, R.MAX: MPI.LOR, R.BOR: MPI.LOR, R.PRODUCT: MPI.LAND,
             R.MIN: MPI.LAND, R.BAND: MPI.LAND, R.BXOR: MPI.LXOR}


class MPIBackend:
    """One communicator (a process group's) with the watchdog that guards its waits."""

    name = "mpi"

    def __init__(self, comm, ranks, watchdog, timeout):
        self.comm = comm
        self.ranks = ranks  # the global rank of each rank of comm
        self.watchdog = watchdog
        self.timeout = timeout
        self.size = comm.Get_size()

    # -- running an operation ---------------------------------------------------------
    def _run(self, what, call, args, async_op, written=(), after=None, result=()):
        """MPI's `call` (a Comm method name) on args; its I-variant when async_op. written:
        the HostBuffers it writes; after: a step once it is done (AVG's division)."""

        def finish():
            if after is not None:
                after()
            for buf in written:
                buf.written()

        if not async_op:
            with self.watchdog.guard(what, self.timeout, self.ranks):
                getattr(self.comm, call)(*args)
            finish()
            return None
        request = getattr(self.comm, "I" + call.lower())(*args)
        return Work(lambda timeout=None: self._wait(what, request, timeout),
                    request.Test, finish, [b.tensor for b in written])

    def _wait(self, what, request, timeout=None, ranks=None):
        with self.watchdog.guard(what, timeout or self.timeout, ranks or self.ranks):
            request.Wait()

    def _reduce_setup(self, t, op, what):
        """(HostBuffer, MPI op, the AVG step or None) for reducing tensor t."""
        if op is R.PREMUL_SUM:
            raise ValueError(f"{what}: ReduceOp.PREMUL_SUM is not supported by the mpi backend")
        d = t._dtype
        if op is R.AVG and not d.is_floating_point:
            raise ValueError(f"{what}: ReduceOp.AVG needs a floating point tensor, got {d}")
        if op in (R.BAND, R.BOR, R.BXOR) and d.is_floating_point:
            raise ValueError(f"{what}: bitwise ReduceOp.{op.name} needs an integer or bool tensor, "
                             f"got {d}")
        buf = HostBuffer(t, compute=True)
        mpi_op = _BOOL_OPS[op] if d.name == "bool" else _OPS[op]
        def avg():
            buf.array /= self.size
        return buf, mpi_op, avg if op is R.AVG else None

    # -- collectives (roots are ranks in this communicator) ---------------------------
    def barrier(self, async_op):
        return self._run("barrier", "Barrier", (), async_op)

    def all_reduce(self, t, op, async_op):
        buf, mpi_op, avg = self._reduce_setup(t, op, "all_reduce")
        return self._run("all_reduce", "Allreduce", (MPI.IN_PLACE, buf.array, mpi_op), async_op,
                         [buf], avg)

    def reduce(self, t, root, op, async_op):
        buf, mpi_op, avg = self._reduce_setup(t, op, "reduce")
        if self.comm.Get_rank() == root:
            return self._run("reduce", "Reduce", (MPI.IN_PLACE, buf.array, mpi_op, root),
                             async_op, [buf], avg)
        return self._run("reduce", "Reduce", (buf.array, None, mpi_op, root), async_op)

    def broadcast(self, t, root, async_op):
        buf = HostBuffer(t)
        written = [buf] if self.comm.Get_rank() != root else []
        return self._run("broadcast", "Bcast", (buf.array, root), async_op, written)

    def all_gather(self, out, t, async_op):
        """out: a tensor of size * t.numel() elements, rank r's values at r * t.numel()."""
        send, recv = HostBuffer(t), HostBuffer(out)
        return self._run("all_gather", "Allgather", (send.array, recv.array), async_op, [recv])

    def gather(self, out, t, root, async_op):
        """out: as all_gather's, on root only (None elsewhere)."""
        send = HostBuffer(t)
        if out is None:
            return self._run("gather", "Gather", (send.array, None, root), async_op)
        recv = HostBuffer(out)
        return self._run("gather", "Gather", (send.array, recv.array, root), async_op, [recv])

    def scatter(self, t, src, root, async_op):
        """src: size * t.numel() elements on root (None elsewhere); rank r gets part r."""
        recv = HostBuffer(t)
        send = None if src is None else HostBuffer(src).array
        return self._run("scatter", "Scatter", (send, recv.array, root), async_op, [recv])

    def reduce_scatter(self, out, t, op, async_op):
        """t: size * out.numel() elements; rank r gets the reduction of every rank's part r."""
        send, mpi_op, _ = self._reduce_setup(t, R.SUM if op is R.AVG else op, "reduce_scatter")
        recv, _, avg = self._reduce_setup(out, op, "reduce_scatter")
        return self._run("reduce_scatter", "Reduce_scatter_block",
                         (send.array, recv.array, mpi_op), async_op, [recv], avg)

    def all_to_all(self, out, out_counts, t, in_counts, async_op):
        """Rank r sends in_counts[p] elements of t (in order) to each p, and receives
        out_counts[p] elements from each p into out, in rank order."""
        send, recv = HostBuffer(t), HostBuffer(out)
        return self._run("all_to_all_single", "Alltoallv",
                         ([send.array, (in_counts, _displacements(in_counts))],
                          [recv.array, (out_counts, _displacements(out_counts))]),
                         async_op, [recv])

    # -- point to point ----------------------------------------------------------------
    def send(self, t, peer, tag, async_op):
        buf = HostBuffer(t)
        what, ranks = f"send to rank {self.ranks[peer]}", [self.ranks[peer]]
        if async_op:
            request = self.comm.Isend(buf.array, peer, tag)
            return Work(lambda timeout=None: self._wait(what, request, timeout, ranks),
                        request.Test, None)
        with self.watchdog.guard(what, self.timeout, ranks):
            self.comm.Send(buf.array, peer, tag)
        return None

    def recv(self, t, peer, tag, async_op):
        """peer None: from any rank. Blocking: the sender's rank (in this communicator)."""
        buf = HostBuffer(t)
        source = MPI.ANY_SOURCE if peer is None else peer
        ranks = self.ranks if peer is None else [self.ranks[peer]]
        what = f"recv from rank {'any' if peer is None else self.ranks[peer]}"
        if async_op:
            request = self.comm.Irecv(buf.array, source, tag)
            return Work(lambda timeout=None: self._wait(what, request, timeout, ranks),
                        request.Test, buf.written, [t])
        status = MPI.Status()
        with self.watchdog.guard(what, self.timeout, ranks):
            self.comm.Recv(buf.array, source, tag, status)
        buf.written()
        return status.Get_source()

    # -- metadata (the mismatch check and the object collectives) ---------------------
    def all_gather_small(self, array, what):
        """Every rank's copy of a small host array (same size everywhere), blocking."""
        out = np.empty((self.size,) + array.shape, array.dtype)
        with self.watchdog.guard(what, self.timeout, self.ranks):
            self.comm.Allgather(array, out)
        return out

    def objects(self, what, call, *args):
        """mpi4py's pickling collective `call` (bcast, allgather, ...) on Python objects."""
        with self.watchdog.guard(what, self.timeout, self.ranks):
            return getattr(self.comm, call)(*args)

    def free(self):
        if self.comm not in (MPI.COMM_WORLD, MPI.COMM_NULL):
            try:
                self.comm.Free()
            except MPI.Exception as e:
                raise DistBackendError(f"freeing the communicator failed: {e}") from None


def _displacements(counts):
    out, total = [], 0
    for c in counts:
        out.append(total)
        total += c
    return out
