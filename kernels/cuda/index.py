"""Gather and scatter through int64 storage offsets (advanced indexing).

`offsets[k]` is an element offset from the start of x's storage; out, offsets and values
are dense. `values` may be a scalar (index_put_ of a number).

- `take`:    out[k] = x[offsets[k]]             args: (out, x, offsets, n)
- `put`:     x[offsets[k]] = values[k]          args: (x, offsets, values, n)
             with repeated offsets one write wins, unspecified which (as in torch).
- `put_add`: x[offsets[k]] += values[k], atomically, so repeats accumulate.
             args: (x, offsets, values, n, size), size = x's storage length.
             Atomic adds exist for ACCUMULATE_DTYPES; narrower ints go through int32.
- `put_reduce`: x[offsets[k]] = op(x[offsets[k]], values[k]) for op "prod", "amax" or
             "amin", by a compare-and-swap loop on the element's bits (CUDA has no
             atomic multiply, and its atomic max and min skip nan where torch's keep it).
             args: as put_add. For ACCUMULATE_DTYPES; narrower ints go through int32.
All launch blocks(n, THREADS) blocks of THREADS threads.
"""
import numpy as np
from numba import types
from numba.np.numpy_support import from_dtype

from .compiler import Kernel, cuda, device
from .geometry import THREADS
from .intrinsics import as_array, bitcast, load, store

ACCUMULATE_DTYPES = tuple(np.dtype(d) for d in ("int32", "int64", "float32", "float64"))
_OFFSETS = types.CPointer(types.int64)


def _value_type(t, pointer):
    return types.CPointer(t) if pointer else t


def take(dtype):
    t = from_dtype(np.dtype(dtype))
    threads = THREADS

    def kernel(out, x, offsets, n):
        k = cuda.blockIdx.x * threads + cuda.threadIdx.x
        while k < n:
            store(out, k, load(x, offsets[k]))
            k += cuda.gridDim.x * threads

    return Kernel(f"index.take.{np.dtype(dtype)}.t{threads}", kernel,
                  (types.CPointer(t), types.CPointer(t), _OFFSETS, types.int64), threads)


def put(dtype, values_pointer=True):
    t = from_dtype(np.dtype(dtype))
    threads = THREADS

    def kernel(x, offsets, values, n):
        k = cuda.blockIdx.x * threads + cuda.threadIdx.x
        while k < n:
            store(x, offsets[k], load(values, k))
            k += cuda.gridDim.x * threads

    mode = "p" if values_pointer else "s"
    return Kernel(f"index.put.{np.dtype(dtype)}.{mode}.t{threads}", kernel,
                  (types.CPointer(t), _OFFSETS, _value_type(t, values_pointer), types.int64),
                  threads)


def put_add(dtype, values_pointer=True):
    dtype = np.dtype(dtype)
    if dtype not in ACCUMULATE_DTYPES:
        raise TypeError(f"no atomic add for {dtype}; accumulate in int32 and cast back")
    t = from_dtype(dtype)
    threads = THREADS

    def kernel(x, offsets, values, n, size):
        target = as_array(x, size)
        k = cuda.blockIdx.x * threads + cuda.threadIdx.x
        while k < n:
            cuda.atomic.add(target, offsets[k], load(values, k))
            k += cuda.gridDim.x * threads

    mode = "p" if values_pointer else "s"
    return Kernel(f"index.put_add.{dtype}.{mode}.t{threads}", kernel,
                  (types.CPointer(t), _OFFSETS, _value_type(t, values_pointer), types.int64,
                   types.int64), threads)


def _combine(op):
    if op == "prod":
        def combine(a, b):
            return a * b
    elif op == "amax":
        def combine(a, b):
            return b if b > a or b != b else a
    elif op == "amin":
        def combine(a, b):
            return b if b < a or b != b else a
    else:
        raise ValueError(f"unknown scatter reduction {op}")
    return device(combine)


def put_reduce(dtype, op, values_pointer=True):
    dtype = np.dtype(dtype)
    if dtype not in ACCUMULATE_DTYPES:
        raise TypeError(f"no compare-and-swap for {dtype}; reduce in int32 and cast back")
    t = from_dtype(dtype)
    bits = from_dtype(np.dtype(f"int{dtype.itemsize * 8}"))  # what the swap compares
    combine = _combine(op)
    cast = dtype.type  # back to the element's type: numba widens int32 * int32 to int64
    threads = THREADS

    def kernel(x, offsets, values, n, size):
        target = as_array(x, size)
        k = cuda.blockIdx.x * threads + cuda.threadIdx.x
        while k < n:
            o = offsets[k]
            v = load(values, k)
            old = target[o]
            while True:
                new = bitcast(cast(combine(bitcast(old, v), v)), old)
                seen = cuda.atomic.cas(target, o, old, new)
                if seen == old:
                    break
                old = seen
            k += cuda.gridDim.x * threads

    mode = "p" if values_pointer else "s"
    return Kernel(f"index.put_{op}.{dtype}.{mode}.t{threads}", kernel,
                  (types.CPointer(bits), _OFFSETS, _value_type(t, values_pointer), types.int64,
                   types.int64), threads)
