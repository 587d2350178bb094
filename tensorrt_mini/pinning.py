"""Page-locked (pinned) host memory: Tensor.pin_memory and Tensor.is_pinned.

Pinned memory comes from CuPy's pinned-memory pool, so it needs a usable cuda device;
without one, pin_memory raises as torch's does with no accelerator."""
from . import _tensor as T
from .layout import contiguous_strides
from .storage import PinnedCPUStorage


def _cuda_runtime():
    # imported on first use, as tm.cuda imports it: a process that never pins (or never
    # asks about cuda) does not load the cuda runtime
    from .backends import cuda_runtime
    return cuda_runtime


def is_pinned(self, device=None):
    return isinstance(self._storage, PinnedCPUStorage)


def pin_memory(self, device=None):
    """A copy of this cpu tensor in pinned memory (contiguous), or itself if it is pinned."""
    if self._storage.device.type != "cpu":
        raise RuntimeError(f"cannot pin '{self.type()}' only dense CPU tensors can be pinned")
    runtime = _cuda_runtime()
    if not runtime.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    if is_pinned(self):
        return self
    if self._requires_grad:
        raise RuntimeError("tensorrt_mini does not record pin_memory in autograd: call "
                           "detach() first")
    shape = self._shape
    values = runtime.runtime().pinned_empty(self.numel(), self._dtype.np)
    out = T._new(PinnedCPUStorage(values, self._dtype), shape, contiguous_strides(shape), 0)
    T.backends.get("cpu").copy_(out, self)
    return out
