"""Matrix products through the backend's BLAS (numpy on the CPU, cuBLAS on the GPU)."""
import math

from .. import dtypes as D
from .. import _tensor as T
from ..layout import broadcast_shapes
from .dispatch import differentiable
from .elementwise import C_NAMES as _C_NAMES, _TORCH_TYPE_NAMES, _expand_to, check_same_device
from .autocast import autocast_op


def _product(a, b, out_shape):
    """(..., n, k) @ (..., k, m) with batch dims already broadcast to out_shape[:-2]."""
    out = T.empty_tensor(out_shape, a._dtype, a._storage.device)
    if out.numel():
        batch = out_shape[:-2]
        a = _expand_to(a, batch + a._shape[-2:])
        b = _expand_to(b, batch + b._shape[-2:])
        T.backends.get(a._storage.device.type).matmul(out, a, b)
    return out


def _kind(da, db):
    """The torch kernel a matmul of these ranks lands in; its errors name that kernel."""
    if db == 1:
        return "dot" if da == 1 else "mv"  # (..., n, k) @ (k,) folds into one matrix-vector
    if db == 2:
        return "mm"  # (..., n, k) @ (k, m) folds the leading dims into rows
    return "bmm"


def _check(input, other, kind):
    """torch's checks, in torch's order: batch broadcasting, then sizes and dtypes (dot
    checks dtypes first), then bool, which no BLAS kernel takes."""
    if kind == "bmm":
        broadcast_shapes(input._shape[:-2], other._shape[:-2])
    if kind == "dot":
        _check_dtypes(input, other, kind)
    _check_sizes(input, other, kind)
    _check_dtypes(input, other, kind)
    if input._dtype is D.bool_ and (kind == "dot" or not _empty_product(input, other)):
        name = {"dot": "dot", "mv": "addmv_impl_cpu", "mm": "addmm_impl_cpu_", "bmm": "bmm"}[kind]
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'")


def _empty_product(input, other):
    """Whether the product adds no terms (inner size 0) or has no elements: torch computes
    those without a kernel, for bool too."""
    kept = input._shape[:-1] + (other._shape[:-2] + other._shape[-1:] if other.dim() > 1 else ())
    return input._shape[-1] == 0 or 0 in kept


def _check_dtypes(input, other, kind):
    a, b = input._dtype, other._dtype
    if a is b:
        return
    ta, tb = _TORCH_TYPE_NAMES[a.name], _TORCH_TYPE_NAMES[b.name]
    raise RuntimeError({
        "dot": f"dot : expected both vectors to have same dtype, but found {ta} and {tb}",
        "mv": f"addmv input tensors must have the same dtype, but got {tb}, {ta}, and {tb}",
        "mm": f"expected m1 and m2 to have the same dtype, but got: {_C_NAMES[a.name]} != "
              f"{_C_NAMES[b.name]}",
        "bmm": f"expected scalar type {ta} but found {tb}"}[kind])


def _check_sizes(input, other, kind):
    k, k2 = input._shape[-1], other._shape[-2 if other.dim() > 1 else -1]
    if k == k2:
        return
    rows = math.prod(input._shape[:-1])
    if kind == "dot":
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{k}] and src [{k2}] to have the "
                           f"same number of elements, but got {k} and {k2} elements respectively")
    if kind == "mv":
        raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{k}), vec ({k2})")
    if kind == "mm":
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and "
                           f"{k2}x{other._shape[-1]})")
    batch = math.prod(broadcast_shapes(input._shape[:-2], other._shape[:-2]))
    raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{batch}, "
                       f"{k}] but got: [{batch}, {k2}].")


@differentiable
def matmul(input, other):
    check_same_device(input, other)
    da, db = input.dim(), other.dim()
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    _check(input, other, _kind(da, db))
    a = input.unsqueeze(0) if da == 1 else input
    b = other.unsqueeze(-1) if db == 1 else other
    batch = broadcast_shapes(a._shape[:-2], b._shape[:-2])
    out = _product(a, b, batch + (a._shape[-2], b._shape[-1]))
    if da == 1:
        out = out.squeeze(-2)
    if db == 1:
        out = out.squeeze(-1)
    return out


@autocast_op
def mm(input, mat2):
    if input.dim() != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.dim() != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2)


@autocast_op
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


@autocast_op
def mv(input, vec):
    if input.dim() != 2 or vec.dim() != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.dim()}, {vec.dim()}")
    return matmul(input, vec)


@autocast_op
def dot(input, other):
    if input.dim() != 1 or other.dim() != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.dim()}D and {other.dim()}D tensors")
    return matmul(input, other)
