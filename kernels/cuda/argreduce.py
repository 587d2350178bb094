"""Max/min with their indices along one dimension (max(dim), argmax, ...).

Same (outer, rows, inner) problem, meta layout, splits and launch shapes as `reduce`
(`count` is unused): values and indices go to o*oo + s*os + i*oi of their own buffers.
Ties go to the first index and nan beats every number (the first nan wins), like torch.
`xi` is the index of each x element along the reduced dim: an int64 scalar for the first
pass (the index is then the row number), the partial indices for the pass that combines
split chunks.

- `rows`     args: (values, indices, x, xi, meta)   grid/block: as reduce.rows
- `columns`  args: (values, indices, x, xi, meta)   grid/block: as reduce.columns
"""
import numpy as np
from numba import types
from numba.np.numpy_support import from_dtype

from .compiler import Kernel, cuda, device
from .geometry import COLUMN_GROUPS, REDUCE_THREADS, TILE
from .intrinsics import is_pointer, load, store
from .reduce import chunk_of_block

NAMES = ("max", "min")
_NONE = np.iinfo(np.int64).max  # index of "no element yet": loses every tie
_META = types.CPointer(types.int64)
_INDEX = types.CPointer(types.int64)


def _better(name):
    """better(v1, i1, v2, i2): does (v1, i1) beat (v2, i2)?"""
    if name == "max":
        def beats(v1, v2):
            return v1 > v2
    elif name == "min":
        def beats(v1, v2):
            return v1 < v2
    else:
        raise ValueError(f"unknown arg reduction {name}")
    beats = device(beats)

    def better(v1, i1, v2, i2):
        if v1 != v1:
            return v2 == v2 or i1 < i2
        if v2 != v2:
            return False
        return beats(v1, v2) or (v1 == v2 and i1 < i2)
    return device(better)


def _init(name, dtype):
    kind = dtype.kind
    if kind == "f":
        return dtype.type(-np.inf if name == "max" else np.inf)
    if kind == "b":
        return np.bool_(name == "min")
    info = np.iinfo(dtype)
    return dtype.type(info.min if name == "max" else info.max)


def _types(dtype):
    t = from_dtype(dtype)
    return (types.CPointer(t), _INDEX, types.CPointer(t), types.int64, _META), t


def rows(name, dtype, index_pointer=False):
    """`index_pointer`: xi is a pointer (the combining pass) rather than a scalar."""
    dtype = np.dtype(dtype)
    better, init, threads = _better(name), _init(name, dtype), REDUCE_THREADS
    argtypes, tv = _types(dtype)
    if index_pointer:
        argtypes = argtypes[:3] + (_INDEX,) + argtypes[4:]

    def kernel(values, indices, x, xi, meta):
        shv = cuda.shared.array(threads, tv)
        shi = cuda.shared.array(threads, types.int64)
        n_outer, n_rows, xo, xr = meta[0], meta[1], meta[3], meta[4]
        oo, os_, chunk = meta[6], meta[7], meta[9]
        t, s, start, end = chunk_of_block(n_rows, chunk)
        o = cuda.blockIdx.y
        while o < n_outer:
            bv, bi = init, _NONE
            for r in range(start + t, end, threads):
                off = o * xo + r * xr
                v = load(x, off)
                k = load(xi, off) if is_pointer(xi) else r
                if better(v, k, bv, bi):
                    bv, bi = v, k
            shv[t] = bv
            shi[t] = bi
            cuda.syncthreads()
            width = threads // 2
            while width > 0:
                if t < width and better(shv[t + width], shi[t + width], shv[t], shi[t]):
                    shv[t] = shv[t + width]
                    shi[t] = shi[t + width]
                cuda.syncthreads()
                width //= 2
            if t == 0:
                store(values, o * oo + s * os_, shv[0])
                store(indices, o * oo + s * os_, shi[0])
            cuda.syncthreads()
            o += cuda.gridDim.y

    mode = "p" if index_pointer else "s"
    return Kernel(f"argreduce.rows.{name}.{dtype}.{mode}.t{threads}", kernel, argtypes, threads)


def columns(name, dtype, index_pointer=False):
    dtype = np.dtype(dtype)
    better, init = _better(name), _init(name, dtype)
    tile, groups = TILE, COLUMN_GROUPS
    argtypes, tv = _types(dtype)
    if index_pointer:
        argtypes = argtypes[:3] + (_INDEX,) + argtypes[4:]

    def kernel(values, indices, x, xi, meta):
        shv = cuda.shared.array((groups, tile), tv)
        shi = cuda.shared.array((groups, tile), types.int64)
        n_outer, n_rows, n_inner = meta[0], meta[1], meta[2]
        xo, xr, xs, oo, os_, oi = meta[3], meta[4], meta[5], meta[6], meta[7], meta[8]
        chunk = meta[9]
        c, g = cuda.threadIdx.x, cuda.threadIdx.y
        i = cuda.blockIdx.x * tile + c
        s = cuda.blockIdx.y
        start = s * chunk
        end = min(start + chunk, n_rows)
        o = cuda.blockIdx.z
        while o < n_outer:
            bv, bi = init, _NONE
            if i < n_inner:
                for r in range(start + g, end, groups):
                    off = o * xo + r * xr + i * xs
                    v = load(x, off)
                    k = load(xi, off) if is_pointer(xi) else r
                    if better(v, k, bv, bi):
                        bv, bi = v, k
            shv[g, c] = bv
            shi[g, c] = bi
            cuda.syncthreads()
            if g == 0 and i < n_inner:
                for m in range(1, groups):
                    if better(shv[m, c], shi[m, c], bv, bi):
                        bv, bi = shv[m, c], shi[m, c]
                store(values, o * oo + s * os_ + i * oi, bv)
                store(indices, o * oo + s * os_ + i * oi, bi)
            cuda.syncthreads()
            o += cuda.gridDim.z

    mode = "p" if index_pointer else "s"
    return Kernel(f"argreduce.cols.{name}.{dtype}.{mode}.{tile}x{groups}", kernel, argtypes,
                  tile * groups)
