"""Dtype and device conversion, and copy_ across both."""
from .. import _tensor as T
from .. import dtypes as D
from ..device import as_device
from ..user_warnings import warn
from .dispatch import differentiable
from .elementwise import copy_into


def warn_if_discarding_imag(src_dtype, dst_dtype):
    """torch's warning when a copy casts complex values to a real dtype."""
    if src_dtype.is_complex and not dst_dtype.is_complex:
        warn("Casting complex values to real discards the imaginary part")


@differentiable
def to_dtype(input, dtype):
    warn_if_discarding_imag(input._dtype, dtype)
    out = T.empty_strided_like(input._shape, dtype, input._storage.device, input)
    T.backends.get(input._storage.device.type).copy_(out, input)
    return out


@differentiable
def to_device(input, device, non_blocking=False):
    return T.transfer_raw(input, device, non_blocking)


@differentiable(writes=0)
def copy_(self, src):
    if not isinstance(src, T.Tensor):
        # torch makes a number a 0-d tensor of its own type (int64, float64, bool), then
        # casts that as any copy does: int8.copy_(-129) wraps to 127, where fill_ refuses
        from ..creation import full
        src = full((), src, dtype=D.float64 if isinstance(src, float) else None,
                   device=self._storage.device)
    warn_if_discarding_imag(src._dtype, self._dtype)
    return copy_into(self, src)


def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False):
    """Tensor.to: a dtype, a device, or another tensor's both, positionally or by name."""
    for a in args:
        if isinstance(a, D.dtype):
            dtype = a
        elif isinstance(a, T.Tensor):
            dtype, device = a._dtype, a.device
        else:
            device = a
    out = self
    if device is not None:
        dev = as_device(device)
        if dev != self._storage.device:
            out = to_device(out, dev, non_blocking)
    if dtype is not None and D.as_dtype(dtype, "to") is not out._dtype:
        out = to_dtype(out, D.as_dtype(dtype, "to"))
    if copy and out is self:
        out = self.clone()
    return out
