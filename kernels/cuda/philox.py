"""uniform_ and normal_ from Philox-4x32-10 (Salmon et al., SC'11), a counter-based
generator: element k depends only on (seed, offset, k), so a draw is reproducible and
threads need no shared state.

Group g of PER consecutive elements (4 for float32, 2 for float64) takes the four 32-bit
words of philox(counter = offset + g, key = seed); the caller advances its offset by the
number of groups drawn.
    args: (out, n, seed_lo, seed_hi, offset, p0, p1), out dense; (p0, p1) is (low, high)
    for uniform and (mean, std) for normal; the seed halves are its low and high 32 bits.
    grid: blocks(groups(n, dtype), THREADS)   block: THREADS
"""
import math

import numpy as np
from numba import types
from numba.np.numpy_support import from_dtype

from .compiler import Kernel, cuda, device
from . import fmath as fm
from .geometry import THREADS
from .intrinsics import store

DTYPES = (np.dtype("float32"), np.dtype("float64"))
# every integer here is a uint64 holding 32 bits: a mix with int64 would turn into float64
_U64 = types.uint64
_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)
_MASK, _S32 = np.uint64(0xFFFFFFFF), np.uint64(32)
_S5, _S6, _S8, _S26 = np.uint64(5), np.uint64(6), np.uint64(8), np.uint64(26)
_ZERO = np.uint64(0)


@device
def philox4x32(c0, c1, c2, c3, k0, k1):
    """Ten Philox rounds over counter (c0..c3) with key (k0, k1), each a uint64 < 2**32."""
    for _ in range(10):
        p0 = _M0 * c0
        p1 = _M1 * c2
        c0, c1, c2, c3 = (p1 >> _S32) ^ c1 ^ k0, p1 & _MASK, (p0 >> _S32) ^ c3 ^ k1, p0 & _MASK
        k0 = (k0 + _W0) & _MASK
        k1 = (k1 + _W1) & _MASK
    return c0, c1, c2, c3


def per_group(dtype):
    return 4 if np.dtype(dtype) == np.float32 else 2


def groups(n, dtype):
    return -(-n // per_group(dtype))


def _transforms(dtype):
    """(uniform, normal): four words -> a tuple of per_group(dtype) values."""
    if np.dtype(dtype) == np.float32:
        f = types.float32
        one, two, tau = np.float32(1), np.float32(2), np.float32(2 * math.pi)
        scale = np.float32(2.0 ** -24)

        @device
        def unit(w):  # [0, 1) from the top 24 bits
            return f(w >> _S8) * scale

        def uniform(w0, w1, w2, w3, low, high):
            span = high - low
            return (low + span * unit(w0), low + span * unit(w1),
                    low + span * unit(w2), low + span * unit(w3))

        def normal(w0, w1, w2, w3, mean, std):
            r0 = fm.sqrt(-two * fm.log(one - unit(w0)))  # 1 - u is in (0, 1]: log is finite
            r1 = fm.sqrt(-two * fm.log(one - unit(w2)))
            t0, t1 = tau * unit(w1), tau * unit(w3)
            return (mean + std * r0 * fm.cos(t0), mean + std * r0 * fm.sin(t0),
                    mean + std * r1 * fm.cos(t1), mean + std * r1 * fm.sin(t1))
    else:
        f = types.float64
        one, two, tau = np.float64(1), np.float64(2), np.float64(2 * math.pi)
        scale = np.float64(2.0 ** -53)

        @device
        def unit2(hi, lo):  # [0, 1) from 53 bits of two words
            return f(((hi >> _S5) << _S26) | (lo >> _S6)) * scale

        def uniform(w0, w1, w2, w3, low, high):
            span = high - low
            return low + span * unit2(w0, w1), low + span * unit2(w2, w3)

        def normal(w0, w1, w2, w3, mean, std):
            r = fm.sqrt(-two * fm.log(one - unit2(w0, w1)))
            t = tau * unit2(w2, w3)
            return mean + std * r * fm.cos(t), mean + std * r * fm.sin(t)
    return device(uniform), device(normal)


def _kernel(kind, dtype):
    dtype = np.dtype(dtype)
    if dtype not in DTYPES:
        raise TypeError(f"{kind}_ needs a floating dtype, got {dtype}")
    transform = _transforms(dtype)[kind == "normal"]
    per, threads = per_group(dtype), THREADS
    t = from_dtype(dtype)

    def kernel(out, n, seed_lo, seed_hi, offset, p0, p1):
        k0, k1 = _U64(seed_lo), _U64(seed_hi)
        g = cuda.blockIdx.x * threads + cuda.threadIdx.x
        count = (n + per - 1) // per
        while g < count:
            counter = _U64(offset) + _U64(g)
            w0, w1, w2, w3 = philox4x32(counter & _MASK, counter >> _S32, _ZERO, _ZERO, k0, k1)
            vals = transform(w0, w1, w2, w3, p0, p1)
            for j in range(per):
                if g * per + j < n:
                    store(out, g * per + j, vals[j])
            g += cuda.gridDim.x * threads

    return Kernel(f"philox.{kind}.{dtype}.t{threads}", kernel,
                  (types.CPointer(t), types.int64, types.int64, types.int64, types.int64, t, t),
                  threads)


def uniform(dtype):
    return _kernel("uniform", dtype)


def normal(dtype):
    return _kernel("normal", dtype)
