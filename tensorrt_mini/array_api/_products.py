"""The standard's linear algebra functions of the main namespace (matmul, matrix_transpose,
tensordot, vecdot): operands promoted by the standard's table first."""
from ..ops import complex as complex_ops
from ..ops import linalg as L
from ..ops import products, reduction as R, views
from ._operands import cast, promoted


def matmul(x1, x2, /):
    return L.matmul(*promoted(x1, x2))


def matrix_transpose(x, /):
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose() needs at least 2 dimensions, got {x.ndim}")
    return x.mT


def tensordot(x1, x2, /, *, axes=2):
    dims = axes if isinstance(axes, int) else [list(a) for a in axes]
    return products.tensordot(*promoted(x1, x2), dims=dims)


def vecdot(x1, x2, /, *, axis=-1):
    x1, x2 = promoted(x1, x2)
    if x1.shape[axis] != x2.shape[axis]:
        raise ValueError(f"vecdot(): the arrays' sizes along axis {axis} differ: "
                         f"{x1.shape[axis]} and {x2.shape[axis]}")
    x1, x2 = views.broadcast_tensors(x1, x2)
    if x1.dtype.is_complex:  # the standard's vecdot conjugates its first operand
        x1 = complex_ops.conj(x1)
    return cast(R.sum(x1 * x2, axis), x1.dtype)
