"""Derivative of cat (ops/joining.py; stack is unsqueeze + cat): each input gets its slice
of the output gradient."""
from ...layout import wrap_dim
from ..graph import record, run
from .common import meta, register


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

    metas = [meta(t) for t in tensors]

    def backward(g):
        grads = []
        for m, span in zip(metas, spans):
            if span is None or m is None:
                grads.append(None)
                continue
            part = g.narrow(d, *span)
            grads.append(part if part._dtype is m._dtype else part.to(m._dtype))
        return tuple(grads)
    return record("CatBackward0", out, tensors, backward)
