"""Elementwise kernels: unary, binary (tensor-tensor and tensor-scalar) and where.

Operands are flat 1-D buffers plus an element offset and int64 shape/stride arrays whose
dims the caller has already collapsed. Outputs are allocated by the caller.

Each op family comes in layout variants, chosen by the caller once per layout:
- ``contig``: every operand walks the same contiguous run (1-D arrays sliced from 0);
- ``strided``: an odometer over the outer dims and a tight inner loop over the last one;
- ``tiled_par``: when an input's fastest dim is not the output's (``a + b.T``), tiles
  keep both access patterns in cache (large tensors only, so parallel only);
and the others have a ``_par`` twin for large tensors, so small calls never wake the
thread pool.

Index arithmetic is unsigned (``np.uint64``): with signed computed indices Numba emits
negative-index wrap checks and stops vectorising (4-5x slower, see DESIGN.md). The scalar
functions are module-level ``register_jitable`` functions, not dispatchers, because
Numba's on-disk cache keys a closure by pickling what it captures, and a dispatcher does
not pickle the same way twice, while a plain module-level function does.
"""
import math
from functools import lru_cache

import numba as nb
import numpy as np
from numba import types
from numba.extending import overload, register_jitable

# A tile is one 64-byte line of fp32 output wide: each output row is written as one whole
# line while the transposed input is read as 16 sequential streams. At 4096² fp32 this ran
# a transposed copy in 0.46x torch's time, 64 x 64 tiles in 0.97x (32-wide ones no better).
TILE_ROWS = 128
TILE_COLS = 16
CHUNK = 16384  # elements per parallel work item in the contiguous variants
U0 = np.uint64(0)


def _jit(parallel=False):
    return nb.njit(cache=True, error_model="numpy", nogil=True, parallel=parallel)


def scalar(fn):
    return register_jitable(inline="always")(fn)


# --- scalar functions ---------------------------------------------------------------
# Operands arrive in the compute dtype; the store into the output converts.

@scalar
def f_copy(x):
    return x


@scalar
def f_to_int64(x):
    # float -> narrow integer casts go through int64: a direct fptoui/fptosi into uint8
    # is undefined below 0, and vectorised and scalar code then disagree (-1.6 -> uint8
    # gave 0 in one lane and 255 in the next on an AVX-512 Xeon); torch wraps to 255
    return np.int64(x)


@scalar
def f_neg(x):
    return -x


@scalar
def f_abs(x):
    return abs(x)


@scalar
def f_sign(x):
    return (x > 0) - (x < 0)  # NaN gives 0, as in torch


@scalar
def f_exp(x):
    return math.exp(x)


@scalar
def f_expm1(x):
    return math.expm1(x)


@scalar
def f_log(x):
    if x < 0:
        return math.nan
    if x == 0:
        return -math.inf
    return math.log(x)


@scalar
def f_log2(x):
    if x < 0:
        return math.nan
    if x == 0:
        return -math.inf
    return math.log2(x)


@scalar
def f_log10(x):
    if x < 0:
        return math.nan
    if x == 0:
        return -math.inf
    return math.log10(x)


@scalar
def f_log1p(x):
    if x < -1:
        return math.nan
    if x == -1:
        return -math.inf
    return math.log1p(x)


@scalar
def f_sqrt(x):
    if x < 0:
        return math.nan
    return math.sqrt(x)


@scalar
def f_rsqrt(x):
    if x < 0:
        return math.nan
    if x == 0:
        return math.copysign(math.inf, x)
    return 1.0 / math.sqrt(x)


@scalar
def f_reciprocal(x):
    if x == 0:
        return math.copysign(math.inf, x)
    return 1.0 / x


@scalar
def f_sin(x):
    return math.sin(x)


@scalar
def f_cos(x):
    return math.cos(x)


@scalar
def f_tan(x):
    return math.tan(x)


@scalar
def f_tanh(x):
    return math.tanh(x)


@scalar
def f_sigmoid(x):
    # split by sign so exp never overflows
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@scalar
def f_relu(x):
    # torch's max(x, 0): NaN and -0.0 pass through; the store converts the literal 0
    return 0 if x < 0 else x


@scalar
def f_erf(x):
    return math.erf(x)


# numpy's, not math's: math.floor returns an int, which breaks on inf, NaN and -0.0
@scalar
def f_floor(x):
    return np.floor(x)


@scalar
def f_ceil(x):
    return np.ceil(x)


@scalar
def f_trunc(x):
    return np.trunc(x)


@scalar
def f_round(x):
    return np.rint(x)


@scalar
def f_isnan(x):
    return x != x


@scalar
def f_isinf(x):
    return x == math.inf or x == -math.inf


@scalar
def f_isfinite(x):
    return not (x != x or x == math.inf or x == -math.inf)


@scalar
def f_logical_not(x):
    return not x


@scalar
def f_bitwise_not(x):
    return ~x


@scalar
def f_add(a, b):
    return a + b


@scalar
def f_sub(a, b):
    return a - b


@scalar
def f_mul(a, b):
    return a * b


@scalar
def f_div(a, b):
    return a / b


@scalar
def f_floor_divide(a, b):
    return a // b


def _remainder(a, b):
    pass


@overload(_remainder, inline="always")
def _remainder_ov(a, b):
    if isinstance(a, types.Float):
        def remainder(a, b):
            # torch's: fmod moved into the divisor's sign, so a zero keeps the dividend's
            # sign (-2. % .5 is -0.; Python's % gives 0.)
            m = np.fmod(a, b)
            if m != 0 and (b < 0) != (m < 0):
                m += b
            return m
        return remainder
    return lambda a, b: a % b


@scalar
def f_remainder(a, b):
    return _remainder(a, b)


@scalar
def f_pow(a, b):
    return a ** b


@scalar
def f_ipow(a, b):
    # integer power; a negative exponent gives 0 except for bases 1 and -1, as in torch
    if b < 0:
        if a == 1:
            return a
        if a == -1:
            return a if b & 1 else -a
        return a * 0
    result = a - a + 1
    base = a
    while b:
        if b & 1:
            result = result * base
        base = base * base
        b >>= 1
    return result


@scalar
def f_maximum(a, b):
    # NaN propagates from either side, as in torch.maximum
    if a != a or a > b:
        return a
    return b


@scalar
def f_minimum(a, b):
    if a != a or a < b:
        return a
    return b


@scalar
def f_eq(a, b):
    return a == b


@scalar
def f_ne(a, b):
    return a != b


@scalar
def f_lt(a, b):
    return a < b


@scalar
def f_le(a, b):
    return a <= b


@scalar
def f_gt(a, b):
    return a > b


@scalar
def f_ge(a, b):
    return a >= b


@scalar
def f_logical_and(a, b):
    return (a != 0) and (b != 0)


@scalar
def f_logical_or(a, b):
    return (a != 0) or (b != 0)


@scalar
def f_logical_xor(a, b):
    return (a != 0) != (b != 0)


@scalar
def f_bitwise_and(a, b):
    return a & b


@scalar
def f_bitwise_or(a, b):
    return a | b


@scalar
def f_bitwise_xor(a, b):
    return a ^ b


UNARY = {name[2:]: fn for name, fn in list(globals().items())
         if name.startswith("f_") and fn.__code__.co_argcount == 1}
BINARY = {name[2:]: fn for name, fn in list(globals().items())
          if name.startswith("f_") and fn.__code__.co_argcount == 2}


# --- kernel families ----------------------------------------------------------------

@lru_cache(maxsize=None)
def unary_kernels(name):
    fn = UNARY[name]

    @_jit()
    def contig(x, out):
        for i in range(out.shape[0]):
            out[i] = fn(x[i])

    @_jit(parallel=True)
    def contig_par(x, out):
        n = out.shape[0]
        for c in nb.prange((n + CHUNK - 1) // CHUNK):
            lo = c * CHUNK
            hi = min(lo + CHUNK, n)
            xs = x[lo:hi]
            os_ = out[lo:hi]
            for i in range(hi - lo):
                os_[i] = fn(xs[i])

    @_jit()
    def strided(x, xo, xs, out, oo, os_, shape):
        nd = shape.shape[0]
        last = nd - 1
        n = np.uint64(shape[last])
        sx = np.uint64(xs[last])
        so = np.uint64(os_[last])
        outer = 1
        for d in range(last):
            outer *= shape[d]
        idx = np.zeros(nd, np.int64)
        px = np.uint64(xo)
        po = np.uint64(oo)
        for _ in range(outer):
            for i in range(n):
                out[po + i * so] = fn(x[px + i * sx])
            d = last - 1
            while d >= 0:
                idx[d] += 1
                px += np.uint64(xs[d])
                po += np.uint64(os_[d])
                if idx[d] < shape[d]:
                    break
                px -= np.uint64(xs[d] * shape[d])
                po -= np.uint64(os_[d] * shape[d])
                idx[d] = 0
                d -= 1

    @_jit(parallel=True)
    def strided_par(x, xo, xs, out, oo, os_, shape):
        nd = shape.shape[0]
        last = nd - 1
        n = np.uint64(shape[last])
        sx = np.uint64(xs[last])
        so = np.uint64(os_[last])
        outer = 1
        for d in range(last):
            outer *= shape[d]
        for r in nb.prange(outer):
            px = _row_start(r, shape, xs, xo)
            po = _row_start(r, shape, os_, oo)
            for i in range(n):
                out[po + i * so] = fn(x[px + i * sx])

    @_jit(parallel=True)
    def tiled_par(x, xo, xs, out, oo, os_, shape):
        nd = shape.shape[0]
        xr = np.uint64(xs[nd - 2])
        xc = np.uint64(xs[nd - 1])
        orr = np.uint64(os_[nd - 2])
        oc = np.uint64(os_[nd - 1])
        for t in nb.prange(_tile_count(shape)):
            px, nr, nc = _tile_origin(shape, xs, t)
            po, _, _ = _tile_origin(shape, os_, t)
            bx = np.uint64(xo + px)
            bo = np.uint64(oo + po)
            for r in range(np.uint64(nr)):
                rx = bx + r * xr
                ro = bo + r * orr
                for c in range(np.uint64(nc)):
                    out[ro + c * oc] = fn(x[rx + c * xc])

    return _Family(contig, contig_par, strided, strided_par, tiled_par)


def contiguous_entry(family, parallel, dtypes):
    """The compiled entry point of family.contig (or contig_par) for writable, aligned
    1-D C-contiguous arrays of ``dtypes``, one per argument: calling it skips Numba's
    type dispatch, and with it every check, so pass only 1-D C-contiguous arrays of
    those dtypes. Read-only inputs are fine (the flag only restricts what compiles), and
    so are misaligned ones (``from_numpy`` of an offset buffer): the code assumes only
    the element alignment, and x86-64 and arm64 loads do not trap on less."""
    kernel = family.contig_par if parallel else family.contig
    sig = tuple(nb.types.Array(nb.from_dtype(np.dtype(d)), 1, "C") for d in dtypes)
    return kernel.compile(sig)  # compiles, or loads the disk cache


@lru_cache(maxsize=None)
def binary_kernels(name):
    fn = BINARY[name]

    @_jit()
    def contig(a, b, out):
        for i in range(out.shape[0]):
            out[i] = fn(a[i], b[i])

    @_jit(parallel=True)
    def contig_par(a, b, out):
        n = out.shape[0]
        for c in nb.prange((n + CHUNK - 1) // CHUNK):
            lo = c * CHUNK
            hi = min(lo + CHUNK, n)
            as_ = a[lo:hi]
            bs = b[lo:hi]
            os_ = out[lo:hi]
            for i in range(hi - lo):
                os_[i] = fn(as_[i], bs[i])

    @_jit()
    def strided(a, ao, as_, b, bo, bs, out, oo, os_, shape):
        nd = shape.shape[0]
        last = nd - 1
        n = np.uint64(shape[last])
        sa = np.uint64(as_[last])
        sb = np.uint64(bs[last])
        so = np.uint64(os_[last])
        outer = 1
        for d in range(last):
            outer *= shape[d]
        idx = np.zeros(nd, np.int64)
        pa = np.uint64(ao)
        pb = np.uint64(bo)
        po = np.uint64(oo)
        for _ in range(outer):
            for i in range(n):
                out[po + i * so] = fn(a[pa + i * sa], b[pb + i * sb])
            d = last - 1
            while d >= 0:
                idx[d] += 1
                pa += np.uint64(as_[d])
                pb += np.uint64(bs[d])
                po += np.uint64(os_[d])
                if idx[d] < shape[d]:
                    break
                pa -= np.uint64(as_[d] * shape[d])
                pb -= np.uint64(bs[d] * shape[d])
                po -= np.uint64(os_[d] * shape[d])
                idx[d] = 0
                d -= 1

    @_jit(parallel=True)
    def strided_par(a, ao, as_, b, bo, bs, out, oo, os_, shape):
        nd = shape.shape[0]
        last = nd - 1
        n = np.uint64(shape[last])
        sa = np.uint64(as_[last])
        sb = np.uint64(bs[last])
        so = np.uint64(os_[last])
        outer = 1
        for d in range(last):
            outer *= shape[d]
        for r in nb.prange(outer):
            pa = _row_start(r, shape, as_, ao)
            pb = _row_start(r, shape, bs, bo)
            po = _row_start(r, shape, os_, oo)
            for i in range(n):
                out[po + i * so] = fn(a[pa + i * sa], b[pb + i * sb])

    @_jit(parallel=True)
    def tiled_par(a, ao, as_, b, bo, bs, out, oo, os_, shape):
        nd = shape.shape[0]
        ar = np.uint64(as_[nd - 2])
        ac = np.uint64(as_[nd - 1])
        br = np.uint64(bs[nd - 2])
        bc = np.uint64(bs[nd - 1])
        orr = np.uint64(os_[nd - 2])
        oc = np.uint64(os_[nd - 1])
        for t in nb.prange(_tile_count(shape)):
            pa, nr, nc = _tile_origin(shape, as_, t)
            pb, _, _ = _tile_origin(shape, bs, t)
            po, _, _ = _tile_origin(shape, os_, t)
            ba = np.uint64(ao + pa)
            bb = np.uint64(bo + pb)
            bo_ = np.uint64(oo + po)
            for r in range(np.uint64(nr)):
                ra = ba + r * ar
                rb = bb + r * br
                ro = bo_ + r * orr
                for c in range(np.uint64(nc)):
                    out[ro + c * oc] = fn(a[ra + c * ac], b[rb + c * bc])

    # tensor-scalar forms: `s` is a number in the compute dtype
    @_jit()
    def scalar_right(a, s, out):
        for i in range(out.shape[0]):
            out[i] = fn(a[i], s)

    @_jit(parallel=True)
    def scalar_right_par(a, s, out):
        n = out.shape[0]
        for c in nb.prange((n + CHUNK - 1) // CHUNK):
            lo = c * CHUNK
            hi = min(lo + CHUNK, n)
            as_ = a[lo:hi]
            os_ = out[lo:hi]
            for i in range(hi - lo):
                os_[i] = fn(as_[i], s)

    @_jit()
    def scalar_left(s, a, out):
        for i in range(out.shape[0]):
            out[i] = fn(s, a[i])

    @_jit(parallel=True)
    def scalar_left_par(s, a, out):
        n = out.shape[0]
        for c in nb.prange((n + CHUNK - 1) // CHUNK):
            lo = c * CHUNK
            hi = min(lo + CHUNK, n)
            as_ = a[lo:hi]
            os_ = out[lo:hi]
            for i in range(hi - lo):
                os_[i] = fn(s, as_[i])

    fam = _Family(contig, contig_par, strided, strided_par, tiled_par)
    fam.scalar = (scalar_right, scalar_right_par, scalar_left, scalar_left_par)
    return fam


@lru_cache(maxsize=None)
def where_kernels():
    @_jit()
    def contig(c, a, b, out):
        for i in range(out.shape[0]):
            out[i] = a[i] if c[i] else b[i]

    @_jit(parallel=True)
    def contig_par(c, a, b, out):
        n = out.shape[0]
        for k in nb.prange((n + CHUNK - 1) // CHUNK):
            lo = k * CHUNK
            hi = min(lo + CHUNK, n)
            cs = c[lo:hi]
            as_ = a[lo:hi]
            bs = b[lo:hi]
            os_ = out[lo:hi]
            for i in range(hi - lo):
                os_[i] = as_[i] if cs[i] else bs[i]

    @_jit()
    def strided(c, co, cs, a, ao, as_, b, bo, bs, out, oo, os_, shape):
        nd = shape.shape[0]
        last = nd - 1
        n = np.uint64(shape[last])
        sc = np.uint64(cs[last])
        sa = np.uint64(as_[last])
        sb = np.uint64(bs[last])
        so = np.uint64(os_[last])
        outer = 1
        for d in range(last):
            outer *= shape[d]
        idx = np.zeros(nd, np.int64)
        pc = np.uint64(co)
        pa = np.uint64(ao)
        pb = np.uint64(bo)
        po = np.uint64(oo)
        for _ in range(outer):
            for i in range(n):
                out[po + i * so] = a[pa + i * sa] if c[pc + i * sc] else b[pb + i * sb]
            d = last - 1
            while d >= 0:
                idx[d] += 1
                pc += np.uint64(cs[d])
                pa += np.uint64(as_[d])
                pb += np.uint64(bs[d])
                po += np.uint64(os_[d])
                if idx[d] < shape[d]:
                    break
                pc -= np.uint64(cs[d] * shape[d])
                pa -= np.uint64(as_[d] * shape[d])
                pb -= np.uint64(bs[d] * shape[d])
                po -= np.uint64(os_[d] * shape[d])
                idx[d] = 0
                d -= 1

    return contig, contig_par, strided


class _Family:
    """One op's layout variants. Tiling only pays on large tensors, so it is parallel only."""
    __slots__ = ("contig", "contig_par", "strided", "strided_par", "tiled_par", "scalar")

    def __init__(self, contig, contig_par, strided, strided_par, tiled_par):
        self.contig = contig
        self.contig_par = contig_par
        self.strided = strided
        self.strided_par = strided_par
        self.tiled_par = tiled_par
        self.scalar = None


@register_jitable
def _row_start(r, shape, strides, offset):
    """Storage position of row r (an index over all dims but the last) of one operand."""
    pos = offset
    for d in range(shape.shape[0] - 2, -1, -1):
        pos += (r % shape[d]) * strides[d]
        r //= shape[d]
    return np.uint64(pos)


# --- tiled traversal ---------------------------------------------------------------
# The caller orders dims so that the output is fastest along the last dim and the
# transposed input along the one before it; tiles are TILE_ROWS x TILE_COLS over those two dims.
# Tiles are numbered over (outer dims, tile row, tile col) so workers can take any tile.

@register_jitable
def _tile_count(shape):
    nd = shape.shape[0]
    rows = (shape[nd - 2] + TILE_ROWS - 1) // TILE_ROWS
    cols = (shape[nd - 1] + TILE_COLS - 1) // TILE_COLS
    outer = 1
    for d in range(nd - 2):
        outer *= shape[d]
    return outer * rows * cols


@register_jitable
def _tile_origin(shape, strides, t):
    """Storage position of tile t's (0, 0) element for one operand, and its extent."""
    nd = shape.shape[0]
    rows = (shape[nd - 2] + TILE_ROWS - 1) // TILE_ROWS
    cols = (shape[nd - 1] + TILE_COLS - 1) // TILE_COLS
    tc = t % cols
    tr = (t // cols) % rows
    rem = t // (cols * rows)
    pos = 0
    for d in range(nd - 3, -1, -1):
        k = rem % shape[d]
        rem //= shape[d]
        pos += k * strides[d]
    r0 = tr * TILE_ROWS
    c0 = tc * TILE_COLS
    pos += r0 * strides[nd - 2] + c0 * strides[nd - 1]
    return pos, min(TILE_ROWS, shape[nd - 2] - r0), min(TILE_COLS, shape[nd - 1] - c0)
