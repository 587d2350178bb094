"""Derivatives of dtype and device conversion (ops/conversion.py): the gradient goes back
to the input's dtype or device."""
from ..graph import record, run
from .common import register


@register("to_dtype")
def _to_dtype(raw, x, dtype):
    out = run(raw, x, dtype)
    if not out._dtype.is_floating_point:
        return out
    in_dtype = x._dtype
    return record("ToCopyBackward0", out, (x,), lambda g: (g.to(in_dtype),))


@register("to_device")
def _to_device(raw, x, device, non_blocking=False):
    out = run(raw, x, device, non_blocking)
    in_device = x._storage.device
    return record("ToCopyBackward0", out, (x,), lambda g: (g.to(in_device),))
