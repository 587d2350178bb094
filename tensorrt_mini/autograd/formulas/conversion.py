"""Derivatives of dtype and device conversion (ops/conversion.py): the gradient goes back
to the input's dtype or device."""
from ..graph import record, run
from .common import Meta, fit, register


@register("to_dtype")
def _to_dtype(raw, x, dtype):
    out = run(raw, x, dtype)
    if out._dtype.category < 2:
        return out
    x_meta = Meta(x)  # fit: a complex gradient of a real input keeps its real part
    return record("ToCopyBackward0", out, (x,), lambda g: (fit(g, x_meta),))


@register("to_device")
def _to_device(raw, x, device, non_blocking=False):
    out = run(raw, x, device, non_blocking)
    in_device = x._storage.device
    return record("ToCopyBackward0", out, (x,), lambda g: (g.to(in_device),))
