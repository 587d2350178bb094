"""flash_attention: softmax(scale * query @ key^T) @ value on cuda by fused kernels
(FlashAttention-2's scheme, kernels/cuda/flash_attention.py) that never hold the L x S
score matrix in memory, forward and backward, recorded as ONE autograd node.

This is the cuda path of scaled_dot_product_attention without a mask and without dropout;
what the kernels do not cover (masks, dropout, head dims over 128, other devices and
dtypes) is refused here rather than computed another way.
"""
import math

from ... import _tensor as T
from ... import dtypes as D
from ...autograd.formulas.common import sum_to
from ...autograd.graph import record
from ...layout import broadcast_shapes
from ...ops.dispatch import GradMode
from .core import _tracking, _untracked

DTYPES = ("float32", "float16", "bfloat16")
# the C++ names torch's dtype message prints for the 16-bit floats (the others: _tensor's)
_HALF_CPP_NAMES = {"float16": "c10::Half", "bfloat16": "c10::BFloat16"}
MAX_HEAD_DIM = 128


def flash_attention(query, key, value, *, scale=None, is_causal=False, attn_mask=None,
                    dropout_p=0.0):
    """Attention of query (..., L, E) over key (..., S, E) and value (..., S, Ev), batch
    dims broadcast as torch's scaled_dot_product_attention does; scale defaults to
    1 / sqrt(E); is_causal keeps torch's top-left aligned lower triangle (query i sees
    keys j <= i, also where L != S). Returns (..., L, Ev) of query's dtype."""
    _check(query, key, value, attn_mask, dropout_p)
    *qb, L, E = query._shape
    *kb, S, _ = key._shape
    Ev = value._shape[-1]
    batch = broadcast_shapes(tuple(qb), tuple(kb), tuple(value._shape[:-2]))
    bh = math.prod(batch)
    scale = 1.0 / math.sqrt(E) if scale is None else float(scale)
    device, dtype = query._storage.device, query._dtype
    backend = T.backends.get("cuda")
    track = _tracking(query, key, value)

    def forward():
        q, k, v = (_heads(t, batch, rows) for t, rows in ((query, L), (key, S), (value, S)))
        out = T.empty_tensor((bh, L, Ev), dtype, device)
        lse = T.empty_tensor((bh, L), D.float32, device)
        backend.flash_attention_forward(out, lse, q, k, v, scale, bool(is_causal))
        return out.view(batch + (L, Ev)), (q, k, v, out, lse)
    result, saved = _untracked(forward, track)
    if not track:
        return result
    inputs = (query, key, value)

    def backward(g, q, k, v, out, lse):
        if GradMode.enabled:  # the kernels record nothing to differentiate again
            raise NotImplementedError("the derivative of flash_attention's gradient "
                                      "(create_graph=True) is not implemented in tensorrt_mini")
        dout = g.contiguous().view(out._shape)
        dq, dk, dv = (T.empty_tensor(t._shape, dtype, device) for t in (q, k, v))
        backend.flash_attention_backward(dq, dk, dv, q, k, v, out, dout, lse, scale,
                                         bool(is_causal))
        return tuple(sum_to(d.view(batch + d._shape[1:]), x._shape) if x._requires_grad
                     else None for d, x in zip((dq, dk, dv), inputs))
    return record("ScaledDotProductFlashAttentionBackward0", result, inputs, backward, saved)


def _heads(t, batch, rows):
    """t's (..., rows, E) broadcast to batch and laid out as contiguous (BH, rows, E)."""
    shape = batch + t._shape[-2:]
    if t._shape != shape:
        t = t.expand(shape)
    return t.contiguous().view(math.prod(batch), rows, t._shape[-1])


def _check(query, key, value, attn_mask, dropout_p):
    if attn_mask is not None:
        raise RuntimeError("flash_attention does not take an attn_mask (the fused kernels "
                           "mask only causally, with is_causal=True)")
    if dropout_p != 0.0:
        raise RuntimeError(f"flash_attention does not apply dropout (dropout_p={dropout_p}): "
                           "the fused kernels have none")
    tensors = (query, key, value)
    if any(t.dim() < 2 for t in tensors):
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got "
            f"query.dim: {query.dim()} key.dim: {key.dim()} and value.dim: {value.dim()} "
            "instead.")
    if not (query._dtype is key._dtype is value._dtype):
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_c_name(query)} key.dtype: {_c_name(key)} and value.dtype: {_c_name(value)} "
            "instead.")
    devices = [t._storage.device for t in tensors]
    if any(d.type != "cuda" for d in devices) or len(set(devices)) > 1:
        raise RuntimeError("flash_attention runs on cuda tensors only (one device), got "
                           f"query on {devices[0]}, key on {devices[1]} and value on "
                           f"{devices[2]}")
    if query._dtype.name not in DTYPES:
        raise RuntimeError(f"flash_attention takes {', '.join(DTYPES)}, got {query._dtype}")
    if key._shape[-1] != query._shape[-1] or value._shape[-2] != key._shape[-2]:
        raise RuntimeError(
            f"flash_attention: key of size {list(key._shape)} and value of size "
            f"{list(value._shape)} do not fit query of size {list(query._shape)}: expected "
            "(..., L, E), (..., S, E) and (..., S, Ev)")
    e, ev = query._shape[-1], value._shape[-1]
    if not (0 < e <= MAX_HEAD_DIM and 0 < ev <= MAX_HEAD_DIM):
        raise RuntimeError(f"flash_attention takes head dims 1 to {MAX_HEAD_DIM}, got "
                           f"{e} (query and key) and {ev} (value)")


def _c_name(t):
    name = t._dtype.name
    return T._CPP_NAMES.get(name) or _HALF_CPP_NAMES.get(name, name)
