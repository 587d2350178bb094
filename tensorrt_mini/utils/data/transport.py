"""How worker results reach the main process: one pipe that every worker writes whole
messages into (under a lock) and the main process reads.

A tensor travels as its values. A view travels compacted (a fresh contiguous copy of its own
elements), not with its whole storage as plain pickle writes it: a sample of a
TensorDataset is a row of a storage that may hold the whole dataset. So tensors that shared
a storage in a worker arrive with storages of their own.
"""
import io
import pickle

import numpy as np

from ...backends import cpu as cpu_backend
from ...creation import rebuild_view
from ...layout import contiguous_strides
from ...storage import CPUStorage
from ..._tensor import Tensor


def _storage_span(t):
    """How many storage elements t reaches, from its offset on."""
    if 0 in t._shape:
        return 0
    return 1 + sum((n - 1) * s for n, s in zip(t._shape, t._stride))


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        if not isinstance(obj, Tensor):
            return NotImplemented
        if obj.grad_fn is not None and obj._requires_grad:
            raise RuntimeError(
                "Cowardly refusing to serialize non-leaf tensor which requires_grad, since "
                "autograd does not support crossing process boundaries.  If you just want to "
                "transfer the data, call detach() on the tensor before serializing (e.g., "
                "putting it on the queue).")
        storage = obj._storage
        if storage.device.type != "cpu" or storage.size() <= _storage_span(obj):
            return obj.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
        values = np.ascontiguousarray(cpu_backend.numpy_view(obj)).reshape(-1)
        return rebuild_view, (type(obj), CPUStorage(values, obj._dtype), 0, obj._shape,
                              contiguous_strides(obj._shape), obj._requires_grad)


def dumps(obj):
    buffer = io.BytesIO()
    _Pickler(buffer, pickle.HIGHEST_PROTOCOL).dump(obj)
    return buffer.getbuffer()


class ResultChannel:
    """Workers send (task, result) messages; the main process receives them in arrival
    order. Made in the main process before the workers start, so they inherit it."""

    def __init__(self, context):
        self._reader, self._writer = context.Pipe(duplex=False)
        self._lock = context.Lock()

    def send(self, message):
        payload = dumps(message)  # outside the lock: the other workers keep sending
        with self._lock:
            self._writer.send_bytes(payload)

    def receive(self, timeout):
        """The next message, or None when none came within timeout seconds."""
        if not self._reader.poll(timeout):
            return None
        return pickle.loads(self._reader.recv_bytes())

    def close(self):
        self._reader.close()
        self._writer.close()
