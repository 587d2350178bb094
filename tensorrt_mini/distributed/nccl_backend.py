"""The NCCL backend: cuda tensors, device pointers straight to NCCL (CuPy's bindings).

The group's ranks meet through MPI: rank 0 makes NCCL's unique id and MPI broadcasts it,
then each rank joins the NcclCommunicator. Operations run on CuPy's current stream, where
tensorrt_mini's own kernels go, so they are ordered after the kernels that made their
inputs. A contiguous tensor is passed by its address; any other goes through a contiguous
device copy, written back afterwards. A blocking call returns once the stream has passed
the operation; async_op=True returns a Work whose wait() does that. Waits poll a CUDA event
against the group's timeout: a peer that never arrives aborts the communicator
(ncclCommAbort) and raises DistBackendError instead of hanging.

NCCL types: bool travels as uint8 (SUM and MAX as MAX, PRODUCT and MIN as MIN: OR and AND),
int16 has no NCCL type (an error). AVG is ncclAvg, or, where CuPy lacks it, a sum divided
by the group size on the stream.
"""
import time

import cupy
from cupy.cuda import nccl

from .. import backends
from ..autograd import no_grad
from .errors import DistBackendError
from .reduce_op import RedOpType as R
from .work import Work

_TYPES = {"float32": nccl.NCCL_FLOAT32, "float64": nccl.NCCL_FLOAT64,
          "float16": nccl.NCCL_FLOAT16, "bfloat16": getattr(nccl, "NCCL_BFLOAT16", None),
          "int8": nccl.NCCL_INT8, "uint8": nccl.NCCL_UINT8, "int32": nccl.NCCL_INT32,
          "int64": nccl.NCCL_INT64, "bool": nccl.NCCL_UINT8}
_OPS = {R.SUM: nccl.NCCL_SUM, R.PRODUCT: nccl.NCCL_PROD, R.MIN: nccl.NCCL_MIN,
        R.MAX: nccl.NCCL_MAX, R.AVG: getattr(nccl, "NCCL_AVG", None)}
_BOOL_OPS = {R.SUM: nccl.NCCL_MAX, R.MAX: nccl.NCCL_MAX, R.PRODUCT: nccl.NCCL_MIN,
             R.MIN: nccl.NCCL_MIN}


class _DeviceBuffer:
    """A cuda tensor as NCCL takes it: address, element count, NCCL type."""

    __slots__ = ("tensor", "staging", "ptr", "count", "type")

    def __init__(self, t):
        nccl_type = _TYPES.get(t._dtype.name)
        if nccl_type is None:
            raise ValueError(f"the nccl backend has no type for {t._dtype}")
        self.tensor = t
        self.staging = None if t.is_contiguous() else t.contiguous()
        src = t if self.staging is None else self.staging
        self.ptr = src._storage.data_ptr() + src._offset * src._dtype.itemsize
        self.count = t.numel()
        self.type = nccl_type

    def written(self):
        if self.staging is None:
            self.tensor._storage._version += 1
        else:
            with no_grad():
                self.tensor.copy_(self.staging)


class NCCLBackend:
    name = "nccl"

    def __init__(self, comm, rank, size, timeout):
        self.comm = comm
        self.rank = rank
        self.size = size
        self.timeout = timeout

    @classmethod
    def create(cls, mpi_comm, ranks, watchdog, timeout):
        """Every rank of mpi_comm joins one NCCL communicator (the id travels by MPI)."""
        backends.get("cuda")  # the cuda device (CuPy's) is set up before NCCL uses it
        rank, size = mpi_comm.Get_rank(), mpi_comm.Get_size()
        with watchdog.guard("nccl setup", timeout, ranks):
            uid = mpi_comm.bcast(nccl.get_unique_id() if rank == 0 else None, root=0)
        return cls(nccl.NcclCommunicator(size, uid, rank), rank, size, timeout)

    # -- running ---------------------------------------------------------------------
    def _run(self, what, launch, async_op, written=(), after=None):
        """NCCL calls `launch` (several: one NCCL group) on the current stream, then `after`
        (kernels on the same stream), then an event that wait() polls."""
        stream = cupy.cuda.get_current_stream()
        if len(launch) > 1:
            nccl.groupStart()
        try:
            for call in launch:
                call(stream.ptr)
        finally:
            if len(launch) > 1:
                nccl.groupEnd()
        if after is not None:
            after()
        done = cupy.cuda.Event(disable_timing=True)
        done.record(stream)

        def finish():
            for buf in written:
                buf.written()

        work = Work(lambda timeout=None: self._wait(what, done, timeout), lambda: done.done,
                    finish, [b.tensor for b in written])
        if async_op:
            return work
        work.wait()
        return None

    def _wait(self, what, event, timeout=None):
        timeout = timeout or self.timeout
        deadline = time.monotonic() + timeout.total_seconds()
        pause = 1e-6
        while not event.done:
            if time.monotonic() > deadline:
                self.comm.abort()
                raise DistBackendError(f"{what} timed out after {timeout}: a peer rank did not "
                                       "reach the same collective; the NCCL communicator is "
                                       "aborted")
            time.sleep(pause)
            pause = min(pause * 2, 1e-3)

    def _op(self, t, op):
        table = _BOOL_OPS if t._dtype.name == "bool" else _OPS
        if op is R.AVG and table[R.AVG] is None and t._dtype.is_floating_point:
            return nccl.NCCL_SUM  # all_reduce divides afterwards
        nccl_op = table.get(op)
        if nccl_op is None:
            raise ValueError(f"ReduceOp.{op.name} is not supported by the nccl backend for "
                             f"{t._dtype}")
        return nccl_op

    # -- collectives -------------------------------------------------------------------
    def all_reduce(self, t, op, async_op):
        b, o = _DeviceBuffer(t), self._op(t, op)
        def divide():  # queued on the stream after the sum, before the event
            with no_grad():
                (t if b.staging is None else b.staging).div_(self.size)
        return self._run("all_reduce", [lambda s: self.comm.allReduce(
            b.ptr, b.ptr, b.count, b.type, o, s)], async_op, [b],
            divide if op is R.AVG and o == nccl.NCCL_SUM else None)

    def reduce(self, t, root, op, async_op):
        b, o = _DeviceBuffer(t), self._op(t, op)
        return self._run("reduce", [lambda s: self.comm.reduce(
            b.ptr, b.ptr, b.count, b.type, o, root, s)], async_op,
            [b] if self.rank == root else [])

    def broadcast(self, t, root, async_op):
        b = _DeviceBuffer(t)
        return self._run("broadcast", [lambda s: self.comm.bcast(b.ptr, b.count, b.type, root, s)],
                         async_op, [b] if self.rank != root else [])

    def all_gather(self, out, t, async_op):
        send, recv = _DeviceBuffer(t), _DeviceBuffer(out)
        return self._run("all_gather", [lambda s: self.comm.allGather(
            send.ptr, recv.ptr, send.count, send.type, s)], async_op, [recv])

    def reduce_scatter(self, out, t, op, async_op):
        send, recv, o = _DeviceBuffer(t), _DeviceBuffer(out), self._op(t, op)
        return self._run("reduce_scatter", [lambda s: self.comm.reduceScatter(
            send.ptr, recv.ptr, recv.count, recv.type, o, s)], async_op, [recv])

    def gather(self, out, t, root, async_op):
        send = _DeviceBuffer(t)
        calls = [lambda s: self.comm.send(send.ptr, send.count, send.type, root, s)]
        if out is None:
            return self._run("gather", calls, async_op)
        recv = _DeviceBuffer(out)
        size = send.count * t._dtype.itemsize
        calls = [lambda s, p=p: self.comm.recv(recv.ptr + p * size, send.count, send.type, p, s)
                 for p in range(self.size)] + calls
        return self._run("gather", calls, async_op, [recv])

    def scatter(self, t, src, root, async_op):
        recv = _DeviceBuffer(t)
        calls = [lambda s: self.comm.recv(recv.ptr, recv.count, recv.type, root, s)]
        if src is not None:
            send = _DeviceBuffer(src)
            size = recv.count * t._dtype.itemsize
            calls += [lambda s, p=p: self.comm.send(send.ptr + p * size, recv.count, recv.type,
                                                    p, s) for p in range(self.size)]
        return self._run("scatter", calls, async_op, [recv])

    def all_to_all(self, out, out_counts, t, in_counts, async_op):
        send, recv = _DeviceBuffer(t), _DeviceBuffer(out)
        item = t._dtype.itemsize
        calls = []
        for p in range(self.size):
            at_in, at_out = sum(in_counts[:p]) * item, sum(out_counts[:p]) * item
            calls.append(lambda s, p=p, a=at_in: self.comm.send(send.ptr + a, in_counts[p],
                                                                send.type, p, s))
            calls.append(lambda s, p=p, a=at_out: self.comm.recv(recv.ptr + a, out_counts[p],
                                                                 recv.type, p, s))
        return self._run("all_to_all_single", calls, async_op, [recv])

    # -- point to point ----------------------------------------------------------------
    def send(self, t, peer, tag, async_op):
        b = _DeviceBuffer(t)
        return self._run("send", [lambda s: self.comm.send(b.ptr, b.count, b.type, peer, s)],
                         async_op)

    def recv(self, t, peer, tag, async_op):
        if peer is None:
            raise ValueError("the nccl backend receives from a named rank only (src=None)")
        b = _DeviceBuffer(t)
        work = self._run("recv", [lambda s: self.comm.recv(b.ptr, b.count, b.type, peer, s)],
                         async_op, [b])
        return work if async_op else peer

    def free(self):
        self.comm.destroy()
