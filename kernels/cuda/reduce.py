"""Reductions over one (collapsed) dimension of a (outer, rows, inner) problem.

x[o, r, i] sits at o*xo + r*xr + i*xi; the result for (o, i) goes to o*oo + i*oi. To keep
every SM busy, the R rows may be cut into `splits` chunks of `chunk` rows: pass one
writes a partial result per chunk at o*oo + s*os + i*oi (into a scratch buffer of the
accumulator dtype), and a second launch reduces those partials the same way.

meta (int64 device array) = [O, R, I, xo, xr, xi, oo, os, oi, chunk, count];
count > 0 means "final pass of a mean: divide by count".

- `rows` (I == 1: sum(1), full sums): a block reduces one chunk of one row, in a
  shared-memory tree.
      args: (out, x, meta)   grid: (splits, min(O, GRID_YZ))   block: REDUCE_THREADS
- `columns` (I > 1: sum(0)): a block takes TILE neighbouring columns (coalesced reads)
  with COLUMN_GROUPS threads per column striding down the chunk, then combines them.
      args: (out, x, meta)   grid: (ceil(I / TILE), splits, min(O, GRID_YZ))
      block: (TILE, COLUMN_GROUPS)
"""
import numpy as np
from numba import types
from numba.np.numpy_support import from_dtype

from .compiler import SIMULATOR, Kernel, cuda, device
from .geometry import COLUMN_GROUPS, GRID_YZ, REDUCE_THREADS, TILE, UNROLL
from .intrinsics import load, store, vload

NAMES = ("sum", "mean", "prod", "amax", "amin", "all", "any")
_META = types.CPointer(types.int64)
# aim for this many blocks in flight before splitting rows no further
_TARGET_BLOCKS = 4 if SIMULATOR else 2048
_MIN_CHUNK = 4 if SIMULATOR else 256


def splits(rows, blocks):
    """How many chunks to cut `rows` into when `blocks` blocks run without splitting."""
    want = -(-_TARGET_BLOCKS // max(blocks, 1))
    return max(1, min(want, rows // _MIN_CHUNK))


def _combiners(name, acc_dtype):
    """(init, combine(acc, x), finalize(acc, count)) as device functions."""
    acc = np.dtype(acc_dtype)
    cast = from_dtype(acc)
    kind = acc.kind
    if name in ("sum", "mean"):
        init = acc.type(0)

        def combine(a, x):
            return cast(a + x)
    elif name == "prod":
        init = acc.type(1)

        def combine(a, x):
            return cast(a * x)
    elif name in ("amax", "amin"):
        if kind == "f":
            init = acc.type(-np.inf if name == "amax" else np.inf)
        elif kind == "b":
            init = np.bool_(name == "amin")
        else:
            info = np.iinfo(acc)
            init = acc.type(info.min if name == "amax" else info.max)
        if name == "amax":
            def combine(a, x):  # nan wins, and stays
                return cast(x) if (x != x or x > a) else a
        else:
            def combine(a, x):
                return cast(x) if (x != x or x < a) else a
    elif name == "all":
        init = np.True_

        def combine(a, x):
            return a and x != 0
    elif name == "any":
        init = np.False_

        def combine(a, x):
            return a or x != 0
    else:
        raise ValueError(f"unknown reduction {name}")

    if name == "mean":
        def finalize(a, count):
            return a / cast(count) if count > 0 else a
    else:
        def finalize(a, count):
            return a
    return init, device(combine), device(finalize)


@device
def chunk_of_block(n_rows, chunk):
    """(thread, chunk index, first row, end row) of this block of a rows kernel: the
    chunk is blockIdx.x's."""
    s = cuda.blockIdx.x
    start = s * chunk
    return cuda.threadIdx.x, s, start, min(start + chunk, n_rows)


def _tree(combine, threads):
    """tree(sh, t, acc): each thread's acc into sh[t], folded in a tree into sh[0]."""
    def tree(sh, t, acc):
        sh[t] = acc
        cuda.syncthreads()
        width = threads // 2
        while width > 0:
            if t < width:
                sh[t] = combine(sh[t], sh[t + width])
            cuda.syncthreads()
            width //= 2
    return device(tree)


def _check(name, dtype, acc_dtype):
    if np.dtype(acc_dtype).kind != "f" and name == "mean":
        raise TypeError(f"mean needs a floating accumulator, got {np.dtype(acc_dtype)}")
    return from_dtype(np.dtype(dtype)), from_dtype(np.dtype(acc_dtype))


def rows(name, dtype, acc_dtype, width=1):
    """The `rows` kernel; with width > 1 for contiguous rows (xr == 1) of an input whose
    base is aligned to width * itemsize (`vector_width` picks it): the body of each chunk
    then moves in `width`-element vectors, UNROLL per thread at once, and only the few
    elements before a row's first aligned one and after its last whole vector go one by
    one. Scalar loads left too few bytes in flight: sum(1) ran at 1766 GB/s on an H100
    (torch 2840)."""
    tx, tacc = _check(name, dtype, acc_dtype)
    init, combine, finalize = _combiners(name, acc_dtype)
    threads, span = REDUCE_THREADS, UNROLL * width
    if width > threads:  # a chunk's head and tail take one element per thread
        raise ValueError(f"vectors of {width} need blocks of at least {width} threads")
    tree = _tree(combine, threads)

    def kernel(out, x, meta):
        sh = cuda.shared.array(threads, tacc)
        n_outer, n_rows, xo, xr = meta[0], meta[1], meta[3], meta[4]
        oo, os_, chunk, count = meta[6], meta[7], meta[9], meta[10]
        t, s, start, end = chunk_of_block(n_rows, chunk)
        o = cuda.blockIdx.y
        while o < n_outer:
            acc = init
            for r in range(start + t, end, threads):
                acc = combine(acc, load(x, o * xo + r * xr))
            tree(sh, t, acc)
            if t == 0:
                store(out, o * oo + s * os_, finalize(sh[0], count))
            cuda.syncthreads()  # sh is reused for the next row
            o += cuda.gridDim.y

    def vector_kernel(out, x, meta):
        sh = cuda.shared.array(threads, tacc)
        v = cuda.local.array(span, tx)
        n_outer, n_rows, xo = meta[0], meta[1], meta[3]
        oo, os_, chunk, count = meta[6], meta[7], meta[9], meta[10]
        t, s, start, end = chunk_of_block(n_rows, chunk)
        o = cuda.blockIdx.y
        while o < n_outer:
            row = o * xo
            first = min(start + (width - (row + start) % width) % width, end)
            n_vec = (end - first) // width
            tail = first + n_vec * width
            acc = init
            if t < first - start:  # before the first aligned element
                acc = combine(acc, load(x, row + start + t))
            if t < end - tail:  # after the last whole vector
                acc = combine(acc, load(x, row + tail + t))
            base = row + first
            k = t
            while k + (UNROLL - 1) * threads < n_vec:
                for u in range(UNROLL):  # every load first: they are in flight together
                    vload(v, u * width, x, base + (k + u * threads) * width, width)
                for e in range(span):
                    acc = combine(acc, v[e])
                k += UNROLL * threads
            while k < n_vec:
                vload(v, 0, x, base + k * width, width)
                for e in range(width):
                    acc = combine(acc, v[e])
                k += threads
            tree(sh, t, acc)
            if t == 0:
                store(out, o * oo + s * os_, finalize(sh[0], count))
            cuda.syncthreads()
            o += cuda.gridDim.y

    label = f"reduce.rows.{name}.{np.dtype(dtype)}.{np.dtype(acc_dtype)}.t{threads}"
    if width > 1:
        label += f".w{width}x{UNROLL}"
    return Kernel(label, vector_kernel if width > 1 else kernel,
                  (types.CPointer(tacc), types.CPointer(tx), _META), threads)


def columns(name, dtype, acc_dtype):
    tx, tacc = _check(name, dtype, acc_dtype)
    init, combine, finalize = _combiners(name, acc_dtype)
    tile, groups = TILE, COLUMN_GROUPS

    def kernel(out, x, meta):
        sh = cuda.shared.array((groups, tile), tacc)
        v = cuda.local.array(UNROLL, tx)
        n_outer, n_rows, n_inner = meta[0], meta[1], meta[2]
        xo, xr, xi, oo, os_, oi = meta[3], meta[4], meta[5], meta[6], meta[7], meta[8]
        chunk, count = meta[9], meta[10]
        c, g = cuda.threadIdx.x, cuda.threadIdx.y
        i = cuda.blockIdx.x * tile + c
        s = cuda.blockIdx.y
        start = s * chunk
        end = min(start + chunk, n_rows)
        o = cuda.blockIdx.z
        while o < n_outer:
            acc = init
            if i < n_inner:
                col = o * xo + i * xi
                r = start + g
                while r + (UNROLL - 1) * groups < end:
                    # UNROLL rows' loads in flight at once: one at a time left sum(0)
                    # at 2505 GB/s on an H100 (torch 2731)
                    for u in range(UNROLL):
                        v[u] = load(x, col + (r + u * groups) * xr)
                    for u in range(UNROLL):
                        acc = combine(acc, v[u])
                    r += UNROLL * groups
                while r < end:
                    acc = combine(acc, load(x, col + r * xr))
                    r += groups
            sh[g, c] = acc
            cuda.syncthreads()
            if g == 0 and i < n_inner:
                for k in range(1, groups):
                    acc = combine(acc, sh[k, c])
                store(out, o * oo + s * os_ + i * oi, finalize(acc, count))
            cuda.syncthreads()
            o += cuda.gridDim.z

    return Kernel(f"reduce.cols.{name}.{np.dtype(dtype)}.{np.dtype(acc_dtype)}.{tile}x{groups}"
                  f"x{UNROLL}",
                  kernel, (types.CPointer(tacc), types.CPointer(tx), _META), tile * groups)


def rows_grid(n_outer, n_splits):
    return (n_splits, min(n_outer, GRID_YZ))


def columns_grid(n_outer, n_inner, n_splits):
    return (-(-n_inner // TILE), n_splits, min(n_outer, GRID_YZ))
