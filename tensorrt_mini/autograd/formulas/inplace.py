"""Derivatives of the in-place ops: elementwise `op_`, clamp_, copy_/fill_ and index_put_
(advanced `t[idx] = value`). See autograd/inplace.py for how the graph is rebased."""
from ...ops import elementwise as E
from ...ops import indexing
from ...ops.dispatch import check_no_grad_view
from ...ops.indexing import index_put_
from ..graph import node_class, edge, run
from ..graph import refresh_view
from ..inplace import check_target, rebase, via_out_of_place
from .common import fit, is_tensor, meta, register, sum_to
from ..storage_geometry import read_from_storage, scatter_to_storage


@register("inplace")
def _inplace(raw, name, t, *args, **kw):
    op = getattr(E, name)
    return via_out_of_place(t, lambda: op(t, *args, **kw), name)


@register("clamp_")
def _clamp_(raw, t, min=None, max=None):
    return via_out_of_place(t, lambda: E.clamp(t, min, max), "clamp")


@register("copy_into", "copy_")
def _copy(raw, dst, src):
    check_target(dst)
    old = edge(dst)
    run(raw, dst, src)
    if not is_tensor(src):
        node = node_class("FillBackward0")(lambda g: (None,), (old,))
    else:
        msrc = meta(src)

        def backward(g):
            if msrc is None:
                return None, None
            if g._storage.device != msrc.device:
                g = g.to(msrc.device)
            return None, fit(g, msrc)
        node = node_class("CopyBackwards")(backward, (old, edge(src)))
    rebase(dst, node)
    return dst


@register("setitem")
def _setitem(raw, t, idx, value):
    view, advanced = indexing._basic(t, indexing._normalize(t, idx))
    if advanced:  # the write goes through index_put_, whose derivative records it
        raw(t, idx, value)
        return
    # a basic index writes through a view that setitem made without a graph: record the
    # write on that view, which rebases t's base
    name = indexing.view_op_name(idx)
    check_no_grad_view(t, name)
    check_target(view, name or "Alias")  # (a name: the view is setitem's own)
    run(raw, t, idx, value)
    if not is_tensor(value):
        node = node_class("FillBackward0")(lambda g: (None,), (None,))
    else:
        mv = meta(value)

        def backward(g):
            if mv is None:
                return None, None
            if g._storage.device != mv.device:
                g = g.to(mv.device)
            # setitem drops the value's leading size-1 dims before broadcasting
            extra = 0
            while extra < len(mv._shape) and mv._shape[extra] == 1:
                extra += 1
            g = sum_to(g, mv._shape[extra:]).reshape(mv._shape)
            return None, (g if g._dtype is mv._dtype else g.to(mv._dtype))
        node = node_class("CopyBackwards")(backward, (None, edge(value)))
    rebase(view, node)
    refresh_view(t)


@register("index_put_")
def _index_put(raw, t, offsets, value, shape, accumulate=False):
    check_target(t)
    old = edge(t)
    run(raw, t, offsets, value, shape, accumulate)
    geom = (t._shape, t._stride, t._offset)
    size = t._storage.size()
    mv = meta(value)

    def backward(g):
        buf = scatter_to_storage(g, *geom, size)
        grad_value = fit(buf[offsets], mv) if mv else None
        if not accumulate:  # the written elements no longer depend on their old values
            index_put_(buf, offsets, 0, shape)
        return read_from_storage(buf, *geom), grad_value
    rebase(t, node_class("IndexPutBackward0")(backward, (old, edge(value))))
    return t
