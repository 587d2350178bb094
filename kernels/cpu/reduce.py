"""Reductions over a set of dims, and torch's arg reductions (CPU, Numba).

Two steps, so that the Python work is done once per layout:

``reduce_plan(shape, strides, dims, arg=False) -> ReducePlan``
    Pure Python; cache the plan per (shape, strides, dims, arg). Strides must be
    >= 0 and ``dims`` are normalised (0 <= d < ndim, no repeats; empty means no dim is
    reduced). It drops size-1 dims, orders the kept and the reduced dims by memory
    order and merges the ones that are contiguous with each other. Work goes by tiles
    of outputs along the innermost kept dim, in one of two loop nests ("inner": the
    reduced dims are innermost in memory, one tight reduction per output; "outer": a
    kept dim is innermost, so each reduced position adds a row into the tile's
    accumulators, vectorised across outputs). The plan picks the serial or parallel
    variant (parallel from ``PARALLEL_MIN`` input elements and more than one Numba
    thread), and how the work is split across threads. With ``arg=True`` the reduced
    dims keep their logical order, so an arg reduction over several dims (or all of
    them) returns torch's flat index into those dims.

``reduce(op, plan, x, xoff, out, idx=None, correction=1.0)``
    Reduces the view (flat buffer ``x``, element offset ``xoff``, the plan's layout)
    into ``out``: a C-contiguous 1-D buffer of ``plan.numel_out`` elements, in the
    order of x's shape with the reduced dims removed. The caller picks out's dtype; the
    kernel accumulates as below and casts once on the store.

    ======  ============================================  =========================
    op      result                                        accumulates in
    ======  ============================================  =========================
    SUM     sum; 0 for an empty reduction                 float64 for float x (the
                                                          outer kind adds 8-row
                                                          groups in x's type first),
                                                          int64 otherwise
    PROD    product; 1 for an empty reduction             as SUM
    AMAX    max; NaN if any element is NaN                x's dtype
    AMIN    min; NaN if any element is NaN                x's dtype
    ALL     every element != 0; True when empty           bool
    ANY     some element != 0; False when empty           bool
    VAR     sum((v - mean)^2) / max(0, n - correction)    float64 (Welford / Chan)
    STD     sqrt of VAR                                   float64
    ARGMAX  value into out, int64 index into ``idx``      x's dtype
    ARGMIN  as ARGMAX                                     x's dtype
    ======  ============================================  =========================

    Mean is SUM divided by ``plan.count`` (the number of reduced elements). The cpu
    backend sums non-empty float tensors with cascade_sum instead (torch's order). Arg
    reductions follow torch: the first index among ties, and NaN beats every number
    (its first occurrence wins). AMAX, AMIN and the arg reductions assume a non-empty
    reduction (the front end raises); VAR and STD give NaN for n == 0, like torch.

For hot paths, ``kernel(op, plan.parallel)`` returns the jitted function and
``plan.args`` the layout arguments: ``kernel(x, xoff, *plan.args, out, idx,
correction)`` skips the Python wrapper and its checks (idx: an int64 buffer, any
for non-arg ops). Each (op, x dtype, out dtype, serial/parallel) compiles on first
use, about 1.5 s serial and 2 s more parallel, then loads from Numba's disk cache.
"""
import math

import numba
import numpy as np
from numba import njit, prange, types
from numba.extending import intrinsic, overload
from numba.np.numpy_support import as_dtype

# llvmlite is numba's own IR builder (installed with it); only the intrinsics use it.
from llvmlite import ir

SUM, PROD, AMAX, AMIN, ALL, ANY, VAR, STD, ARGMAX, ARGMIN = range(10)
_ASSOC = (SUM, PROD, AMAX, AMIN, ALL, ANY)
_MOMENTS = (VAR, STD)
_ARG = (ARGMAX, ARGMIN)

PARALLEL_MIN = 32768  # input elements from which the parallel variant runs (torch's grain)
_TILE_MAX = 2048      # outputs per tile (outer kind: 16 KiB of float64 accumulators)
_TILE_MIN = 256       # outer kind: narrower tiles stream rows too briefly
_SPLIT_MIN = 4096     # inner kind: fewest elements of one output's reduction per split
_VAR_BLOCK = 1024     # inner VAR: block of the two-pass mean/M2, kept in L1
_STREAM_BLOCK = 256   # inner associative folds of long runs: elements per stream in turn
_STREAM_MIN = 1 << 18  # ... in runs this long (1 MiB of fp32): streams lie far apart
_LANES = 32           # inner arg reductions: running bests kept side by side

_U = np.uint64
_JIT = dict(cache=True, error_model="numpy")
# Reassociation lets LLVM vectorise float folds; no no-NaN/no-inf flags, so NaN and inf
# still propagate through sums and the NaN tests in AMAX/AMIN/ARG* stay.
_FOLD_JIT = dict(_JIT, fastmath={"reassoc", "nsz", "contract"})


# ---------------------------------------------------------------- plan (Python)
class ReducePlan:
    """The layout of one reduction, as the kernels take it (see the module docstring).

    kshape/kstride/ostride: kept dims in memory order, x and out strides (uint64, at
    least one dim); rshape/rstride: reduced dims (at least one dim); tile: outputs per
    work item, along the innermost kept dim; splits: parts each output's reduction is
    cut into across threads (1: threads take whole tiles); chunks: runs of
    work handed to prange (the thread count; 1 when serial).
    """
    __slots__ = ("inner", "parallel", "kshape", "kstride", "ostride", "rshape",
                 "rstride", "tile", "splits", "chunks", "numel_out", "count")

    @property
    def args(self):
        return (self.inner, self.kshape, self.kstride, self.ostride, self.rshape,
                self.rstride, self.tile, self.splits, self.chunks)

    def __repr__(self):
        kind = "inner" if self.inner else "outer"
        return (f"ReducePlan({kind}, parallel={self.parallel}, kept={self.kshape.tolist()}"
                f"/{self.kstride.tolist()}, reduced={self.rshape.tolist()}/"
                f"{self.rstride.tolist()}, tile={self.tile}, splits={self.splits})")


def _merge_dims(dims, ndst):
    """Merge neighbours (outer first) whose strides, all ``ndst`` of them, nest."""
    merged = []
    for d in dims:
        if merged and all(merged[-1][1 + k] == d[0] * d[1 + k] for k in range(ndst)):
            last = merged[-1]
            merged[-1] = (last[0] * d[0],) + d[1:]
        else:
            merged.append(d)
    return merged


def _memory_key(stride):
    # stride-0 (expanded) dims do not move through memory: treat them as outermost
    return math.inf if stride == 0 else stride


def reduce_plan(shape, strides, dims, arg=False, nthreads=None):
    """The ReducePlan of reducing ``dims`` of a view (see the module docstring).
    nthreads defaults to Numba's current thread count."""
    ndim = len(shape)
    dims = set(dims)
    kept = [d for d in range(ndim) if d not in dims]
    ostride, numel_out = {}, 1
    for d in reversed(kept):
        ostride[d] = numel_out
        numel_out *= shape[d]
    count = math.prod(shape[d] for d in dims)

    k = [(shape[d], strides[d], ostride[d]) for d in kept if shape[d] != 1]
    k.sort(key=lambda t: (_memory_key(t[1]), t[2]), reverse=True)
    k = _merge_dims(k, 2) or [(1, 0, 0)]
    if count == 0:
        r = [(0, 0)]
    else:
        r = [(shape[d], strides[d]) for d in sorted(dims) if shape[d] != 1]
        if not arg:  # arg keeps logical order: its linear index is the flat index
            r.sort(key=lambda t: _memory_key(t[1]), reverse=True)
        r = _merge_dims(r, 1) or [(1, 0)]

    p = ReducePlan()
    p.inner = numel_out == 1 or _memory_key(r[-1][1]) <= _memory_key(k[-1][1])
    p.kshape, p.kstride, p.ostride = (np.array(c, np.uint64) for c in zip(*k))
    p.rshape, p.rstride = (np.array(c, np.uint64) for c in zip(*r))
    p.numel_out, p.count = numel_out, count
    nthreads = numba.get_num_threads() if nthreads is None else nthreads
    p.parallel = nthreads > 1 and numel_out * count >= PARALLEL_MIN
    p.chunks = nthreads if p.parallel else 1
    p.tile, p.splits = _split(p, p.chunks)
    return p


def _split(p, nthreads):
    """Tile width and reduction splits. Work items are tiles of outputs along the
    innermost kept dim, and threads take contiguous runs of them: narrow the tiles
    until there are four items per thread or about equal tiles in a multiple of the
    thread count; cut the reductions too when that is not enough."""
    if p.numel_out == 0:
        return 1, 1
    k0 = int(p.kshape[-1])
    rows = p.numel_out // k0
    # an outer tile streams its rows: keep it wide and made of whole vectors
    tile_min, align, min_split = (1, 1, _SPLIT_MIN) if p.inner else (_TILE_MIN, 16, 8)

    def tile_of(ntiles):
        return min(k0, -(-k0 // ntiles // align) * align)

    def balanced(tile):
        items, last = rows * -(-k0 // tile), k0 % tile or tile
        return items >= 4 * nthreads or (items % nthreads == 0 and 4 * last >= 3 * tile)

    ntiles = -(-k0 // _TILE_MAX)
    while (nthreads > 1 and not balanced(tile_of(ntiles)) and ntiles < k0
           and tile_of(ntiles + 1) >= tile_min):
        ntiles += 1
    tile = tile_of(ntiles)
    if nthreads == 1 or balanced(tile):
        return tile, 1
    items = rows * -(-k0 // tile)
    return tile, max(1, min(-(-4 * nthreads // items), p.count // min_split))


# ---------------------------------------------------------------- op semantics
# Each helper is specialised on the op, a literal int that the kernel factory closes
# over; overloads resolve it at compile time, so every op gets its own loops.
def _literal(op):
    return op.literal_value if isinstance(op, types.IntegerLiteral) else None


def _is_float(dt):
    return isinstance(dt, types.Float)


@intrinsic
def _nan_max(typingctx, a, b):
    """llvm.maximum: a NaN-propagating max that LLVM vectorises in reductions (a
    compare-and-select max is only vectorised under no-NaN fast-math)."""
    return a(a, b), lambda ctx, builder, sig, args: _call(builder, "llvm.maximum", args)


@intrinsic
def _nan_min(typingctx, a, b):
    """llvm.minimum, as _nan_max."""
    return a(a, b), lambda ctx, builder, sig, args: _call(builder, "llvm.minimum", args)


def _call(builder, name, args):
    """Call the binary LLVM intrinsic `name` on args of one float type."""
    t = args[0].type
    fn = builder.module.declare_intrinsic(name, [t], ir.FunctionType(t, (t, t)))
    return builder.call(fn, args)


def _lift(op, v):
    pass


@overload(_lift)
def _lift_ov(op, v):
    """An element in the accumulator type of an associative op."""
    k = _literal(op)
    if k in (SUM, PROD):
        acc = np.float64 if _is_float(v) else np.int64
        return lambda op, v: acc(v)
    if k in (AMAX, AMIN):
        return lambda op, v: v
    if k in (ALL, ANY):
        return lambda op, v: v != 0


def _group(op, v):
    pass


@overload(_group)
def _group_ov(op, v):
    """An element in the type that groups of 8 rows combine in before joining the tile:
    x's own type for float sums (a 3-level tree, so at most 3 roundings in that type,
    and 7 of 8 conversions saved: 10% faster), else the accumulator type."""
    k = _literal(op)
    if k == SUM and _is_float(v):
        return lambda op, v: v
    if k is not None:
        return lambda op, v: _lift(op, v)


def _comb(op, a, b):
    pass


@overload(_comb)
def _comb_ov(op, a, b):
    """Combine two values of an associative op (bools: and/or)."""
    k = _literal(op)
    if k == SUM:
        return lambda op, a, b: a + b
    if k == PROD:
        return lambda op, a, b: a * b
    if k in (ALL, ANY) or (k in (AMAX, AMIN) and isinstance(a, types.Boolean)):
        if k in (ALL, AMIN):
            return lambda op, a, b: a & b
        return lambda op, a, b: a | b
    if k == AMAX:
        if _is_float(a):
            return lambda op, a, b: _nan_max(a, b)
        return lambda op, a, b: a if a >= b else b
    if k == AMIN:
        if _is_float(a):
            return lambda op, a, b: _nan_min(a, b)
        return lambda op, a, b: a if a <= b else b


def _better(op, v, a):
    pass


@overload(_better)
def _better_ov(op, v, a):
    """Whether v replaces the running best a: strictly better (so the first of equal
    values stays), or the first NaN. Bitwise ops keep it branch-free (vectorisable)."""
    k = _literal(op)
    if k == ARGMAX:
        return lambda op, v, a: (v > a) | ((v != v) & (a == a))
    if k == ARGMIN:
        return lambda op, v, a: (v < a) | ((v != v) & (a == a))


def _init(op, dtype, lo):
    pass


@overload(_init)
def _init_ov(op, dtype, lo):
    """Empty state (a, b) of a reduction of x.dtype values over the linear range that
    starts at lo. (No array argument: each array passed to a call costs two atomic
    reference-count updates, which dominated short reductions.)"""
    k = _literal(op)
    if k is None:
        return None
    dt = dtype.dtype
    if k in _MOMENTS:  # (mean, sum of squared deviations)
        return lambda op, dtype, lo: (0.0, 0.0)
    if k in (SUM, PROD):
        acc = np.float64 if _is_float(dt) else np.int64
        start = 0 if k == SUM else 1
        return lambda op, dtype, lo: (acc(start), np.int64(0))
    if k in (ALL, ANY):
        empty = k == ALL
        return lambda op, dtype, lo: (empty, np.int64(0))
    # extremes: the identity of max/min in x's dtype; arg ops also carry an index
    high = k in (AMIN, ARGMIN)
    if isinstance(dt, types.Boolean):
        ident = high
    elif _is_float(dt):
        ident = math.inf if high else -math.inf
    else:
        info = np.iinfo(as_dtype(dt))
        ident = info.max if high else info.min
    cast = as_dtype(dt).type
    if k in _ARG:
        return lambda op, dtype, lo: (cast(ident), np.int64(lo))
    return lambda op, dtype, lo: (cast(ident), np.int64(0))


@njit(**_JIT)
def _chan(mean_a, m2_a, n_a, mean_b, m2_b, n_b):
    """Merge the (mean, M2) of n_a elements with that of the next n_b (Chan et al.)."""
    if n_a == 0:
        return mean_b, m2_b
    tot = n_a + n_b
    delta = mean_b - mean_a
    return mean_a + delta * (n_b / tot), m2_a + m2_b + delta * delta * (n_a * n_b / tot)


@njit(**_FOLD_JIT)
def _arg_rows(op, ta, tb, x, p, n, s, width, ks, i0, di, dj):
    """Arg fold of n rows into width running bests: row r starts at x[p + r*s], its
    elements are ks apart, and element j of row r has index i0 + r*di + j*dj. The
    update is branch-free, so the loop over j vectorises."""
    for r in range(n):
        q0 = p + r * s
        i = np.int64(i0 + r * di)
        for j in range(width):
            v = x[q0 + j * ks]
            better = _better(op, v, ta[j])
            ta[j] = v if better else ta[j]
            tb[j] = i + j * dj if better else tb[j]


@njit(**_JIT)
def _same(v, a):
    """Equal, counting NaN as equal to NaN."""
    return (v == a) | ((v != v) & (a != a))


def _fold_runs(op, ta, tb, x, p, n, s, width, ks, pos, done):
    pass


@overload(_fold_runs, jit_options=_FOLD_JIT)
def _fold_runs_ov(op, ta, tb, x, p, n, s, width, ks, pos, done):
    """Inner kind: fold into each tile state ta[j], tb[j] (j < width) its run of n
    elements x[q], x[q+s], ... with q = p + j*ks. pos is the linear reduced index of
    the runs' first element, done the number of elements already in the states."""
    k = _literal(op)
    if k in _ASSOC:
        def fold_runs(op, ta, tb, x, p, n, s, width, ks, pos, done):
            # a long run is read as 4 streams (its quarters, a block of each in turn):
            # a core keeps more cache misses in flight over 4 distant streams than over
            # one (2^24 fp32, one thread: 42 -> 60 GB/s; two: 1.05 -> 0.9 of torch's
            # time). Streams only KiBs apart ran at half speed, hence _STREAM_MIN.
            w = _U(_STREAM_BLOCK)
            quarter = n // _U(4) // w * w if n >= _U(_STREAM_MIN) else _U(0)
            for j in range(width):
                q, a = p + j * ks, ta[j]
                if quarter > 0:
                    a1 = a2 = a3 = _init(op, x.dtype, _U(0))[0]
                    gap = quarter * s
                    for blk in range(quarter // w):
                        q0 = q + blk * w * s
                        for i in range(w):
                            a = _comb(op, a, _lift(op, x[q0 + i * s]))
                        q0 += gap
                        for i in range(w):
                            a1 = _comb(op, a1, _lift(op, x[q0 + i * s]))
                        q0 += gap
                        for i in range(w):
                            a2 = _comb(op, a2, _lift(op, x[q0 + i * s]))
                        q0 += gap
                        for i in range(w):
                            a3 = _comb(op, a3, _lift(op, x[q0 + i * s]))
                    a = _comb(op, _comb(op, a, a1), _comb(op, a2, a3))
                for i in range(_U(4) * quarter, n):
                    a = _comb(op, a, _lift(op, x[q + i * s]))
                ta[j] = a
        return fold_runs
    if k in _ARG:
        def fold_runs_arg(op, ta, tb, x, p, n, s, width, ks, pos, done):
            # a scalar compare-and-branch loop runs at 4 ns per element: instead keep
            # _LANES running bests, fed a block of the run at a time (vectorised like
            # the outer kind), then merge them and finish the tail
            w = _U(_LANES)
            la, li = np.empty(w, x.dtype), np.empty(w, np.int64)
            blocks = n // w
            for j in range(width):
                q, a, b = p + j * ks, ta[j], tb[j]
                if blocks > 0:
                    for lane in range(w):
                        la[lane], li[lane] = x[q + lane * s], np.int64(pos + lane)
                    _arg_rows(op, la, li, x, q + w * s, blocks - _U(1), w * s, w, s,
                              np.int64(pos + w), _LANES, 1)
                    for lane in range(w):  # lanes interleave: ties go by index
                        v, i = la[lane], li[lane]
                        if _better(op, v, a) or (_same(v, a) and i < b):
                            a, b = v, i
                for i in range(blocks * w, n):
                    v = x[q + i * s]
                    if _better(op, v, a):
                        a, b = v, np.int64(pos + i)
                ta[j], tb[j] = a, b
        return fold_runs_arg
    if k in _MOMENTS:
        def fold_runs_moments(op, ta, tb, x, p, n, s, width, ks, pos, done):
            # two passes per L1-sized block (exact mean, then squared deviations),
            # merged into the running state
            for j in range(width):
                q0, a, b = p + j * ks, ta[j], tb[j]
                i = _U(0)
                while i < n:
                    m = min(_U(_VAR_BLOCK), n - i)
                    q = q0 + i * s
                    total = 0.0
                    for t in range(m):
                        total += np.float64(x[q + t * s])
                    mean = total / np.float64(m)
                    m2 = 0.0
                    for t in range(m):
                        d = np.float64(x[q + t * s]) - mean
                        m2 += d * d
                    a, b = _chan(a, b, np.float64(done + i), mean, m2, np.float64(m))
                    i += m
                ta[j], tb[j] = a, b
        return fold_runs_moments


def _fold_rows(op, ta, tb, x, p, n, s, width, ks, pos, done):
    pass


@overload(_fold_rows, jit_options=_FOLD_JIT)
def _fold_rows_ov(op, ta, tb, x, p, n, s, width, ks, pos, done):
    """Outer kind: the same fold as _fold_runs, row by row: row r (of n) starts at
    x[p + r*s] and holds one element for each of the width states, ks apart."""
    k = _literal(op)
    if k in _ASSOC:
        def fold_rows(op, ta, tb, x, p, n, s, width, ks, pos, done):
            # combine 8 rows in registers (a 3-level tree in the group type) before
            # touching the tile: 8x less accumulator traffic
            s2, s4 = s + s, s * _U(4)
            r = _U(0)
            while r + _U(8) <= n:
                q0 = p + r * s
                for j in range(width):
                    q = q0 + j * ks
                    v0 = _comb(op, _group(op, x[q]), _group(op, x[q + s]))
                    v1 = _comb(op, _group(op, x[q + s2]), _group(op, x[q + s2 + s]))
                    q += s4
                    v2 = _comb(op, _group(op, x[q]), _group(op, x[q + s]))
                    v3 = _comb(op, _group(op, x[q + s2]), _group(op, x[q + s2 + s]))
                    v = _comb(op, _comb(op, v0, v1), _comb(op, v2, v3))
                    ta[j] = _comb(op, ta[j], _lift(op, v))
                r += _U(8)
            while r < n:
                q0 = p + r * s
                for j in range(width):
                    ta[j] = _comb(op, ta[j], _lift(op, x[q0 + j * ks]))
                r += _U(1)
        return fold_rows
    if k in _ARG:
        def fold_rows_arg(op, ta, tb, x, p, n, s, width, ks, pos, done):
            _arg_rows(op, ta, tb, x, p, n, s, width, ks, np.int64(pos), 1, 0)
        return fold_rows_arg
    if k in _MOMENTS:
        def fold_rows_moments(op, ta, tb, x, p, n, s, width, ks, pos, done):
            # Welford, one row at a time: every column has seen the same count
            for r in range(n):
                q0 = p + r * s
                inv = 1.0 / np.float64(done + r + _U(1))
                for j in range(width):
                    v = np.float64(x[q0 + j * ks])
                    d = v - ta[j]
                    ta[j] += d * inv
                    tb[j] += d * (v - ta[j])
        return fold_rows_moments


def _merge(op, a, b, a2, b2, n1, n2):
    pass


@overload(_merge)
def _merge_ov(op, a, b, a2, b2, n1, n2):
    """State of n1 elements followed by the state of the next n2."""
    k = _literal(op)
    if k in _ASSOC:
        return lambda op, a, b, a2, b2, n1, n2: (_comb(op, a, a2), b)
    if k in _ARG:
        return lambda op, a, b, a2, b2, n1, n2: (a2, b2) if _better(op, a2, a) else (a, b)
    if k in _MOMENTS:
        return lambda op, a, b, a2, b2, n1, n2: _chan(a, b, np.float64(n1), a2, b2,
                                                      np.float64(n2))


def _is_arg(op):
    pass


@overload(_is_arg)
def _is_arg_ov(op):
    """Whether op also stores indices (a constant, so the store folds away)."""
    k = _literal(op)
    if k is not None:
        return lambda op: k in _ARG


def _result(op, a, b, n, correction):
    pass


@overload(_result)
def _result_ov(op, a, b, n, correction):
    """The value stored for a final state over n elements (arg ops: their value)."""
    k = _literal(op)
    if k in _ASSOC or k in _ARG:
        return lambda op, a, b, n, correction: a
    if k in _MOMENTS:
        root = k == STD

        def result(op, a, b, n, correction):
            v = b / max(0.0, np.float64(n) - correction)
            return math.sqrt(v) if root else v
        return result


# ---------------------------------------------------------------- loop nests
# Numba re-optimises every callee's code inside each caller, so the op-specific code is
# kept shallow: the kernel calls one flat _units, which calls the fold leaves. (Nesting
# the walk and the two loop kinds as separate functions cost 3.5 s of compilation per
# op and dtype; this layout costs about 1.5 s, and 2 s more for the parallel variant.)
@njit(**_JIT)
def _numel(shape):
    n = _U(1)
    for d in range(len(shape)):
        n *= shape[d]
    return n


@njit(**_JIT)
def _unravel(lin, shape, strides, ostrides, nd, cnt):
    """Set the odometer cnt[:nd] to linear index lin (last dim fastest); return the x
    and out offsets there. Called once per run of work, never per element."""
    xo, oo = _U(0), _U(0)
    for d in range(nd - 1, -1, -1):
        if lin == 0:
            cnt[d] = 0
            continue
        c = lin % shape[d]
        lin //= shape[d]
        cnt[d] = c
        xo += c * strides[d]
        oo += c * ostrides[d]
    return xo, oo


@njit(**_JIT)
def _step(shape, strides, ostrides, nd, cnt, xo, oo):
    """Advance the odometer cnt[:nd] by one; return the new x and out offsets."""
    d = nd - 1
    while d >= 0:
        cnt[d] += _U(1)
        xo += strides[d]
        oo += ostrides[d]
        if cnt[d] < shape[d]:
            break
        xo -= shape[d] * strides[d]  # added before subtracting: never below zero
        oo -= shape[d] * ostrides[d]
        cnt[d] = _U(0)
        d -= 1
    return xo, oo


@njit(**_FOLD_JIT)
def _units(op, c, chunks, x, x0, inner, kshape, kstride, ostride, rshape, rstride, tile,
           splits, out, idx, correction, pa, pb):
    """Chunk c of `chunks`: a contiguous run of the work units (see _make_kernel).

    Per unit, the odometers step inline and helpers are called only when a dim carries
    over: every array passed to a call costs two atomic reference-count updates, which
    otherwise dominate short reductions (50 ns per output)."""
    nk, nr = len(kshape), len(rshape)
    m, n = _numel(kshape), _numel(rshape)
    k0, ks, os = kshape[nk - 1], kstride[nk - 1], ostride[nk - 1]
    ntiles = (k0 + tile - _U(1)) // tile
    nko = nk - 1  # kept dims above the tiled one, stepped by the odometer
    units = m // k0 * ntiles * splits
    last = nr - 1
    n_last, s_last = rshape[last], rstride[last]
    u0, u1 = units * c // chunks, units * (c + _U(1)) // chunks
    kcnt, rcnt = np.zeros(nk, _U), np.zeros(nr, _U)
    a0, b0 = _init(op, x.dtype, _U(0))
    ta, tb = np.full(tile, a0), np.full(tile, b0)
    item, sp = u0 // splits, u0 % splits
    t = item % ntiles
    xo, oo = _unravel(item // ntiles, kshape, kstride, ostride, nko, kcnt)
    for u in range(u0, u1):
        lo, hi = _U(0), n
        if splits > 1:  # (64-bit divisions are slow enough to matter per output)
            lo, hi = n * sp // splits, n * (sp + _U(1)) // splits
        col = t * tile
        cols = min(tile, k0 - col)
        a, b = _init(op, x.dtype, lo)
        for j in range(cols):
            ta[j], tb[j] = a, b
        # reduced positions lo..hi-1, one fold per run along the last reduced dim
        base = x0 + xo + col * ks
        p = base
        if lo == 0:
            for d in range(nr):
                rcnt[d] = 0
        else:
            p += _unravel(lo, rshape, rstride, rstride, nr, rcnt)[0]
        pos = lo
        while pos < hi:
            run = min(n_last - rcnt[last], hi - pos)
            if inner:
                _fold_runs(op, ta, tb, x, p, run, s_last, cols, ks, pos, pos - lo)
            else:
                _fold_rows(op, ta, tb, x, p, run, s_last, cols, ks, pos, pos - lo)
            pos += run
            if pos < hi:  # the run ended a row: step the dims above it
                row = p - rcnt[last] * s_last
                rcnt[last] = _U(0)
                p = base + _step(rshape, rstride, rstride, last, rcnt, row - base, _U(0))[0]
        for j in range(cols):
            if splits == 1:
                o = oo + (col + j) * os
                out[o] = _result(op, ta[j], tb[j], n, correction)
                if _is_arg(op):
                    idx[o] = tb[j]
            else:
                pa[u * tile + j], pb[u * tile + j] = ta[j], tb[j]
        sp += _U(1)
        if sp == splits:
            sp, t = _U(0), t + _U(1)
            if t == ntiles and nko > 0:  # next kept position
                t = _U(0)
                d = nko - 1
                kcnt[d] += _U(1)
                xo += kstride[d]
                oo += ostride[d]
                if kcnt[d] == kshape[d]:
                    xo -= kshape[d] * kstride[d]
                    oo -= kshape[d] * ostride[d]
                    kcnt[d] = _U(0)
                    xo, oo = _step(kshape, kstride, ostride, d, kcnt, xo, oo)


@njit(**_FOLD_JIT)
def _merge_splits(op, kshape, kstride, ostride, rshape, tile, splits, out, idx,
                  correction, pa, pb):
    """Merge each item's split states in order and store them (few items: reductions
    are split only when there are too few outputs to share out)."""
    nk = len(kshape)
    n = _numel(rshape)
    k0, os = kshape[nk - 1], ostride[nk - 1]
    ntiles = (k0 + tile - _U(1)) // tile
    kcnt = np.zeros(nk, _U)
    for item in range(_U(len(pa)) // tile // splits):
        t = item % ntiles
        oo = _unravel(item // ntiles, kshape, kstride, ostride, nk - 1, kcnt)[1]
        col = t * tile
        for j in range(min(tile, k0 - col)):
            u = item * splits
            a, b = pa[u * tile + j], pb[u * tile + j]
            for sp in range(_U(1), splits):
                lo, hi = n * sp // splits, n * (sp + _U(1)) // splits
                a, b = _merge(op, a, b, pa[(u + sp) * tile + j], pb[(u + sp) * tile + j],
                              lo, hi - lo)
            o = oo + (col + j) * os
            out[o] = _result(op, a, b, n, correction)
            if _is_arg(op):
                idx[o] = b


def _make_kernel(op, parallel):
    # Work is a list of units: unit u is split u % splits of item u // splits. An item
    # is a tile of outputs along the innermost kept dim (item % ntiles is the tile) at
    # one position of the kept dims above it. Each chunk (thread) takes a contiguous
    # run of units. The prange body is one call, so the parallel variant compiles
    # little beyond the serial one.
    def run(x, xoff, inner, kshape, kstride, ostride, rshape, rstride, tile, splits,
            chunks, out, idx, correction):
        m = _numel(kshape)
        if m == 0:
            return
        tile, splits = _U(tile), _U(splits)
        k0 = kshape[len(kshape) - 1]
        units = m // k0 * ((k0 + tile - _U(1)) // tile) * splits
        chunks = min(_U(chunks), units) if parallel else _U(1)
        a, b = _init(op, x.dtype, _U(0))
        scratch = units * tile if splits > 1 else _U(0)
        pa, pb = np.full(scratch, a), np.full(scratch, b)
        for c in prange(np.int64(chunks)):
            _units(op, _U(c), chunks, x, _U(xoff), inner, kshape, kstride, ostride, rshape,
                   rstride, tile, splits, out, idx, correction, pa, pb)
        if parallel and splits > 1:  # a constant: the serial variant never compiles it
            _merge_splits(op, kshape, kstride, ostride, rshape, tile, splits, out, idx,
                          correction, pa, pb)

    return njit(parallel=parallel, **_JIT)(run)


_KERNELS = {}
NO_IDX = np.empty(0, np.int64)


def kernel(op, parallel):
    """The jitted kernel for (op, serial/parallel); it compiles per dtype on first call."""
    try:
        return _KERNELS[op, parallel]
    except KeyError:
        if op not in range(10):
            raise ValueError(f"unknown reduction op {op!r}") from None
        k = _KERNELS[op, parallel] = _make_kernel(op, parallel)
        return k


def reduce(op, plan, x, xoff, out, idx=None, correction=1.0):
    """Run reduction ``op`` with ``plan`` on the view (x, xoff) into out (and idx)."""
    if idx is None:
        idx = NO_IDX
    # kernels do not bounds-check: a short output would be silently overrun
    if len(out) < plan.numel_out or (op in _ARG and len(idx) < plan.numel_out):
        raise ValueError("output buffers are smaller than the plan's numel_out")
    kernel(op, plan.parallel)(x, xoff, *plan.args, out, idx, float(correction))
