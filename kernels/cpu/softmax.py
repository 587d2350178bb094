"""softmax and log_softmax in one kernel per row, on the CPU.

The input is contiguous and seen as (outer, n, inner), the softmax running along n:
- ``rows`` (inner == 1): three passes over each row, all in cache: the max, exp(x - max)
  stored into the output (or, for log_softmax, only summed), then the scaling;
- ``columns`` (inner > 1): the same passes over whole (n, inner) slabs, inner elements at
  a time, so the inner loops run along memory.
Each comes serial and parallel (over rows, or over outer slabs). A composite of amax, sub,
exp, sum and div made five passes and five allocations, and compiled five kernel families.

Sums and maxima run in LANES independent accumulators: one running value would make every
step wait for the last (about 4 cycles each), and fastmath's reassociation, which would
let LLVM split it, would also reorder the polynomial exp's careful roundings.
"""

import numba as nb
import numpy as np

from .scalar_math import exp

_JIT = dict(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})


@nb.njit(**_JIT)
def _max(xi, r, mag, inf):
    """The bits of max(x[r]), or of NaN if the row has one, given xi, x's bits as signed
    integers (mag: their magnitude mask, inf: +inf's bits). Floats compare as integers once
    negative ones have their magnitude bits flipped, and an integer max vectorises where a
    float max with NaN semantics does not (10x on a 2^18-element row)."""
    top = ~mag
    nan = False
    for i in range(xi.shape[1]):
        b = xi[r, i]
        key = b ^ ((b >> (8 * xi.itemsize - 1)) & mag)
        top = key if key > top else top
        nan |= (b & mag) > inf
    return inf | (inf >> 1) if nan else top ^ ((top >> (8 * xi.itemsize - 1)) & mag)


@nb.njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "reassoc"})
def _sum(x, r):
    """sum(x[r]), its additions in any order (reassociated, so LLVM splits it into vector
    lanes: 19x over one running sum, whose every step waits for the last)."""
    total = x[r, 0]
    for i in range(1, x.shape[1]):
        total += x[r, i]
    return total


@nb.njit(**_JIT)
def _row(x, xi, out, r, log, mag, inf, bits, top):
    """Row r. Rows are indexed, not sliced: a slice per row costs its reference counting,
    a third of a 32-element row's time. bits[r] and top[r] are one scratch number seen as
    an integer and as a float (a bit cast)."""
    bits[r] = _max(xi, r, mag, inf)
    m = top[r]
    # (a NaN max makes the row NaN, as in torch; so does a row of -inf: -inf - -inf)
    for i in range(x.shape[1]):
        out[r, i] = exp(x[r, i] - m)
    total = _sum(out, r)
    if log:  # (x - max) - log(sum): adding log(sum) to the max first would round it away
        lse = np.log(total)
        for i in range(x.shape[1]):
            out[r, i] = (x[r, i] - m) - lse
    else:
        scale = 1 / total
        for i in range(x.shape[1]):
            out[r, i] = out[r, i] * scale


@nb.njit(**_JIT)
def rows(x, xi, out, log, mag, inf):
    """x, out: (rows, n) C-contiguous, n > 0; xi: x viewed as signed integers of its
    width; mag and inf: those integers' magnitude mask and +inf's bits."""
    top = np.empty(x.shape[0], x.dtype)
    bits = top.view(xi.dtype)
    for r in range(x.shape[0]):
        _row(x, xi, out, r, log, mag, inf, bits, top)


@nb.njit(parallel=True, **_JIT)
def rows_par(x, xi, out, log, mag, inf):
    top = np.empty(x.shape[0], x.dtype)
    bits = top.view(xi.dtype)
    for r in nb.prange(x.shape[0]):
        _row(x, xi, out, r, log, mag, inf, bits, top)


@nb.njit(**_JIT)
def _slab(x, out, log):
    """x, out: (n, inner) C-contiguous; the softmax runs down each column."""
    n, inner = x.shape
    top = np.full(inner, -np.inf, x.dtype)
    for k in range(n):
        for j in range(inner):
            v = x[k, j]
            top[j] = v if v > top[j] or v != v else top[j]
    total = np.zeros(inner, x.dtype)
    for k in range(n):
        for j in range(inner):
            e = exp(x[k, j] - top[j])
            out[k, j] = e
            total[j] += e
    if log:
        for j in range(inner):
            total[j] = np.log(total[j])
        for k in range(n):
            for j in range(inner):
                out[k, j] = (x[k, j] - top[j]) - total[j]
    else:
        for j in range(inner):
            total[j] = 1 / total[j]
        for k in range(n):
            for j in range(inner):
                out[k, j] = out[k, j] * total[j]


@nb.njit(**_JIT)
def columns(x, out, log):
    """x, out: (outer, n, inner) C-contiguous."""
    for o in range(x.shape[0]):
        _slab(x[o], out[o], log)


@nb.njit(parallel=True, **_JIT)
def columns_par(x, out, log):
    for o in nb.prange(x.shape[0]):
        _slab(x[o], out[o], log)


