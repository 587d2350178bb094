"""Diagonals between vectors and matrices: diag, diag_embed, diagflat, trace, and the
index lists of a triangle (tril_indices, triu_indices). The derivative of diag_embed is
in autograd/formulas/diagonals.py; the others compose differentiable ops."""
import numpy as np

from .. import _tensor as T
from .. import dtypes as D
from ..creation import tensor, zeros
from ..layout import wrap_dim
from .dispatch import differentiable
from .elementwise import _TORCH_TYPE_NAMES
from .views import clone, diagonal
from .autocast import autocast_op


def embedded_dims(ndim, dim1, dim2):
    """diag_embed's two new dims, wrapped against the result's rank (one more than
    input's), and checked apart as torch's diagonal does."""
    d1, d2 = wrap_dim(dim1, ndim + 1), wrap_dim(dim2, ndim + 1)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


@differentiable
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    d1, d2 = embedded_dims(input.dim(), dim1, dim2)
    size = input._shape[-1] + abs(offset)
    rest = iter(input._shape[:-1])
    shape = [size if d in (d1, d2) else next(rest) for d in range(input.dim() + 1)]
    out = zeros(shape, dtype=input._dtype, device=input._storage.device)
    # the diagonal view of out lists the kept dims in order, then the diagonal: input's
    T.backends.get(out._storage.device.type).copy_(diagonal.raw(out, offset, d1, d2), input)
    return out


def diag(input, diagonal=0):
    if input.dim() == 1:
        return diag_embed(input, diagonal)
    if input.dim() == 2:
        return diagonal_copy(input, diagonal)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.dim()}D")


def diagonal_copy(input, offset):
    return clone(diagonal(input, offset), contiguous=True)


def diagflat(input, offset=0):
    return diag_embed(input.reshape(-1), offset)


@autocast_op
def trace(input):
    if input.dim() != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.dim()}")
    if input._dtype is D.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return diagonal(input).sum()


def _triangle_indices(name, row, col, offset, dtype, device, lower):
    if dtype is not D.int64 and dtype is not D.int32:
        raise NotImplementedError(f"\"{name}\" not implemented for "
                                  f"'{_TORCH_TYPE_NAMES[dtype.name]}'")
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    rows, cols = (np.tril_indices if lower else np.triu_indices)(row, offset, col)
    return tensor(np.stack([rows, cols]).reshape(2, -1), dtype=dtype, device=device)


def tril_indices(row, col, offset=0, *, dtype=D.int64, device=None, layout=None):
    return _triangle_indices("tril_indices", row, col, offset, dtype, device, True)


def triu_indices(row, col, offset=0, *, dtype=D.int64, device=None, layout=None):
    return _triangle_indices("triu_indices", row, col, offset, dtype, device, False)
