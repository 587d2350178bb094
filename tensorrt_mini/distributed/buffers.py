"""A tensor's memory as a communication backend reads and writes it.

HostBuffer (the MPI backend): a 1-D numpy array. A contiguous cpu tensor is passed
zero-copy (a numpy view of its storage, which MPI reads through the buffer protocol); any
other tensor, a cuda tensor (the mpich wheel is not CUDA-aware) and a float16/bfloat16
tensor in a reduction go through a contiguous host copy, written back afterwards when the
operation writes the tensor.
"""
import numpy as np

from .. import backends
from .. import dtypes as D
from .._tensor import _new
from ..autograd import no_grad
from ..layout import contiguous_strides


class HostBuffer:
    """t's values as a 1-D host array. compute=True: float16/bfloat16 as float32 values,
    for a reduction (MPI has no 16-bit float ops); otherwise their stored 16 bits travel."""

    __slots__ = ("tensor", "array", "staged", "compute")

    def __init__(self, t, compute=False):
        self.tensor = t
        self.compute = compute = compute and t._dtype.is_half
        n = t.numel()
        if t._storage.device.type == "cpu" and not compute and t.is_contiguous():
            self.array = t._storage.array[t._offset:t._offset + n]
            self.staged = False
            return
        host = backends.get(t._storage.device.type).to_host(t).reshape(-1)
        self.array = D.host_values(host, t._dtype).astype(np.float32) if compute else host.copy()
        self.staged = True

    def written(self):
        """The operation has written the array: make the tensor hold its values."""
        t = self.tensor
        if not self.staged:
            t._storage._version += 1
            return
        values = D.storage_values(self.array, t._dtype) if self.compute else self.array
        src = _new(backends.get("cpu").from_host(values.reshape(-1), dtype=t._dtype), t._shape,
                   contiguous_strides(t._shape))
        with no_grad():
            t.copy_(src)

