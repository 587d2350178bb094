"""layer_norm's forward pass on the CPU, one row at a time: the mean, the variance (a
second pass over the row, in cache, so no digits cancel), then the normalised row and its
affine map. A composite of mean, var, sub, mul and add passes read the input five times.

Sums run in float64 over LANES independent accumulators, as in kernels.cpu.softmax.
"""
import numba as nb
import numpy as np

LANES = 8
_JIT = dict(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})


@nb.njit(**_JIT)
def _sum(x):
    n = x.shape[0]
    body = n - n % LANES
    acc = np.zeros(LANES, np.float64)
    for i in range(0, body, LANES):
        for j in range(LANES):
            acc[j] += x[i + j]
    total = acc.sum()
    for i in range(body, n):
        total += x[i]
    return total


@nb.njit(**_JIT)
def _squared_deviations(x, mean):
    n = x.shape[0]
    body = n - n % LANES
    acc = np.zeros(LANES, np.float64)
    for i in range(0, body, LANES):
        for j in range(LANES):
            d = x[i + j] - mean
            acc[j] += d * d
    total = acc.sum()
    for i in range(body, n):
        d = x[i] - mean
        total += d * d
    return total


@nb.njit(**_JIT)
def _row(x, w, b, affine, eps, out, xhat):
    n = x.shape[0]
    mean = _sum(x) / n
    var = _squared_deviations(x, mean) / n
    r = 1 / np.sqrt(var + eps)
    m = x.dtype.type(mean)
    rs = x.dtype.type(r)
    for i in range(n):
        xhat[i] = (x[i] - m) * rs
    if affine == 0:
        for i in range(n):
            out[i] = xhat[i]
    elif affine == 1:
        for i in range(n):
            out[i] = xhat[i] * w[i]
    else:
        for i in range(n):
            out[i] = xhat[i] * w[i] + b[i]
    return rs


@nb.njit(**_JIT)
def rows(x, w, b, affine, eps, out, xhat, rstd):
    """x, out, xhat: (M, K) C-contiguous; w, b: (K,); rstd: (M,). affine: 0 (neither), 1
    (weight) or 2 (weight and bias)."""
    for r in range(x.shape[0]):
        rstd[r] = _row(x[r], w, b, affine, eps, out[r], xhat[r])


@nb.njit(parallel=True, **_JIT)
def rows_par(x, w, b, affine, eps, out, xhat, rstd):
    for r in nb.prange(x.shape[0]):
        rstd[r] = _row(x[r], w, b, affine, eps, out[r], xhat[r])
