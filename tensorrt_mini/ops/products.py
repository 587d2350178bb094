"""Products built on matmul (ops/linalg.py): tensordot, the scaled-accumulate forms
(addmm, addmv, addr, baddbmm), outer, vdot, kron and cross. Contractions reshape their
operands into one matmul, so they run on the device's BLAS; all compose differentiable
ops, so their gradients are exact without formulas of their own."""
import math

from ..layout import broadcast_shapes, wrap_dim
from ..user_warnings import warn
from .elementwise import _TORCH_TYPE_NAMES, C_NAMES, check_same_device, result_type
from .joining import stack
from .linalg import bmm, dot, matmul, mm
from .autocast import autocast_op


def _tensordot_dims(a, b, dims):
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.dim() or dims > b.dim():
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        return list(range(-dims, 0)), list(range(dims))
    dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    return dims_a, dims_b


@autocast_op
def tensordot(a, b, dims=2):
    check_same_device(a, b)
    dims_a, dims_b = _tensordot_dims(a, b, dims)
    if a._dtype is not b._dtype:
        raise RuntimeError("both inputs should have same dtype")
    wa = [wrap_dim(d, a.dim()) for d in dims_a]
    wb = [wrap_dim(d, b.dim()) for d in dims_b]
    for da, db, ia, ib in zip(dims_a, dims_b, wa, wb):
        sa, sb = a._shape[ia], b._shape[ib]
        if sa == sb:
            continue
        # a size 1 against a size n: torch sums the other operand over that dim
        if sa == 1:
            b = b.sum(ib, keepdim=True)
        elif sb == 1:
            a = a.sum(ia, keepdim=True)
        else:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {sa} in "
                               f"dim {da} and second has size {sb} in dim {db}")
    free_a = [d for d in range(a.dim()) if d not in wa]
    free_b = [d for d in range(b.dim()) if d not in wb]
    shape_a = [a._shape[d] for d in free_a]
    shape_b = [b._shape[d] for d in free_b]
    k = math.prod(a._shape[d] for d in wa)
    left = a.permute(free_a + wa).reshape(math.prod(shape_a), k)  # no -1: sizes may be 0
    right = b.permute(wb + free_b).reshape(k, math.prod(shape_b))
    return mm(left, right).reshape(shape_a + shape_b)


def _accumulate(input, product, beta, alpha, input_layout=False):
    """beta * input + alpha * product, input broadcast to product's shape, in the
    operands' promoted dtype; beta = 0 ignores input's values (NaN included), and integer
    operands take beta and alpha truncated, as torch does. `input_layout`: the result keeps
    input's memory order (torch's addr is elementwise; the BLAS ones are not)."""
    term = input.expand(product._shape)  # checks the shapes, beta 0 or not
    dtype = result_type(input, product)
    if not dtype.is_floating_point:
        beta, alpha = int(beta), int(alpha)
    if alpha != 1:
        product = product * alpha
    if beta != 0:
        term = term if beta == 1 else term * beta
        product = term + product if input_layout else product + term
    return product if product._dtype is dtype else product.to(dtype)


@autocast_op
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    for name, m in (("mat1", mat1), ("mat2", mat2)):
        if m.dim() != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m.dim()}-D tensor")
    if input._dtype is not mat2._dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                           f"{_TORCH_TYPE_NAMES[input._dtype.name]} and "
                           f"{_TORCH_TYPE_NAMES[mat2._dtype.name]}")
    return _accumulate(input, mm(mat1, mat2), beta, alpha)


@autocast_op
def addmv(input, mat, vec, *, beta=1, alpha=1):
    if mat.dim() != 2 or vec.dim() != 1 or input.dim() > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.dim()}, {mat.dim()}, "
                           f"{vec.dim()}")
    rows, k = mat._shape
    if k != vec._shape[0] or input.numel() not in (1, rows):
        raise RuntimeError(f"size mismatch, got input ({input.numel()}), mat ({rows}x{k}), "
                           f"vec ({vec._shape[0]})")
    if not input._dtype is mat._dtype is vec._dtype:
        raise RuntimeError("addmv input tensors must have the same dtype, but got " + ", ".join(
            _TORCH_TYPE_NAMES[t._dtype.name] for t in (input, mat)) + ", and "
            + _TORCH_TYPE_NAMES[vec._dtype.name])
    return _accumulate(input, matmul(mat, vec), beta, alpha)


@autocast_op
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    for name, m in (("batch1", batch1), ("batch2", batch2)):
        if m.dim() != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    if not input._dtype is batch1._dtype is batch2._dtype:
        raise RuntimeError("Input dtypes must be the same, got: " + ", ".join(
            f"{n}{'' if n == 'input' else ':'} {C_NAMES[t._dtype.name]}"
            for n, t in (("input", input), ("batch1", batch1), ("batch2", batch2))))
    return _accumulate(input, bmm(batch1, batch2), beta, alpha)


def _check_vector(fn, name, v):
    if v.dim() != 1:
        raise RuntimeError(f"{fn}: Expected 1-D argument {name}, but got {v.dim()}-D")


def outer(input, vec2):
    _check_vector("outer", "self", input)
    _check_vector("outer", "vec2", vec2)
    return input.unsqueeze(1) * vec2


ger = outer


@autocast_op
def addr(input, vec1, vec2, *, beta=1, alpha=1):
    _check_vector("addr", "vec1", vec1)
    _check_vector("addr", "vec2", vec2)
    return _accumulate(input, vec1.unsqueeze(1) * vec2, beta, alpha, input_layout=True)


def vdot(input, other):
    return dot(input, other)  # real dtypes only: no conjugate to take


def kron(input, other):
    """Every product input[i] * other[j] at index i * other.shape + j, from one broadcast
    multiply of interleaved dims."""
    nd = max(input.dim(), other.dim())
    a = (1,) * (nd - input.dim()) + input._shape
    b = (1,) * (nd - other.dim()) + other._shape
    spread_a = input.reshape([n for s in a for n in (s, 1)])
    spread_b = other.reshape([n for s in b for n in (1, s)])
    return (spread_a * spread_b).reshape([x * y for x, y in zip(a, b)])


def linalg_cross(input, other, dim=-1):
    check_same_device(input, other)
    if input.dim() != other.dim():
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = wrap_dim(dim, input.dim())
    if input._shape[d] != 3 or other._shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input._shape[d]} and {other._shape[d]}")
    if input._dtype is not other._dtype:
        raise RuntimeError(f"expected scalar type {_TORCH_TYPE_NAMES[input._dtype.name]} but "
                           f"found {_TORCH_TYPE_NAMES[other._dtype.name]}")
    shape = broadcast_shapes(input._shape, other._shape)
    a, b = input.expand(shape), other.expand(shape)
    a0, a1, a2 = (a.select(d, i) for i in range(3))
    b0, b1, b2 = (b.select(d, i) for i in range(3))
    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d)


@autocast_op
def cross(input, other, dim=None):
    """linalg.cross, but without dim: input's first dim of size 3 (deprecated in torch,
    which warns)."""
    if dim is None:
        warn(CROSS_WITHOUT_DIM)
        dim = next((d for d, n in enumerate(input._shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim)


CROSS_WITHOUT_DIM = (
    "Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the "
    "dim explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to "
    "agree with that of linalg.cross in a future release.")
