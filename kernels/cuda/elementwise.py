"""Elementwise kernels: out = op(a, b, c) in three layouts.

Operands a, b, c are pointers or scalars (`pointers` says which), so one factory serves
tensor-tensor, tensor-scalar, where, copy (a cast on store) and fill (copy of a scalar).
Pointers arrive already offset to the view's first element.

- `contiguous`: every pointer operand walks memory densely in the same order. A block
  takes tiles of THREADS * UNROLL * width elements (striding over the grid); in a full
  tile each thread moves UNROLL vectors of `width` elements per operand with no
  per-element bounds checks, and the one partial tile goes element by element.
  `width` > 1 needs every pointer aligned to width * itemsize (`vector_width` picks it).
      args: (out, a, b, c, n)        grid: contiguous_grid(n, width)   block: THREADS
- `strided`: any layout; collapsed sizes and strides come in `meta`, an int64 device
  array [sizes, out strides, a strides, b strides, c strides] of ndim entries each.
      args: (out, a, b, c, n, meta, ndim)   grid: blocks(n, THREADS)   block: THREADS
- `tiled`: a batch of 2-D problems whose operands disagree on the fastest dimension
  (a + b.T, b.T.contiguous()). Dim 1 is out's fastest; operands flagged in `transposed`
  have dim 0 fastest and are staged through TILE x (TILE + 1) shared tiles, so both their
  reads and out's writes coalesce. The sizes batch, n0, n1 and the (batch, dim 0, dim 1)
  strides of out, a, b and c follow the operands as 15 int64 parameters.
      args: (out, a, b, c, batch, n0, n1, *strides)   grid: tiled_grid(batch, n0, n1)
      block: (TILE, TILE_ROWS)
"""
import numpy as np
from numba import types
from numba.np.numpy_support import from_dtype

from . import ops
from .compiler import Kernel, cuda
from .geometry import (GRID_X, GRID_YZ, THREADS, TILE, TILE_ROWS, TILED_BLOCKS,
                       TILED_BLOCKS_HEAVY, TILED_BLOCKS_WIDE, UNROLL, VECTOR_BYTES)
from .intrinsics import load, store, vload, vstore

_INT64 = types.int64
_META = types.CPointer(types.int64)


def operand_dtypes(name, dtype):
    """Dtypes of (a, b, c) for op `name` computing in `dtype`; unused slots are int64."""
    if name == "where":
        return ("bool", dtype, dtype)
    n = ops.arity(name)
    return (dtype,) * n + ("int64",) * (3 - n)


def vector_width(itemsizes):
    """Elements per vector access when operands of these item sizes move together."""
    return VECTOR_BYTES // max(itemsizes)


def contiguous_grid(n, width):
    return (max(1, min(-(-n // (THREADS * UNROLL * width)), GRID_X)),)


def tiled_grid(batch, n0, n1):
    """n0 must fit the grid: ceil(n0 / TILE) <= MAX_GRID_YZ."""
    return (-(-n1 // TILE), -(-n0 // TILE), min(batch, GRID_YZ))


def _signature(name, dtype, out_dtype, pointers):
    """Numba types of (out, a, b, c) and the value types of a, b, c."""
    values = [from_dtype(np.dtype(d)) for d in operand_dtypes(name, dtype)]
    n = ops.arity(name)
    args = [types.CPointer(t) if p and i < n else t
            for i, (t, p) in enumerate(zip(values, pointers))]
    return [types.CPointer(from_dtype(np.dtype(out_dtype)))] + args, values


def _label(kind, name, dtype, out_dtype, argtypes):
    mask = "".join("p" if isinstance(t, types.CPointer) else "s" for t in argtypes[1:])
    return f"ew.{kind}.{name}.{np.dtype(dtype)}.{np.dtype(out_dtype)}.{mask}"


def contiguous(name, dtype, out_dtype, pointers, width):
    op = ops.get(name, dtype, out_dtype)
    argtypes, (ta, tb, tc) = _signature(name, dtype, out_dtype, pointers)
    tout = argtypes[0].dtype
    threads, span = THREADS, UNROLL * width
    tile = threads * span

    def kernel(out, a, b, c, n):
        va = cuda.local.array(span, ta)
        vb = cuda.local.array(span, tb)
        vc = cuda.local.array(span, tc)
        r = cuda.local.array(span, tout)
        t = cuda.threadIdx.x
        start = cuda.blockIdx.x * tile
        while start + tile <= n:
            # all loads first: out may alias an input, so the compiler could not hoist them
            for u in range(UNROLL):
                i = start + (u * threads + t) * width
                vload(va, u * width, a, i, width)
                vload(vb, u * width, b, i, width)
                vload(vc, u * width, c, i, width)
            for k in range(span):
                r[k] = op(va[k], vb[k], vc[k])
            for u in range(UNROLL):
                vstore(out, start + (u * threads + t) * width, r, u * width, width)
            start += cuda.gridDim.x * tile
        for i in range(start + t, min(start + tile, n), threads):  # the partial last tile
            store(out, i, op(load(a, i), load(b, i), load(c, i)))

    label = _label("contig", name, dtype, out_dtype, argtypes)
    return Kernel(f"{label}.w{width}.t{threads}x{UNROLL}", kernel, argtypes + [_INT64], threads)


def strided(name, dtype, out_dtype, pointers):
    op = ops.get(name, dtype, out_dtype)
    argtypes, _ = _signature(name, dtype, out_dtype, pointers)
    threads = THREADS

    def kernel(out, a, b, c, n, meta, ndim):
        i = cuda.blockIdx.x * threads + cuda.threadIdx.x
        step = cuda.gridDim.x * threads
        while i < n:
            # unravel i over the collapsed dims, innermost first; dim 0 takes the rest
            rem = i
            oo = 0
            oa = 0
            ob = 0
            oc = 0
            for d in range(ndim - 1, 0, -1):
                size = meta[d]
                q = rem // size
                k = rem - q * size
                rem = q
                oo += k * meta[ndim + d]
                oa += k * meta[2 * ndim + d]
                ob += k * meta[3 * ndim + d]
                oc += k * meta[4 * ndim + d]
            oo += rem * meta[ndim]
            oa += rem * meta[2 * ndim]
            ob += rem * meta[3 * ndim]
            oc += rem * meta[4 * ndim]
            store(out, oo, op(load(a, oa), load(b, ob), load(c, oc)))
            i += step

    label = _label("strided", name, dtype, out_dtype, argtypes)
    return Kernel(f"{label}.t{threads}", kernel, argtypes + [_INT64, _META, _INT64], threads)


def tiled(name, dtype, out_dtype, pointers, transposed):
    op = ops.get(name, dtype, out_dtype)
    argtypes, (ta, tb, tc) = _signature(name, dtype, out_dtype, pointers)
    # only pointers can be staged
    ta_t, tb_t, tc_t = (bool(f) and isinstance(t, types.CPointer)
                        for f, t in zip(transposed, argtypes[1:]))
    shape = (TILE, TILE + 1)  # the extra column keeps column reads free of bank conflicts
    tile, rows = TILE, TILE_ROWS
    steps = tile // rows

    # Sizes and strides come as parameters, which live in the constant bank: under the
    # launch bounds (tiled_blocks) ptxas reloads them from there instead of holding them
    # all in registers (read from a device array they took 72 registers for a + b.t(),
    # leaving room for 3 blocks of 256 threads an SM; now 32, and 8 blocks).
    def kernel(out, a, b, c, nb, n0, n1, oz, o0, o1, az, a0, a1, bz, b0, b1, cz, c0, c1):
        sa = cuda.shared.array(shape, ta)
        sb = cuda.shared.array(shape, tb)
        sc = cuda.shared.array(shape, tc)
        tx, ty = cuda.threadIdx.x, cuda.threadIdx.y
        # the direct operands' elements this thread combines, read before the barrier
        # with the staged ones, so both sets of loads are in flight at once (read after
        # it, a + b.t() ran at 0.90 of torch's time against b.t().contiguous()'s 0.43)
        va = cuda.local.array(steps, ta)
        vb = cuda.local.array(steps, tb)
        vc = cuda.local.array(steps, tc)
        r0 = cuda.blockIdx.y * tile
        q0 = cuda.blockIdx.x * tile
        z = cuda.blockIdx.z
        while z < nb:
            for j in range(steps):
                k = j * rows
                # staged (transposed) operands: consecutive threads walk their dim 0
                r = r0 + tx
                q = q0 + ty + k
                if r < n0 and q < n1:
                    if ta_t:
                        sa[ty + k, tx] = load(a, z * az + r * a0 + q * a1)
                    if tb_t:
                        sb[ty + k, tx] = load(b, z * bz + r * b0 + q * b1)
                    if tc_t:
                        sc[ty + k, tx] = load(c, z * cz + r * c0 + q * c1)
                # direct operands, at the element out gets below
                r = r0 + ty + k
                q = q0 + tx
                if r < n0 and q < n1:
                    if not ta_t:
                        va[j] = load(a, z * az + r * a0 + q * a1)
                    if not tb_t:
                        vb[j] = load(b, z * bz + r * b0 + q * b1)
                    if not tc_t:
                        vc[j] = load(c, z * cz + r * c0 + q * c1)
            cuda.syncthreads()
            q = q0 + tx
            for j in range(steps):
                k = j * rows
                r = r0 + ty + k
                if r < n0 and q < n1:
                    x = sa[tx, ty + k] if ta_t else va[j]
                    y = sb[tx, ty + k] if tb_t else vb[j]
                    w = sc[tx, ty + k] if tc_t else vc[j]
                    store(out, z * oz + r * o0 + q * o1, op(x, y, w))
            cuda.syncthreads()  # the next batch overwrites the tiles
            z += cuda.gridDim.z

    flags = "".join("t" if f else "d" for f in (ta_t, tb_t, tc_t))
    label = _label("tiled", name, dtype, out_dtype, argtypes)
    min_blocks = tiled_blocks(name, argtypes)
    return Kernel(f"{label}.{flags}.{tile}x{rows}.b{min_blocks}", kernel,
                  argtypes + [_INT64] * 15, tile * rows, min_blocks)


def tiled_blocks(name, argtypes):
    """Blocks of the tiled kernel (name, argtypes) whose registers an SM must fit (its
    launch bounds), or None. H100, 8192², ratio to torch's time, capped at 6 / 8 / none:
    fp32 transposed copy 0.54 / 0.47 / 0.47, fp32 a + b.t() 0.65 / 0.57 / 0.59, fp64 a +
    b.t() 0.77 / 0.74 (8 bytes spilled) / 0.73 (bench/results/tiled-sweep-*)."""
    if name in ops.HEAVY:
        return TILED_BLOCKS_HEAVY
    words = sum(-(-np.dtype(str(t.dtype)).itemsize // 4)
                for t in argtypes[1:] if isinstance(t, types.CPointer))
    return TILED_BLOCKS if words <= 2 else TILED_BLOCKS_WIDE
