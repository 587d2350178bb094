"""Matrix products through the backend's BLAS (numpy on the CPU, cuBLAS on the GPU)."""
from .. import dtypes as D
from .. import _tensor as T
from ..layout import broadcast_shapes
from .dispatch import differentiable
from .elementwise import _expand_to, check_same_device

_C_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


def _check_dtypes(a, b, what="mat1 and mat2"):
    if a._dtype is not b._dtype:
        raise RuntimeError(f"expected {what} to have the same dtype, but got: "
                           f"{_C_NAMES[a._dtype.name]} != {_C_NAMES[b._dtype.name]}")
    if a._dtype is D.bool_:
        raise RuntimeError("\"addmm_impl_cpu_\" not implemented for 'Bool'")


def _product(a, b, out_shape):
    """(..., n, k) @ (..., k, m) with batch dims already broadcast to out_shape[:-2]."""
    out = T.empty_tensor(out_shape, a._dtype, a._storage.device)
    if out.numel():
        batch = out_shape[:-2]
        a = _expand_to(a, batch + a._shape[-2:])
        b = _expand_to(b, batch + b._shape[-2:])
        T.backends.get(a._storage.device.type).matmul(out, a, b)
    return out


@differentiable
def matmul(input, other):
    check_same_device(input, other)
    da, db = input.dim(), other.dim()
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    _check_dtypes(input, other)
    a = input.unsqueeze(0) if da == 1 else input
    b = other.unsqueeze(-1) if db == 1 else other
    if a._shape[-1] != b._shape[-2]:
        if da == 1 and db == 1:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{input._shape[0]}] and src "
                f"[{other._shape[0]}] to have the same number of elements, but got {input._shape[0]} "
                f"and {other._shape[0]} elements respectively")
        left = f"{a._shape[-2]}x{a._shape[-1]}" if da <= 2 else f"{_rows(a)}x{a._shape[-1]}"
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({left} and "
                           f"{b._shape[-2]}x{b._shape[-1]})")
    batch = broadcast_shapes(a._shape[:-2], b._shape[:-2])
    out = _product(a, b, batch + (a._shape[-2], b._shape[-1]))
    if da == 1:
        out = out.squeeze(-2)
    if db == 1:
        out = out.squeeze(-1)
    return out


def _rows(a):
    n = 1
    for s in a._shape[:-1]:
        n *= s
    return n


def mm(input, mat2):
    if input.dim() != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.dim() != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2)


def bmm(input, mat2):
    if input.dim() != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.dim() != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input._shape[0] != mat2._shape[0] or input._shape[2] != mat2._shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{input._shape[0]}, {input._shape[2]}] but got: "
                           f"[{mat2._shape[0]}, {mat2._shape[1]}].")
    return matmul(input, mat2)


def mv(input, vec):
    if input.dim() != 2 or vec.dim() != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.dim()}, {vec.dim()}")
    return matmul(input, vec)


def dot(input, other):
    if input.dim() != 1 or other.dim() != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.dim()}D and {other.dim()}D tensors")
    return matmul(input, other)
