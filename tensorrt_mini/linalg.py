"""tm.linalg: torch.linalg's functions, names, keywords, results and errors.

Factorizations, inverses and solves run as ops of the device's backend (numpy's LAPACK on
the cpu, cuSOLVER through CuPy on cuda: ops/factorizations.py); the rest compose them with
matmul and elementwise ops, which also gives their gradients. Real dtypes only.
"""
import math
from collections import namedtuple


from . import dtypes as D
from .creation import empty, eye, zeros
from .errors import LinAlgError
from .layout import wrap_dim
from .linalg_out import RULES, with_linalg_out
from .ops import factorizations as F
from .ops.elementwise import _TORCH_TYPE_NAMES, C_NAMES, where
from .ops.joining import cat
from .ops.linalg import matmul, mm
from .ops.products import linalg_cross
from .ops.views import diagonal as views_diagonal, movedim
from .ops.autocast import autocast_op

__all__ = ["LinAlgError", "cholesky", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv",
           "lstsq", "matmul", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm",
           "pinv", "qr", "slogdet", "solve", "svd", "svdvals", "vecdot", "vector_norm"]

# torch.return_types' field names
SlogdetResult = namedtuple("linalg_slogdet", ["sign", "logabsdet"])
QRResult = namedtuple("linalg_qr", ["Q", "R"])
SVDResult = namedtuple("linalg_svd", ["U", "S", "Vh"])
EighResult = namedtuple("linalg_eigh", ["eigenvalues", "eigenvectors"])
LstsqResult = namedtuple("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    return views_diagonal(A, offset, dim1, dim2)


def inv(A):
    return F.linalg_inv(A)


def det(A):
    return F.linalg_det(A)


def slogdet(A):
    return SlogdetResult(*F.linalg_slogdet(A))


def solve(A, B, *, left=True):
    return F.linalg_solve(A, B, left)


def cholesky(A, *, upper=False):
    return F.linalg_cholesky(A, upper)


def qr(A, mode="reduced"):
    return QRResult(*F.linalg_qr(A, mode))


def svd(A, full_matrices=True, *, driver=None):
    return SVDResult(*F.linalg_svd(A, full_matrices))


def svdvals(A, *, driver=None):
    return F.linalg_svdvals(A)


def eigh(A, UPLO="L"):
    return EighResult(*F.linalg_eigh(A, UPLO))


def eigvalsh(A, UPLO="L"):
    return F.linalg_eigvalsh(A, UPLO)


def _eps(dtype):
    return float(D.finfo(dtype).eps)


def _mT(x):
    return x.transpose(-1, -2)


def _tolerance(s_max, atol, rtol, m, n, dtype):
    """pinv's and matrix_rank's cut: max(atol, rtol * largest singular value), rtol
    eps * max(m, n) when neither is given (as torch)."""
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else _eps(dtype) * max(m, n)
    tol = s_max * rtol
    return tol if atol is None else tol.clamp(min=atol)


def _spectrum(name, A, hermitian):
    """A's singular values (absolute eigenvalues when hermitian), largest first, and its
    largest, for pinv and matrix_rank."""
    F.check_matrices(name, A, square=hermitian)
    s = F.linalg_eigvalsh(A).abs() if hermitian else F.linalg_svdvals(A)
    s_max = s.amax(-1, keepdim=True) if s._shape[-1] else s.sum(-1, keepdim=True)
    return s, s_max


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False):
    s, s_max = _spectrum("linalg.matrix_rank", A, hermitian)
    tol = _tolerance(s_max, atol, rtol, *A._shape[-2:], A._dtype)
    return (s > tol).sum(-1)


def pinv(A, *, atol=None, rtol=None, hermitian=False):
    F.check_matrices("linalg.pinv", A, square=hermitian)
    m, n = A._shape[-2:]
    if hermitian:
        w, v = F.linalg_eigh(A)
        s = w.abs()
        left, right = v, _mT(v)
    else:
        left, s, right = F.linalg_svd(A, False)
        w = s
    s_max = s.amax(-1, keepdim=True) if s._shape[-1] else s.sum(-1, keepdim=True)
    kept = s > _tolerance(s_max, atol, rtol, m, n, A._dtype)
    # the reciprocal of a cut value is never used, but 1 / 0 would poison gradients
    inverse = where(kept, 1 / where(kept, w, 1), 0)
    return _mT(right) @ (inverse.unsqueeze(-1) * _mT(left))


def lstsq(A, B, rcond=None, *, driver=None):
    """The minimum-norm least-squares solution, from A's SVD. The rank and singular
    values are reported as torch's drivers report them: gelsy (the cpu default) gives
    the rank, gelsd and gelss the singular values too, gels (cuda's only driver) neither;
    residuals come with full-rank tall A for all but gelsy."""
    F.check_matrices("torch.linalg.lstsq", A, square=False)
    if driver is None:
        driver = "gelsy" if A._storage.device.type == "cpu" else "gels"
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, "
                           "gelsy, gelsd, gelss)")
    if not 0 <= A.dim() - B.dim() <= 1:
        raise RuntimeError("torch.linalg.lstsq: input.dim() must be greater or equal to "
                           "other.dim() and (input.dim() - other.dim()) <= 1")
    vector = F.solve_is_vector(A, B)
    b = B.unsqueeze(-1) if vector else B
    if b._shape[-2] != A._shape[-2]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    if A._dtype is not B._dtype:
        raise RuntimeError("torch.linalg.lstsq: Expected input and other to have the same "
                           f"dtype, but got input's dtype {_TORCH_TYPE_NAMES[A._dtype.name]} "
                           f"and other's dtype {_TORCH_TYPE_NAMES[B._dtype.name]}")
    m, n = A._shape[-2:]
    u, s, vh = F.linalg_svd(A, False)
    if rcond is None or rcond < 0:
        rcond = _eps(A._dtype) * max(m, n)
    s_max = s.amax(-1, keepdim=True) if s._shape[-1] else s.sum(-1, keepdim=True)
    kept = s > s_max * rcond
    inverse = where(kept, 1 / where(kept, s, 1), 0)
    x = _mT(vh) @ (inverse.unsqueeze(-1) * (_mT(u) @ b))
    rank = kept.sum(-1)
    dtype, device = A._dtype, A._storage.device
    nothing = empty(0, dtype=dtype, device=device)
    residuals = nothing
    if m > n and driver != "gelsy" and bool((rank == n).all()):
        residuals = ((matmul(A, x) - b) ** 2).sum(-2)  # (..., 1) for a vector b, as torch
    x = _in_lapack_layout(x, max(m, n))
    return LstsqResult(x.squeeze(-1) if vector else x, residuals,
                       empty(0, dtype=D.int64, device=device) if driver == "gels" else rank,
                       s if driver in ("gelsd", "gelss") else nothing)


def _in_lapack_layout(x, rows):
    """x (..., n, k) laid out as LAPACK's least-squares drivers leave it (and torch returns
    it): the first n rows of a column-major (..., rows, k) buffer, rows >= n."""
    n, k = x._shape[-2:]
    if rows > n:
        pad = zeros(x._shape[:-2] + (rows - n, k), dtype=x._dtype, device=x._storage.device)
        x = cat([x, pad], -2)
    return x.transpose(-1, -2).contiguous().transpose(-1, -2).narrow(-2, 0, n)


def matrix_power(A, n):
    F.check_matrices("linalg.matrix_power", A, floating=False)  # integers multiply too
    if n == 0:
        size = A._shape[-1]
        return eye(size, dtype=A._dtype, device=A._storage.device).expand(A._shape).clone()
    if n < 0:
        A, n = F.linalg_inv(A), -n
    # square-and-multiply: the bits of n from the lowest
    result, power = None, A
    while True:
        if n & 1:
            result = power if result is None else matmul(result, power)
        n >>= 1
        if not n:
            break
        power = matmul(power, power)
    return result.clone() if result is A else result


def cross(input, other, *, dim=-1):
    return linalg_cross(input, other, dim)


def vecdot(x, y, *, dim=-1):
    if x._dtype is not y._dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found "
                           f"x of type {_TORCH_TYPE_NAMES[x._dtype.name]} and y of type "
                           f"{_TORCH_TYPE_NAMES[y._dtype.name]} instead")
    if not x._dtype.is_floating_point:
        raise RuntimeError("linalg.vecdot: Expected a floating point or complex tensor as "
                           f"input. Got {_TORCH_TYPE_NAMES[x._dtype.name]}")
    return (x * y).sum(dim)


@autocast_op
def multi_dot(tensors):
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first, last = tensors[0], tensors[-1]
    if first.dim() not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got "
                           f"{first.dim()}D")
    if last.dim() not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got "
                           f"{last.dim()}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t.dim() != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.dim()}D")
    for i, t in enumerate(tensors[1:], 1):
        if t._dtype is not first._dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor "
                               f"0 is {C_NAMES[first._dtype.name]} and tensor {i} "
                               f"{C_NAMES[t._dtype.name]}")
    mats = [first.unsqueeze(0) if first.dim() == 1 else first] + tensors[1:-1] + \
        [last.unsqueeze(-1) if last.dim() == 1 else last]
    for i in range(len(mats) - 1):
        if mats[i]._shape[1] != mats[i + 1]._shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes "
                               f"{list(tensors[i]._shape)} and {list(tensors[i + 1]._shape)} "
                               "cannot be multiplied")
    result = _chain(mats, _order(mats), 0, len(mats) - 1)
    if first.dim() == 1:
        result = result.squeeze(0)
    if last.dim() == 1:
        result = result.squeeze(-1)
    return result


def _order(mats):
    """The cheapest parenthesisation (fewest multiply-adds) of the chain: split[i][j] is
    where the product of mats i..j splits, by the textbook dynamic programme."""
    dims = [m._shape[0] for m in mats] + [mats[-1]._shape[1]]
    k = len(mats)
    cost = [[0] * k for _ in range(k)]
    split = [[0] * k for _ in range(k)]
    for length in range(1, k):
        for i in range(k - length):
            j = i + length
            cost[i][j] = math.inf
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + dims[i] * dims[s + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, s
    return split


def _chain(mats, split, i, j):
    if i == j:
        return mats[i]
    s = split[i][j]
    return mm(_chain(mats, split, i, s), _chain(mats, split, s + 1, j))


# --- norms ---------------------------------------------------------------------------------

def _check_float(name, x):
    if not x._dtype.is_floating_point:
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {_TORCH_TYPE_NAMES[x._dtype.name]}")


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    _check_float("linalg.vector_norm", x)
    if dim is None:
        dims = tuple(range(x.dim()))
    else:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if ord == math.inf or ord == -math.inf:
        if any(x._shape[d] == 0 for d in dims) or x.numel() == 0 and not dims:
            raise RuntimeError("linalg.vector_norm cannot compute the "
                               f"{'' if ord > 0 else '-'}inf norm on an empty tensor because "
                               "the operation does not have an identity")
        a = x.abs()
        return a.amax(dims, keepdim) if ord > 0 else a.amin(dims, keepdim)
    if ord == 0:
        return (x != 0).to(x._dtype).sum(dims, keepdim)
    if ord == 1:
        return x.abs().sum(dims, keepdim)
    if ord == 2:
        return _root((x * x).sum(dims, keepdim), 2)
    return _root((x.abs() ** ord).sum(dims, keepdim), ord)


def _root(s, p):
    """s ** (1 / p), whose gradient is 0 (torch's) rather than 0 * inf where s is 0."""
    nonzero = s != 0  # NaN too, which stays NaN
    s = where(nonzero, s, 1)
    return where(nonzero, s.sqrt() if p == 2 else s ** (1.0 / p), 0)


MATRIX_ORDS = ("fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    if dtype is not None:
        A = A.to(dtype)
    _check_float("linalg.matrix_norm", A)
    if ord not in MATRIX_ORDS:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    dim = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {len(dim)}")
    d0, d1 = (wrap_dim(d, A.dim()) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, "
                           f"{dim[1]})")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        s = F.linalg_svdvals(movedim(A, (d0, d1), (-2, -1)))
        # an empty matrix has no singular values, and norm 0
        r = s.sum(-1) if ord == "nuc" or not s._shape[-1] else \
            s.amax(-1) if ord == 2 else s.amin(-1)
        return r.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1)) if keepdim else r
    # 1: the largest column sum of |A|, inf: the largest row sum (-1, -inf: smallest)
    summed, picked = (d0, d1) if abs(ord) == 1 else (d1, d0)
    sums = A.abs().sum(summed, keepdim=True)
    r = sums.amax(picked, keepdim=True) if ord > 0 else sums.amin(picked, keepdim=True)
    return r if keepdim else r.squeeze((d0, d1))


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    if isinstance(ord, str):  # "fro", "nuc": matrix norms only
        return matrix_norm(A, ord, (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.dim() == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    if A.dim() == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must be 1D "
                       f"or 2D. Got {A.dim()}D.")


# torch.linalg's out= keyword, on the functions that take it (linalg_out.py)
for _name in RULES:
    globals()[_name] = with_linalg_out(globals()[_name], _name)
