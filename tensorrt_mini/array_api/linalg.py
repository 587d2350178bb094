"""The standard's linalg extension, on tm.linalg (numpy's LAPACK on the cpu, cuSOLVER on
cuda) with the standard's keywords."""
from .. import creation
from .. import linalg as TL
from .._tensor import Tensor
from ..ops import products, views
from ._operands import promoted
from ._products import matmul, matrix_transpose, tensordot, vecdot  # noqa: F401 (also here)
from ._statistical import sum as _sum

__all__ = ["cholesky", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "matmul",
           "matrix_norm", "matrix_power", "matrix_rank", "matrix_transpose", "outer", "pinv",
           "qr", "slogdet", "solve", "svd", "svdvals", "tensordot", "trace", "vecdot",
           "vector_norm"]


def cholesky(x, /, *, upper=False):
    return TL.cholesky(x, upper=upper)


def cross(x1, x2, /, *, axis=-1):
    # the standard broadcasts the other dimensions; torch's linalg.cross wants equal ranks
    return TL.cross(*views.broadcast_tensors(*promoted(x1, x2)), dim=axis)


def det(x, /):
    return TL.det(x)


def diagonal(x, /, *, offset=0):
    return TL.diagonal(x, offset=offset)


def eigh(x, /):
    return TL.eigh(x)


def eigvalsh(x, /):
    return TL.eigvalsh(x)


def inv(x, /):
    return TL.inv(x)


def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    return TL.matrix_norm(x, ord, (-2, -1), keepdims)


def matrix_power(x, n, /):
    return TL.matrix_power(x, n)


def matrix_rank(x, /, *, rtol=None):
    return TL.matrix_rank(x, rtol=_per_matrix(rtol))


def outer(x1, x2, /):
    return products.outer(*promoted(x1, x2))


def pinv(x, /, *, rtol=None):
    if x.numel() == 0:  # tm.linalg.pinv fails on empty batches; the answer is empty too
        return creation.zeros((*x.shape[:-2], x.shape[-1], x.shape[-2]), dtype=x.dtype,
                              device=x.device)
    return TL.pinv(x, rtol=_per_matrix(rtol))


def _per_matrix(rtol):
    # an array rtol has the batch's shape; tm.linalg scales (batch, 1) largest values by it
    return rtol.unsqueeze(-1) if isinstance(rtol, Tensor) else rtol


def qr(x, /, *, mode="reduced"):
    return TL.qr(x, mode)


def slogdet(x, /):
    return TL.slogdet(x)


def solve(x1, x2, /):
    return TL.solve(*promoted(x1, x2))


def svd(x, /, *, full_matrices=True):
    return TL.svd(x, full_matrices)


def svdvals(x, /):
    return TL.svdvals(x)


def trace(x, /, *, offset=0, dtype=None):
    return _sum(TL.diagonal(x, offset=offset), axis=-1, dtype=dtype)


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    return TL.vector_norm(x, ord, axis, keepdims)
