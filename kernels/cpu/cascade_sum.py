"""Float sums in torch's order (its CPU cascade sum, AVX2 build), so that tm's float32
and float64 sums equal torch's bit for bit.

torch adds in x's own type. It walks the reduction as its TensorIterator does: dims
reordered (reduced dims first, by input stride; then kept dims, innermost output dim
first) and coalesced, an odometer over the dims above the first two, and on each 2-D
block one of four loops. Every loop is built on one "cascade": a run of n rows is added
into level-0 accumulators 2^p rows at a time (p = max(4, ceil(log2 n) // 4)), level j
absorbs level j-1 each time 2^(p*j) rows are done, and the 4 levels are added at the
end. The loops differ in how many lanes (independent cascades) they keep:

* contiguous reduced dim (at least one vector long): 4 vectors of lanes over
  consecutive vectors, then the leftover vectors, then the scalar tail, then the lanes;
* contiguous kept dim: per 4 vectors of columns one lane per column; per vector of
  columns 4 lanes per column taking every 4th row; single columns as a strided row;
* strided rows ("row sum"): 4 lanes taking every 4th element, then the tail;
* strided columns: 4 columns side by side, one lane each; single columns as rows.

Each result is added into its output (which starts at 0). On several threads torch
splits a full reduction into equal linear ranges, one partial sum per thread, summed at
the end; other reductions are split along a kept dim (by 128-byte column groups when
that dim is contiguous), which keeps every output's order. ``plan`` reproduces both,
with ``nthreads`` standing for torch's thread count.

``plan(shape, strides, dims, nthreads) -> SumPlan``  (Python; cache it)
``run(plan, x, xoff, out)``: out (contiguous, plan.numel_out elements, x's dtype)
receives the sums; x is the flat buffer of the view, xoff its element offset. For hot
paths, ``kernel(parallel)(x, xoff, *plan.args, out)`` skips the wrapper.
"""
import math

import numpy as np
from numba import njit, prange

from .simd import vadd, vget, vlen, vquarter, vrow, vzero

GRAIN = 32768  # torch's internal::GRAIN_SIZE: fewer input elements run serially
_U = np.uint64
_JIT = dict(cache=True, error_model="numpy")


# ---------------------------------------------------------------- plan (Python)
class SumPlan:
    """shape, istride, ostride: torch's iterator dims, innermost first (at least 2),
    with x's and out's element strides (uint64); split: -1 serial, -2 a full reduction
    in per-thread linear ranges, else the dim split across threads; threads: torch's
    thread count."""
    __slots__ = ("shape", "istride", "ostride", "split", "threads", "numel_out")

    @property
    def args(self):
        return (self.shape, self.istride, self.ostride, self.split, self.threads,
                self.numel_out)


def _should_swap(a, b):
    """torch's reorder rule for dims a before b: 1 swap, -1 keep, 0 undecided."""
    for k in (2, 1):  # the output's strides, then the input's
        sa, sb = a[k], b[k]
        if k == 2 and (sa == 0) != (sb == 0):
            return 1 if sb == 0 else -1
        if sa == 0 or sb == 0:
            continue
        if sa != sb:
            return -1 if sa < sb else 1
        if a[0] > b[0]:
            return 1
    return 0


def _iter_dims(shape, strides, dims):
    """torch's TensorIterator dims for reducing ``dims``: reordered, then coalesced."""
    ostride, m = {}, 1
    for d in reversed(range(len(shape))):  # contiguous output (size-0/1 dims: stride 1)
        if d not in dims:
            ostride[d] = m
            m *= max(shape[d], 1)
    perm = [[shape[d], strides[d], 0 if d in dims else ostride[d]]
            for d in reversed(range(len(shape)))]
    for i in range(1, len(perm)):  # torch's insertion sort: undecided pairs pass
        j = i
        for i0 in range(i - 1, -1, -1):
            c = _should_swap(perm[i0], perm[j])
            if c > 0:
                perm[i0], perm[j] = perm[j], perm[i0]
                j = i0
            elif c < 0:
                break
    out = perm[:1]
    for d in perm[1:]:
        last = out[-1]
        if last[0] == 1 or d[0] == 1 or all(last[0] * last[k] == d[k] for k in (1, 2)):
            if last[0] == 1:
                last[1], last[2] = d[1], d[2]
            last[0] *= d[0]
        else:
            out.append(list(d))
    while len(out) < 2:
        out.append([1, 0, 0])
    return out


def plan(shape, strides, dims, nthreads):
    """The SumPlan of summing ``dims`` of a non-empty view, as torch would on
    ``nthreads`` threads."""
    dims = set(dims)
    it = _iter_dims(shape, strides, dims)
    p = SumPlan()
    p.shape, p.istride, p.ostride = (np.array(c, _U) for c in zip(*it))
    numel = math.prod(shape)
    p.numel_out = math.prod(shape[d] for d in range(len(shape)) if d not in dims)
    p.threads = nthreads
    if numel < GRAIN or nthreads == 1:
        p.split = -1
    elif p.numel_out == 1:
        p.split = -2
    else:  # the outermost kept dim with a size of at least nthreads, else the largest
        best = len(it) - 1
        p.split = best
        for d in range(len(it) - 1, -1, -1):
            if it[d][2] == 0:
                break
            if it[d][0] >= nthreads:
                p.split = d
                break
            if it[d][0] > it[best][0]:
                best = p.split = d
    return p


# ---------------------------------------------------------------- kernels
# Lanes are Vec values (see simd): 4 runs of one AVX2 vector (l == 0) or of 1 element.
# The per-row helpers are inlined: a call passing an array costs two atomic
# reference-count updates, a third of the time of sum(1) on 1024x1024 fp32.
@njit(**_JIT)
def _ceil_log2(n):
    if n <= _U(2):
        return _U(1)
    r, v = _U(0), n - _U(1)
    while v:
        r += _U(1)
        v >>= _U(1)
    return r


@njit(inline="always", **_JIT)
def _cascade_vec(x, p, n, rs, ks):
    """The cascade over n rows of 4 vectors of lanes: row i is vrow(x, p + i*rs, ks)."""
    lp = max(_U(4), _ceil_log2(n) // _U(4))
    step = _U(1) << lp
    mask = step - _U(1)
    zero = vzero(x.dtype, 4, 0)
    a0 = a1 = a2 = a3 = zero
    i = _U(0)
    while i + step <= n:
        for r in range(step):
            a0 = vadd(a0, vrow(x, p + (i + r) * rs, ks, 4, 0))
        i += step
        a1, a0 = vadd(a1, a0), zero
        if i & (mask << lp):
            continue
        a2, a1 = vadd(a2, a1), zero
        if i & (mask << (_U(2) * lp)):
            continue
        a3, a2 = vadd(a3, a2), zero
    while i < n:
        a0 = vadd(a0, vrow(x, p + i * rs, ks, 4, 0))
        i += _U(1)
    return vadd(vadd(vadd(a0, a1), a2), a3)


@njit(inline="always", **_JIT)
def _cascade_4(x, p, n, rs, ks):
    """_cascade_vec with 4 single-element lanes (the same steps)."""
    lp = max(_U(4), _ceil_log2(n) // _U(4))
    step = _U(1) << lp
    mask = step - _U(1)
    zero = vzero(x.dtype, 4, 1)
    a0 = a1 = a2 = a3 = zero
    i = _U(0)
    while i + step <= n:
        for r in range(step):
            a0 = vadd(a0, vrow(x, p + (i + r) * rs, ks, 4, 1))
        i += step
        a1, a0 = vadd(a1, a0), zero
        if i & (mask << lp):
            continue
        a2, a1 = vadd(a2, a1), zero
        if i & (mask << (_U(2) * lp)):
            continue
        a3, a2 = vadd(a3, a2), zero
    while i < n:
        a0 = vadd(a0, vrow(x, p + i * rs, ks, 4, 1))
        i += _U(1)
    return vadd(vadd(vadd(a0, a1), a2), a3)


@njit(inline="always", **_JIT)
def _row_sum(x, p, n, s):
    """n elements s apart: 4 lanes of every 4th element, the tail into lane 0."""
    m = n // _U(4)
    c = _cascade_4(x, p, m, _U(4) * s, s)
    t = vget(c, 0)
    for i in range(_U(4) * m, n):
        t += x[p + i * s]
    return ((t + vget(c, 1)) + vget(c, 2)) + vget(c, 3)


@njit(inline="always", **_JIT)
def _vec_row_sum(x, p, n):
    """n contiguous elements, at least one vector."""
    v = _U(vlen(vzero(x.dtype, 1, 0)))
    nv = n // v
    m = nv // _U(4)
    c = _cascade_vec(x, p, m, _U(4) * v, v)
    lo = vquarter(c, 0)
    for j in range(_U(4) * m, nv):
        lo = vadd(lo, vrow(x, p + j * v, _U(0), 1, 0))
    lanes = vadd(vadd(vadd(lo, vquarter(c, 1)), vquarter(c, 2)), vquarter(c, 3))
    t = x.dtype.type(0)
    for i in range(nv * v, n):
        t += x[p + i]
    for i in range(vlen(lanes)):
        t += vget(lanes, i)
    return t


_TILE = 4096  # columns per tile of _column_cascades (4 levels: 64 KiB of fp32)


@njit(**_JIT)
def _column_cascades(x, p, n, rs, cols, out, o, os):
    """The cascade of each of cols contiguous columns of n rows rs apart, added into
    out[o + j*os]. torch runs down all rows for 4 vectors of columns at a time; the
    same adds, done a row of a tile of columns at a time, read memory along its rows
    (4096x4096 fp32, one thread: 2.5x faster; narrower tiles, far apart in memory,
    missed the TLB on every row)."""
    lp = max(_U(4), _ceil_log2(n) // _U(4))
    step = _U(1) << lp
    mask = step - _U(1)
    acc = np.empty((4, _TILE), x.dtype)
    a0, a1, a2, a3 = acc[0], acc[1], acc[2], acc[3]
    for t in range(_U(0), cols, _U(_TILE)):
        width = min(_U(_TILE), cols - t)
        acc[:, :width] = 0
        i = _U(0)
        while i + step <= n:
            for r in range(_U(0), step, _U(4)):  # 4 rows per pass, added in order
                q = p + t + (i + r) * rs
                for j in range(width):
                    a0[j] = (((a0[j] + x[q + j]) + x[q + rs + j]) + x[q + _U(2) * rs + j]
                             ) + x[q + _U(3) * rs + j]
            i += step
            for j in range(width):
                a1[j] += a0[j]
                a0[j] = 0
            if i & (mask << lp):
                continue
            for j in range(width):
                a2[j] += a1[j]
                a1[j] = 0
            if i & (mask << (_U(2) * lp)):
                continue
            for j in range(width):
                a3[j] += a2[j]
                a2[j] = 0
        while i < n:
            q = p + t + i * rs
            for j in range(width):
                a0[j] += x[q + j]
            i += _U(1)
        for j in range(width):
            out[o + (t + j) * os] += ((a0[j] + a1[j]) + a2[j]) + a3[j]


@njit(**_JIT)
def _vec_columns(x, p, n, rs, cols, out, o, os):
    """cols (at least a vector) contiguous columns of n rows rs apart, added into
    out[o + j*os]: per 4 vectors of columns, a cascade per column; per vector, 4 lanes
    per column taking every 4th row; single columns as rows."""
    v = _U(vlen(vzero(x.dtype, 1, 0)))
    j = cols // (_U(4) * v) * (_U(4) * v)
    if j:
        _column_cascades(x, p, n, rs, j, out, o, os)
    m = n // _U(4)
    while j + v <= cols:
        c = _cascade_vec(x, p + j, m, _U(4) * rs, rs)
        lo = vquarter(c, 0)
        for i in range(_U(4) * m, n):
            lo = vadd(lo, vrow(x, p + j + i * rs, _U(0), 1, 0))
        lanes = vadd(vadd(vadd(lo, vquarter(c, 1)), vquarter(c, 2)), vquarter(c, 3))
        for k in range(vlen(lanes)):
            out[o + (j + _U(k)) * os] += vget(lanes, k)
        j += v
    while j < cols:
        out[o + j * os] += _row_sum(x, p + j, n, rs)
        j += _U(1)


@njit(**_JIT)
def _strided_columns(x, p, n, rs, cols, cs, out, o, os):
    j = _U(0)
    while j + _U(4) <= cols:
        c = _cascade_4(x, p + j * cs, n, rs, cs)
        for k in range(4):
            out[o + (j + _U(k)) * os] += vget(c, k)
        j += _U(4)
    while j < cols:
        out[o + j * os] += _row_sum(x, p + j * cs, n, rs)
        j += _U(1)


@njit(**_JIT)
def _block(x, p, s0, s1, n0, n1, o0, o1, out, o):
    """torch's loop over one 2-D block: dim 0 reduced (or nothing reduced)."""
    if o0 != 0 and o1 == 0:
        s0, s1, n0, n1, o0, o1 = s1, s0, n1, n0, o1, o0
    v = _U(vlen(vzero(x.dtype, 1, 0)))
    if o0 != 0:  # no reduced dim: out = 0 + x
        for j in range(n1):
            for i in range(n0):
                out[o + j * o1 + i * o0] += x[p + j * s1 + i * s0]
    elif s0 == 1 and n0 >= v:
        for j in range(n1):
            out[o + j * o1] += _vec_row_sum(x, p + j * s1, n0)
    elif s1 == 1 and n1 >= v:
        _vec_columns(x, p, n0, s0, n1, out, o, o1)
    elif s0 < s1:
        for j in range(n1):
            out[o + j * o1] += _row_sum(x, p + j * s1, n0, s0)
    else:
        _strided_columns(x, p, n0, s0, n1, s1, out, o, o1)


@njit(**_JIT)
def _walk(x, p0, shape, istride, ostride, lo, hi, out, o0):
    """torch's serial_for_each over linear positions lo..hi-1: 2-D blocks as long as
    the range allows, an odometer over the dims above."""
    nd = len(shape)
    cnt = np.zeros(nd, _U)
    rem = lo
    for d in range(nd):
        cnt[d] = rem % shape[d]
        rem //= shape[d]
    pos = lo
    while pos < hi:
        p, o = p0, o0
        for d in range(nd):
            p += cnt[d] * istride[d]
            o += cnt[d] * ostride[d]
        n0 = min(shape[0] - cnt[0], hi - pos)
        n1 = _U(1)
        if n0 == shape[0]:
            n1 = min(shape[1] - cnt[1], (hi - pos) // shape[0])
        _block(x, p, istride[0], istride[1], n0, n1, ostride[0], ostride[1], out, o)
        pos += n0 * n1
        d = 0
        if n1 != 1:
            d = 1
            cnt[1] += n1
        else:
            cnt[0] += n0
        while d < nd - 1 and cnt[d] >= shape[d]:
            cnt[d] -= shape[d]
            d += 1
            cnt[d] += _U(1)


@njit(**_JIT)
def _numel(shape):
    n = _U(1)
    for d in range(len(shape)):
        n *= shape[d]
    return n


@njit(**_JIT)
def _serial(x, xoff, shape, istride, ostride, split, threads, numel_out, out):
    out[:numel_out] = 0
    _walk(x, _U(xoff), shape, istride, ostride, _U(0), _numel(shape), out, _U(0))


@njit(parallel=True, **_JIT)
def _parallel(x, xoff, shape, istride, ostride, split, threads, numel_out, out):
    # loops, not array expressions, which would each be a parallel region of their own
    for i in range(numel_out):
        out[i] = 0
    numel = _numel(shape)
    if split == -2:  # one partial sum per thread's linear range, then their sum
        parts = np.empty(threads, x.dtype)
        for i in range(threads):
            parts[i] = 0
        used = min(_U(threads), (numel + _U(GRAIN) - _U(1)) // _U(GRAIN))
        chunk = (numel + used - _U(1)) // used
        for t in prange(used):
            lo = _U(t) * chunk
            _walk(x, _U(xoff), shape, istride, ostride, lo, min(numel, lo + chunk), parts,
                  _U(t))
        _block(parts, _U(0), _U(1), _U(0), _U(threads), _U(1), _U(0), _U(0), out, _U(0))
        return
    cols = shape[split]
    used = min(_U(threads), cols)
    chunk = (cols + used - _U(1)) // used
    # torch rounds contiguous column ranges to 128 bytes (4 vectors)
    group = _U(4 * vlen(vzero(x.dtype, 1, 0))) if istride[split] == 1 else _U(1)
    for t in prange(used):
        lo, hi = _U(t) * chunk, min(cols, _U(t) * chunk + chunk)
        lo -= lo % group
        if hi != cols:
            hi -= hi % group
        if lo < hi:
            sub = shape.copy()
            sub[split] = hi - lo
            _walk(x, _U(xoff) + lo * istride[split], sub, istride, ostride, _U(0),
                  _numel(sub), out, lo * ostride[split])


def kernel(parallel):
    """The jitted kernel, serial or parallel (it compiles per dtype on first use)."""
    return _parallel if parallel else _serial


def run(p, x, xoff, out):
    """out[:p.numel_out] = the sums of plan p over the view (x, xoff)."""
    kernel(p.split != -1)(x, xoff, *p.args, out)
