"""Gradients through a view's geometry (sizes, strides, offset) over its storage: where a
view or an in-place write through a view reads and writes, as flat storage positions."""
from .. import creation
from ..ops import indexing


def _surely_disjoint(shape, stride):
    """True when no two indices of the geometry can reach one element."""
    extent = 0
    for s, n in sorted((s, n) for n, s in zip(shape, stride) if n > 1):
        if s <= extent:
            return False
        extent += (n - 1) * s
    return True


def scatter_to_storage(g, shape, stride, offset, size):
    """A flat zero buffer of `size` elements with g added in at the geometry's elements."""
    buf = creation.zeros((size,), dtype=g._dtype, device=g._storage.device)
    if _surely_disjoint(shape, stride):
        buf.as_strided(shape, stride, offset).copy_(g)
    else:
        offsets = indexing.storage_offsets(shape, stride, offset, g._storage.device)
        indexing.index_put_(buf, offsets.contiguous(), g, shape, accumulate=True)
    return buf


def read_from_storage(buf, shape, stride, offset):
    """The geometry's elements of a flat buffer; where the geometry reaches one element from
    several indices, each gets an equal share (PyTorch's as_strided backward)."""
    view = buf.as_strided(shape, stride, offset)
    if _surely_disjoint(shape, stride):
        return view
    ones = creation.ones(shape, dtype=buf._dtype, device=buf._storage.device)
    counts = scatter_to_storage(ones, shape, stride, offset, buf._shape[0])
    return view / counts.as_strided(shape, stride, offset)
