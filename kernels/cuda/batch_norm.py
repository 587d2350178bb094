"""The passes of batch, instance and group norm on the GPU, over x seen as (A, R, B)
C-contiguous (the moments view; kernels/cpu/batch_norm.py describes the scheme): sums of
the deviations from each row's first element and of their squares, in float64, by many
blocks per row, then each row's mean and biased variance from those partial sums; and
x * scale + shift with one (scale, shift) per plane of S elements.

- `moments`  args: (partials, x, A, R, B, parts, flat): block (r, p) sums rows a = p,
             p + parts, ... of x[:, r, :] (flat: its elements k = p * REDUCE_THREADS + t,
             stepping parts * REDUCE_THREADS, for rows shorter than a block) into
             partials[(r * parts + p) * 2 + {0, 1}] (float64).
             grid: (min(R, GRID_X), parts)   block: REDUCE_THREADS
- `finish`   args: (mean, var, partials, x, R, B, parts, count): mean[r], var[r] from
             row r's parts; count = A * B > 0.
             grid: blocks(R, THREADS)   block: THREADS
- `planes`   args: (out, x, scale, shift, C, S, planes, per_sample, flat): out = x *
             scale[j] + shift[j] over each plane q of S elements, j = q (per_sample) or
             q % C; flat (planes shorter than a block): one range over all planes * S.
             grid: (blocks(S, THREADS), min(planes, GRID_YZ)), flat (blocks(planes * S,
             THREADS),)   block: THREADS
"""
import numpy as np
from numba import types
from numba.np.numpy_support import from_dtype

from .compiler import Kernel, cuda
from .geometry import REDUCE_THREADS, THREADS

DTYPES = (np.dtype("float32"), np.dtype("float64"))
_F, _I = types.float64, types.int64
_PARTIAL = types.CPointer(_F)


def _pointer(dtype):
    dtype = np.dtype(dtype)
    if dtype not in DTYPES:
        raise TypeError(f"batch norm needs a floating input, got {dtype}")
    return types.CPointer(from_dtype(dtype))


def moments(dtype):
    x_t, threads = _pointer(dtype), REDUCE_THREADS
    zero = np.float64(0)

    def kernel(partials, x, A, R, B, parts, flat):
        sums = cuda.shared.array(threads, _F)
        squares = cuda.shared.array(threads, _F)
        t = cuda.threadIdx.x
        p = cuda.blockIdx.y
        r = cuda.blockIdx.x
        while r < R:
            shift = _F(x[r * B])
            acc = zero
            acc2 = zero
            if flat:  # rows of B < threads elements: the A * B elements as one range
                k = p * threads + t
                while k < A * B:
                    a = k // B
                    d = _F(x[(a * R + r) * B + k - a * B]) - shift
                    acc += d
                    acc2 += d * d
                    k += parts * threads
            else:
                a = p
                while a < A:
                    base = (a * R + r) * B
                    k = t
                    while k < B:
                        d = _F(x[base + k]) - shift
                        acc += d
                        acc2 += d * d
                        k += threads
                    a += parts
            sums[t] = acc
            squares[t] = acc2
            cuda.syncthreads()
            step = threads // 2
            while step > 0:
                if t < step:
                    sums[t] += sums[t + step]
                    squares[t] += squares[t + step]
                cuda.syncthreads()
                step //= 2
            if t == 0:
                partials[(r * parts + p) * 2] = sums[0]
                partials[(r * parts + p) * 2 + 1] = squares[0]
            cuda.syncthreads()  # the next row reuses the shared arrays
            r += cuda.gridDim.x

    return Kernel(f"batch_norm.moments.{np.dtype(dtype)}.t{threads}", kernel,
                  (_PARTIAL, x_t, _I, _I, _I, _I, _I), threads)


def finish(dtype):
    x_t, threads = _pointer(dtype), THREADS
    zero = np.float64(0)

    def kernel(mean, var, partials, x, R, B, parts, count):
        r = cuda.blockIdx.x * threads + cuda.threadIdx.x
        while r < R:
            total = zero
            total2 = zero
            for p in range(parts):
                total += partials[(r * parts + p) * 2]
                total2 += partials[(r * parts + p) * 2 + 1]
            m = total / count
            v = total2 / count - m * m
            if v < zero:  # (rounding; a nan stays)
                v = zero
            mean[r] = _F(x[r * B]) + m
            var[r] = v
            r += cuda.gridDim.x * threads

    return Kernel(f"batch_norm.finish.{np.dtype(dtype)}.t{threads}", kernel,
                  (x_t, x_t, _PARTIAL, x_t, _I, _I, _I, _I), threads)


def planes(dtype):
    x_t, threads = _pointer(dtype), THREADS

    def kernel(out, x, scale, shift, C, S, planes, per_sample, flat):
        if flat:  # planes of S < threads elements: one range over all of them
            i = cuda.blockIdx.x * threads + cuda.threadIdx.x
            while i < planes * S:
                q = i // S
                j = q if per_sample else q % C
                out[i] = x[i] * scale[j] + shift[j]
                i += cuda.gridDim.x * threads
            return
        q = cuda.blockIdx.y
        while q < planes:
            j = q if per_sample else q % C
            a = scale[j]
            b = shift[j]
            base = q * S
            k = cuda.blockIdx.x * threads + cuda.threadIdx.x
            while k < S:
                out[base + k] = x[base + k] * a + b
                k += cuda.gridDim.x * threads
            q += cuda.gridDim.y

    return Kernel(f"batch_norm.planes.{np.dtype(dtype)}.t{threads}", kernel,
                  (x_t, x_t, x_t, x_t, _I, _I, _I, _I, _I), threads)
