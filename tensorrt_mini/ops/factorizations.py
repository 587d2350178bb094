"""The LAPACK-backed ops of tm.linalg (inverse, solve, determinants, Cholesky, QR, SVD,
symmetric eigendecomposition): torch's checks and messages, results laid out as torch's
(each matrix column-major, as LAPACK writes it), and the backend's `linalg` op to compute
them (numpy's LAPACK on the cpu, cuSOLVER through CuPy on cuda). Derivatives are in
autograd/formulas/factorizations.py.
"""
from .. import _tensor as T
from ..errors import LinAlgError
from ..layout import broadcast_shapes
from .dispatch import differentiable
from .elementwise import _TORCH_TYPE_NAMES, _expand_to, check_same_device


def check_matrices(name, a, square=True, floating=True):
    """torch's checks of a (batch of) matrix input A, in torch's order."""
    if a.dim() < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if floating and not a._dtype.is_floating_point:
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {_TORCH_TYPE_NAMES[a._dtype.name]}")
    if square and a._shape[-1] != a._shape[-2]:
        raise RuntimeError(f"{name}: A must be batches of square matrices, but they are "
                           f"{a._shape[-2]} by {a._shape[-1]} matrices")


def _column_major(shape, dtype, device):
    """A fresh tensor of `shape` whose matrices are each stored column by column."""
    shape = tuple(shape)
    flipped = T.empty_tensor(shape[:-2] + (shape[-1], shape[-2]), dtype, device)
    stride = flipped._stride[:-2] + (1, max(shape[-2], 1))
    return T._new(flipped._storage, shape, stride, 0)


def _vectors(shape, dtype, device):
    return T.empty_tensor(tuple(shape), dtype, device)


def _not_converged_for(routine):
    """The error of a routine that failed on values torch's messages do not name."""
    return lambda batch, info: LinAlgError(f"linalg.{routine}: {batch}The algorithm failed to "
                                           f"converge (error code: {info}).")


def _run(routine, outs, inputs, options=(), failure=None):
    """outs = the backend's `routine` of inputs; `failure(batch, info)` makes the error for
    a matrix the routine refused (batch: torch's "(Batch element k): ", or "")."""
    backend = T.backends.get(inputs[0]._storage.device.type)
    failed = backend.linalg(routine, outs, inputs, options)
    if failed is not None:
        index, info = failed
        batch = f"(Batch element {index}): " if inputs[0].dim() > 2 else ""
        raise (failure or _not_converged_for(routine))(batch, info)
    return outs


def _singular_inverse(batch, info):
    return LinAlgError(f"linalg.inv: {batch}The diagonal element {info} is zero, the inversion "
                       "could not be completed because the input matrix is singular.")


def _singular_solve(batch, info):
    return LinAlgError(f"torch.linalg.solve: {batch}The solver failed because the input matrix "
                       "is singular.")


def _not_positive_definite(batch, info):
    return LinAlgError(f"linalg.cholesky: {batch}The factorization could not be completed "
                       "because the input is not positive-definite (the leading minor of order "
                       f"{info} is not positive-definite).")


def _not_converged(batch, info):
    return LinAlgError(f"linalg.svd: {batch}The algorithm failed to converge because the input "
                       "matrix contained non-finite values.")


@differentiable
def linalg_inv(A):
    check_matrices("linalg.inv", A)
    out = _column_major(A._shape, A._dtype, A._storage.device)
    return _run("inv", (out,), (A,), failure=_singular_inverse)[0]


def solve_is_vector(A, B):
    """torch's rule: B is a (batch of) vector(s) when 1-D or A's batch of vectors."""
    return B.dim() == 1 or (B.dim() == A.dim() - 1 and B._shape == A._shape[:-1])


@differentiable
def linalg_solve(A, B, left=True):
    check_same_device(A, B)
    check_matrices("linalg.solve", A)
    if A._dtype is not B._dtype:
        raise RuntimeError("linalg.solve: Expected A and B to have the same dtype, but found A "
                           f"of type {_TORCH_TYPE_NAMES[A._dtype.name]} and B of type "
                           f"{_TORCH_TYPE_NAMES[B._dtype.name]} instead")
    vector = solve_is_vector(A, B)
    b = B.unsqueeze(-1) if vector else B  # a column, for XA = B too (as torch)
    n = A._shape[-1]
    if (b._shape[-2] if left else b._shape[-1]) != n:
        rows, cols = b._shape[-2:]
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{equation} ({n}x{n} and {rows}x{cols})")
    if not left:  # X A = B is A^T X^T = B^T
        A, b = A.transpose(-1, -2), b.transpose(-1, -2)
    batch = broadcast_shapes(A._shape[:-2], b._shape[:-2])
    a = _expand_to(A, batch + (n, n))
    b = _expand_to(b, batch + b._shape[-2:])
    if vector:
        # torch's layout: the last batch dim and the vectors' dim stored column by column
        make = _column_major if batch else _vectors
        x = make(batch + (n,), A._dtype, A._storage.device)
        out = T._new(x._storage, x._shape + (1,), x._stride + (1,))
    else:
        out = x = _column_major(b._shape, A._dtype, A._storage.device)
    _run("solve", (out,), (a, b), failure=_singular_solve)
    if not left and not vector:
        x = T._new(x._storage, x._shape[:-2] + x._shape[:-3:-1], x._stride[:-2] + x._stride[:-3:-1])
    return x


@differentiable
def linalg_cholesky(A, upper=False):
    check_matrices("linalg.cholesky", A)
    # U = L^T: L written row by row is U stored column by column, as torch's
    make = T.empty_tensor if upper else _column_major
    low = _run("cholesky", (make(A._shape, A._dtype, A._storage.device),), (A,),
               failure=_not_positive_definite)[0]
    if upper:
        return T._new(low._storage, low._shape, low._stride[:-2] + low._stride[:-3:-1])
    return low


QR_MODES = ("reduced", "complete", "r")


@differentiable
def linalg_qr(A, mode="reduced"):
    if mode not in QR_MODES:
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    check_matrices("linalg.qr", A, square=False)
    *batch, m, n = A._shape
    k = m if mode == "complete" else min(m, n)
    device = A._storage.device
    r = _column_major(batch + [k, n], A._dtype, device)
    if mode == "r":
        _run("qr", (r,), (A,), ("r",))
        return T.empty_tensor((0,), A._dtype, device), r
    q = _column_major(batch + [m, k], A._dtype, device)
    return _run("qr", (q, r), (A,), (mode,))


@differentiable
def linalg_svd(A, full_matrices=True):
    check_matrices("linalg.svd", A, square=False)
    *batch, m, n = A._shape
    k = min(m, n)
    device = A._storage.device
    u = _column_major(batch + [m, m if full_matrices else k], A._dtype, device)
    s = _vectors(batch + [k], A._dtype, device)
    vh = _column_major(batch + [n if full_matrices else k, n], A._dtype, device)
    return _run("svd", (u, s, vh), (A,), (full_matrices,), failure=_not_converged)


@differentiable
def linalg_svdvals(A):
    check_matrices("linalg.svd", A, square=False)
    s = _vectors(A._shape[:-2] + (min(A._shape[-2:]),), A._dtype, A._storage.device)
    return _run("svdvals", (s,), (A,), failure=_not_converged)[0]


def _check_uplo(UPLO):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


@differentiable
def linalg_eigh(A, UPLO="L"):
    _check_uplo(UPLO)
    check_matrices("linalg.eigh", A)
    w = _vectors(A._shape[:-1], A._dtype, A._storage.device)
    v = _column_major(A._shape, A._dtype, A._storage.device)
    return _run("eigh", (w, v), (A,), (UPLO,))


@differentiable
def linalg_eigvalsh(A, UPLO="L"):
    _check_uplo(UPLO)
    check_matrices("linalg.eigh", A)
    w = _vectors(A._shape[:-1], A._dtype, A._storage.device)
    return _run("eigvalsh", (w,), (A,), (UPLO,))[0]


@differentiable
def linalg_slogdet(A):
    check_matrices("linalg.slogdet", A)
    sign = _vectors(A._shape[:-2], A._dtype, A._storage.device)
    logabsdet = _vectors(A._shape[:-2], A._dtype, A._storage.device)
    return _run("slogdet", (sign, logabsdet), (A,))


@differentiable
def linalg_det(A):
    check_matrices("linalg.det", A)
    det = _vectors(A._shape[:-2], A._dtype, A._storage.device)
    return _run("det", (det,), (A,))[0]
