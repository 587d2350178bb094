"""Derivatives of the view ops (ops/views.py) and of clone.

A view's gradient is the output gradient put back where the view took its elements:
reshaped, transposed back, summed over expanded dims, or written into zeros of the
input's shape at the viewed positions.
"""
from ...ops import indexing
from ...ops.views import take_layout_
from ..graph import record, run, set_grad_fn
from ..inplace import check_target
from ..storage_geometry import read_from_storage, scatter_to_storage
from .common import register, sum_to, zeros


@register("view", "_reshape_alias")
def _view(raw, x, *args):
    out = run(raw, x, *args)
    in_shape = x._shape
    return record("ViewBackward0", out, (x,), lambda g: (g.reshape(in_shape),))


@register("transpose")
def _transpose(raw, x, dim0, dim1):
    out = run(raw, x, dim0, dim1)
    return record("TransposeBackward0", out, (x,), lambda g: (g.transpose(dim0, dim1),))


@register("permute")
def _permute(raw, x, *dims):
    out = run(raw, x, *dims)
    order = dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
    nd = len(order)
    inverse = [0] * nd
    for i, d in enumerate(order):
        inverse[d % nd] = i
    return record("PermuteBackward0", out, (x,), lambda g: (g.permute(inverse),))


@register("expand")
def _expand(raw, x, *sizes):
    out = run(raw, x, *sizes)
    in_shape = x._shape
    return record("ExpandBackward0", out, (x,), lambda g: (sum_to(g, in_shape),))


@register("squeeze")
def _squeeze(raw, x, dim=None):
    out = run(raw, x, dim)
    in_shape = x._shape
    return record("SqueezeBackward0" if dim is None else "SqueezeBackward1", out, (x,),
                  lambda g: (g.reshape(in_shape),))


@register("restride_")
def _restride(raw, x, view_op, *args):
    """An in-place view method (x.unsqueeze_(0)): x becomes the view, and its grad_fn the
    view's node, whose input is x's old value; torch refuses it on a leaf as any write."""
    check_target(x)
    out = view_op(x, *args)
    take_layout_(x, out)
    set_grad_fn(x, out.grad_fn)
    return x


@register("unsqueeze")
def _unsqueeze(raw, x, dim):
    out = run(raw, x, dim)
    in_shape = x._shape
    return record("UnsqueezeBackward0", out, (x,), lambda g: (g.reshape(in_shape),))


def _into_zeros(in_shape, place):
    """Backward of a view that picks some of the input's elements once each: zeros of the
    input's shape with the gradient written through the same view."""
    def backward(g):
        z = zeros(in_shape, g)
        place(z).copy_(g)
        return (z,)
    return backward


@register("narrow")
def _narrow(raw, x, dim, start, length):
    out = run(raw, x, dim, start, length)
    return record("SliceBackward0", out, (x,),
                  _into_zeros(x._shape, lambda z: z.narrow(dim, start, length)))


@register("select")
def _select(raw, x, dim, index):
    out = run(raw, x, dim, index)
    return record("SelectBackward0", out, (x,),
                  _into_zeros(x._shape, lambda z: z.select(dim, index)))


@register("diagonal")
def _diagonal(raw, x, offset=0, dim1=0, dim2=1):
    out = run(raw, x, offset, dim1, dim2)
    return record("DiagonalBackward0", out, (x,),
                  _into_zeros(x._shape, lambda z: z.diagonal(offset, dim1, dim2)))


@register("clone")
def _clone(raw, x, contiguous=False):
    out = run(raw, x, contiguous)
    return record("CloneBackward0", out, (x,), lambda g: (g,))


# --- indexing ------------------------------------------------------------------------

def _basic_name(idx):
    """PyTorch names a basic index's node after the last view it applies."""
    items = idx if isinstance(idx, tuple) else (idx,)
    for item in reversed(items):
        if item is None:
            return "UnsqueezeBackward0"
        if isinstance(item, slice):
            return "SliceBackward0"
        if item is not Ellipsis:
            return "SelectBackward0"
    return "AliasBackward0"


@register("getitem")
def _getitem(raw, x, idx):
    out = run(raw, x, idx)
    in_shape = x._shape
    if out._storage is x._storage:  # basic indexing made a view
        return record(_basic_name(idx), out, (x,),
                      _into_zeros(in_shape, lambda z: indexing.getitem(z, idx)))

    def backward(g):
        # scatter-add: an index may pick the same element several times
        z = zeros(in_shape, g)
        view, advanced = indexing._basic(z, indexing._normalize(z, idx))
        shape, offsets = indexing._offsets(view, advanced)
        indexing.index_put_(z, offsets, g, shape, accumulate=True)
        return (z,)
    return record("IndexBackward0", out, (x,), backward)


# --- as_strided ------------------------------------------------------------------------

@register("as_strided")
def _as_strided(raw, x, size, stride, storage_offset=None):
    out = run(raw, x, size, stride, storage_offset)
    in_geom = (x._shape, x._stride, x._offset)
    out_geom = (out._shape, out._stride, out._offset)
    n = x._storage.size()

    def backward(g):
        return (read_from_storage(scatter_to_storage(g, *out_geom, n), *in_geom),)
    return record("AsStridedBackward0", out, (x,), backward)
