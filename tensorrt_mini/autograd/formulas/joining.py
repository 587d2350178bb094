"""Derivative of cat (ops/joining.py; stack is unsqueeze + cat): each input gets its slice
of the output gradient."""
from ...layout import wrap_dim
from ..graph import record, run
from .common import register


@register("cat")
def _cat(raw, tensors, dim=0):
    tensors = list(tensors)
    out = run(raw, tensors, dim)
    d = wrap_dim(dim, out.dim())
    # PyTorch skips legacy empty 1-D inputs, which then get no gradient
    spans = []
    start = 0
    for t in tensors:
        if t._shape == (0,) and out.dim() != 1:
            spans.append(None)
            continue
        spans.append((start, t._shape[d]))
        start += t._shape[d]

    def backward(g):
        grads = []
        for t, span in zip(tensors, spans):
            if span is None or not t._requires_grad:
                grads.append(None)
                continue
            part = g.narrow(d, *span)
            grads.append(part if part._dtype is t._dtype else part.to(t._dtype))
        return tuple(grads)
    return record("CatBackward0", out, tensors, backward)
