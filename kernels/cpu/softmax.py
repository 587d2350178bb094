"""softmax and log_softmax in one kernel per row, on the CPU.

The input is contiguous and seen as (outer, n, inner), the softmax running along n:
- ``rows`` (inner == 1): three passes over each row, all in cache: the max, exp(x - max)
  stored into the output and summed, then the division (log_softmax: x - max - log sum);
- ``columns`` (inner > 1): the same passes over whole (n, inner) slabs, inner elements at
  a time, so the inner loops run along memory.
Each comes serial and parallel (over rows, or over outer slabs). A composite of amax, sub,
exp, sum and div made five passes and five allocations, and compiled five kernel families.

The max compares floats as integers and the sum is reassociated, so both vectorise (one
running value would make every step wait for the last); the sum runs in float64. exp runs
in x's type: float32 rows through the vectorised float32 exp (within 4 ulp of the
correctly rounded value, as torch's own vectorised exp is within 1-2).
"""
import math

import numba as nb
import numpy as np
from numba import types
from numba.extending import overload

from .scalar_math import exp32

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


# exp(v) for float64 v <= 0: 2^k is built from its bits (k >= -1075 stays in range: below,
# the result is 0 anyway).
_LOG2E, _LN2_HI, _LN2_LO = 1.4426950408889634, 0.6931471803691238, 1.9082149292705877e-10
_C = tuple(1 / math.factorial(n) for n in range(11))


@nb.njit(error_model="numpy", fastmath={"contract"})
def _exp_fine(v):
    x = max(v, -745.2)
    k = np.floor(x * _LOG2E + 0.5)
    r = x - k * _LN2_HI - k * _LN2_LO
    p = ((((((((((_C[10] * r + _C[9]) * r + _C[8]) * r + _C[7]) * r + _C[6]) * r + _C[5]) * r
              + _C[4]) * r + _C[3]) * r + _C[2]) * r + _C[1]) * r + _C[0])
    n = np.int64(k)
    h = n >> 1
    y = p * np.int64((h + 1023) << 52).view(np.float64) \
        * np.int64((n - h + 1023) << 52).view(np.float64)
    return v if v != v else (0.0 if v < -745.2 else y)


def _exp_shifted(v):
    """exp(v) for v = x - max <= 0, in v's type: float32 through the parallel kernels'
    vectorised float32 exp (8 lanes, 6 terms; within 4 ulp, where float64 lanes and 11
    terms ran softmax at 4x torch's time at 2^14 elements), float64 through _exp_fine.
    The kernels' `exact` takes _exp_fine for float32 too, rounded once: the correctly
    rounded values torch prints, for the small tensors whose values users read in full."""


@overload(_exp_shifted)
def _exp_shifted_overload(v):
    if v == types.float32:
        return lambda v: exp32(v)
    return lambda v: _exp_fine(np.float64(v))


@nb.njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "reassoc"})
def _sum(x, r):
    """sum(x[r]) in float64, its additions in any order (reassociated, so LLVM splits it
    into vector lanes: 19x over one running sum, whose every step waits for the last)."""
    total = 0.0
    for i in range(x.shape[1]):
        total += x[r, i]
    return total


@nb.njit(**_JIT)
def _row(x, xi, out, r, log, mag, inf, bits, top, exact):
    """Row r. Rows are indexed, not sliced: a slice per row costs its reference counting,
    a third of a 32-element row's time. bits[r] and top[r] are one scratch number seen as
    an integer and as a float (a bit cast)."""
    bits[r] = _max(xi, r, mag, inf)
    m = top[r]
    # (a NaN max makes the row NaN, as in torch; so does a row of -inf: -inf - -inf)
    if exact:  # (the branch outside the loops: each loop vectorises)
        for i in range(x.shape[1]):
            out[r, i] = _exp_fine(np.float64(x[r, i] - m))
    else:
        for i in range(x.shape[1]):
            out[r, i] = _exp_shifted(x[r, i] - m)
    top[r] = _sum(out, r)  # the float64 sum, rounded once to x's dtype
    total = top[r]
    if log:  # (x - max) - log(sum): adding log(sum) to the max first would round it away
        lse = np.log(total)
        for i in range(x.shape[1]):
            out[r, i] = (x[r, i] - m) - lse
    else:  # a division, as torch's e / sum (a multiply by 1 / sum rounds twice)
        for i in range(x.shape[1]):
            out[r, i] = out[r, i] / total


@nb.njit(**_JIT)
def rows(x, xi, out, log, mag, inf, exact):
    """x, out: (rows, n) C-contiguous, n > 0; xi: x viewed as signed integers of its
    width; mag and inf: those integers' magnitude mask and +inf's bits; exact: exp in
    float64 and rounded (see _exp_shifted)."""
    top = np.empty(x.shape[0], x.dtype)
    bits = top.view(xi.dtype)
    for r in range(x.shape[0]):
        _row(x, xi, out, r, log, mag, inf, bits, top, exact)


@nb.njit(parallel=True, **_JIT)
def rows_par(x, xi, out, log, mag, inf, exact):
    top = np.empty(x.shape[0], x.dtype)
    bits = top.view(xi.dtype)
    for r in nb.prange(x.shape[0]):
        _row(x, xi, out, r, log, mag, inf, bits, top, exact)


@nb.njit(**_JIT)
def _slab(x, out, log, exact):
    """x, out: (n, inner) C-contiguous; the softmax runs down each column."""
    n, inner = x.shape
    top = np.full(inner, -np.inf, x.dtype)
    for k in range(n):
        for j in range(inner):
            v = x[k, j]
            top[j] = v if v > top[j] or v != v else top[j]
    sums = np.zeros(inner, np.float64)
    for k in range(n):
        if exact:
            for j in range(inner):
                out[k, j] = _exp_fine(np.float64(x[k, j] - top[j]))
        else:
            for j in range(inner):
                out[k, j] = _exp_shifted(x[k, j] - top[j])
        for j in range(inner):
            sums[j] += out[k, j]
    total = np.empty(inner, x.dtype)
    for j in range(inner):
        total[j] = sums[j]  # rounded once to x's dtype
    if log:
        for j in range(inner):
            total[j] = np.log(total[j])
        for k in range(n):
            for j in range(inner):
                out[k, j] = (x[k, j] - top[j]) - total[j]
    else:
        for k in range(n):
            for j in range(inner):
                out[k, j] = out[k, j] / total[j]


@nb.njit(**_JIT)
def columns(x, out, log, exact):
    """x, out: (outer, n, inner) C-contiguous."""
    for o in range(x.shape[0]):
        _slab(x[o], out[o], log, exact)


@nb.njit(parallel=True, **_JIT)
def columns_par(x, out, log, exact):
    for o in nb.prange(x.shape[0]):
        _slab(x[o], out[o], log, exact)


