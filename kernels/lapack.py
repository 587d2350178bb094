"""Batched factorizations and solves on arrays with numpy's API: numpy (LAPACK) on the
host, CuPy (cuSOLVER) on a GPU. Every routine takes (..., m, n) arrays and returns new
arrays of the input's dtype.

A routine that a matrix defeats (singular, not positive-definite, an SVD of NaNs) raises
`Failed` with the first such matrix of the batch and LAPACK's `info` for it, which is what
torch's messages report: numpy and CuPy say only that some matrix failed, so the failing
one is found again on the host, one matrix at a time (the error path only).
"""
import numpy as np


class Failed(Exception):
    def __init__(self, batch_index, info):
        super().__init__(batch_index, info)
        self.batch_index = batch_index
        self.info = info


def _inv(xp, a):
    return (xp.linalg.inv(a),)


def _solve(xp, a, b):
    return (xp.linalg.solve(a, b),)


def _cholesky(xp, a):
    return (xp.linalg.cholesky(a),)


def _qr(xp, a, mode):
    if mode == "r":
        return (xp.linalg.qr(a, mode="r"),)
    q, r = xp.linalg.qr(a, mode=mode)
    return q, r


def _svd(xp, a, full_matrices):
    u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
    return u, s, vh


def _svdvals(xp, a):
    return (xp.linalg.svd(a, compute_uv=False),)


def _eigh(xp, a, uplo):
    w, v = xp.linalg.eigh(a, UPLO=uplo)
    return w, v


def _eigvalsh(xp, a, uplo):
    return (xp.linalg.eigvalsh(a, UPLO=uplo),)


def _slogdet(xp, a):
    sign, logabsdet = xp.linalg.slogdet(a)
    return sign, logabsdet


def _det(xp, a):
    # numpy's LU can pivot a NaN away and answer 0; torch's det of it is NaN
    nan = xp.isnan(a).any(axis=(-2, -1))
    return (xp.where(nan, xp.nan, xp.linalg.det(a)).astype(a.dtype),)


ROUTINES = {"inv": _inv, "solve": _solve, "cholesky": _cholesky, "qr": _qr, "svd": _svd,
            "svdvals": _svdvals, "eigh": _eigh, "eigvalsh": _eigvalsh, "slogdet": _slogdet,
            "det": _det}


# the routines that refuse some matrices (the others return NaNs for NaN inputs), and how
# to find LAPACK's info for a matrix that one refused
RAISING = ("inv", "solve", "cholesky", "svd", "svdvals")


def compute(xp, to_host, name, inputs, options):
    """ROUTINES[name](xp, *inputs, *options); `to_host` copies an array of xp's to numpy."""
    try:
        with np.errstate(all="ignore"):  # NaN in, NaN out, as torch: no numpy warnings
            results = ROUTINES[name](xp, *inputs, *options)
    except np.linalg.LinAlgError:  # CuPy raises numpy's class too
        return _recover(xp, to_host, name, inputs, options)
    # potrf stops at a NaN (so does torch's Cholesky), numpy's wrapper only fills NaNs in
    if name == "cholesky" and bool(xp.isnan(results[0]).any()):
        _raise_first_failure(name, np.asarray(to_host(inputs[0])))
    return results


def _recover(xp, to_host, name, inputs, options):
    """After numpy or CuPy refused a batch: raise Failed for the first matrix that LAPACK
    refuses; a matrix with NaN or infinity that it does not refuse gives NaN results, as
    torch's inv and solve do (numpy calls such a matrix singular)."""
    _raise_first_failure(name, np.asarray(to_host(inputs[0])))
    a = inputs[0]
    bad = ~xp.isfinite(a).all(axis=(-2, -1))[..., None, None]
    if name not in ("inv", "solve") or not bool(bad.any()):
        # a failure the diagnosis does not reproduce (rounding, or a routine that failed
        # to converge): reported for the first matrix
        raise Failed(0, a.shape[-1])
    fixed = xp.where(bad, xp.eye(a.shape[-1], dtype=a.dtype), a)
    results = ROUTINES[name](xp, fixed, *inputs[1:], *options)
    return tuple(xp.where(bad, xp.nan, r).astype(r.dtype) for r in results)  # inv, solve


def _raise_first_failure(name, a):
    info_of = _INFO.get(name)
    for k, m in enumerate(a.reshape((-1,) + a.shape[-2:])):
        info = info_of(m) if info_of is not None else 0
        if info:
            raise Failed(k, info)


def _non_finite(a):
    """1 if `a` holds NaN or infinity, on which the SVD fails to converge, else 0."""
    return 0 if np.isfinite(a).all() else 1


def lu_info(a):
    """getrf's info for square `a`: the 1-based column of the first exactly-zero pivot of
    its LU factorization with partial pivoting (0 if none). Like getrf, a zero pivot skips
    its column's elimination and the factorization goes on."""
    u = np.array(a)  # its own dtype: float32 rounds as LAPACK's sgetrf would
    n = u.shape[0]
    for j in range(n):
        p = j + int(np.argmax(np.abs(u[j:, j])))  # the first largest, as LAPACK's i?amax
        if u[p, j] == 0:
            return j + 1
        u[[j, p]] = u[[p, j]]
        u[j + 1:, j:] -= np.outer(u[j + 1:, j] / u[j, j], u[j, j:])
    return 0


def cholesky_info(a):
    """potrf's info for symmetric `a` (lower triangle read): the order of the first leading
    minor that is not positive-definite (0 if none)."""
    a = np.asarray(a)
    n = a.shape[0]
    low = np.zeros_like(a)
    for j in range(n):
        d = a[j, j] - low[j, :j] @ low[j, :j]
        if not d > 0:  # NaN fails too
            return j + 1
        low[j, j] = np.sqrt(d)
        low[j + 1:, j] = (a[j + 1:, j] - low[j + 1:, :j] @ low[j, :j]) / low[j, j]
    return 0


_INFO = {"inv": lu_info, "solve": lu_info, "cholesky": cholesky_info, "svd": _non_finite,
         "svdvals": _non_finite}
