"""Conversions between float32 and the 16-bit floats, bfloat16 and float16.

bfloat16 is the top half of a float32, kept as uint16 bits (numpy, CuPy and Numba have
no bfloat16 type). The functions take numpy or CuPy arrays alike (they use only array
methods and operators), so the cpu, the cuda device and the simulator share them.

Rounding is to nearest, ties to even, as PyTorch's conversions round; values beyond
the range become inf. A NaN becomes the quiet NaN PyTorch's scalar conversions give
(bfloat16 0x7FC0; float16 keeps the sign and the payload's top bits, quiet bit set).
"""
import numba as nb
import numpy as np

BF16_NAN = 0x7FC0


def bf16_to_f32(bits):
    """float32 values of an array of bfloat16 bits (exact)."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


def f32_to_bf16(x):
    """bfloat16 bits of a float32 array, rounded to nearest even."""
    bits = x.view(np.uint32)
    lsb = (bits >> 16) & 1
    out = ((bits + (0x7FFF + lsb)) >> 16).astype(np.uint16)
    nan = x != x
    if nan.any():
        out[nan] = BF16_NAN
    return out


@nb.njit(cache=True, nogil=True)
def f32_bits_to_bf16(out, bits):
    """f32_to_bf16 of 1-D contiguous float32 bits (a uint32 view) into `out`: one pass,
    where the array form makes five."""
    for i in range(bits.shape[0]):
        b = bits[i]
        if b & np.uint32(0x7FFFFFFF) > np.uint32(0x7F800000):  # NaN
            out[i] = BF16_NAN
        else:
            out[i] = (b + (np.uint32(0x7FFF) + ((b >> np.uint32(16)) & np.uint32(1)))) >> np.uint32(16)


def f32_to_f16(x):
    """float16 values of a float32 array, rounded to nearest even (the cast's rounding),
    with PyTorch's NaN bits."""
    with np.errstate(over="ignore"):  # beyond float16's range: inf, as torch
        out = x.astype(np.float16)
    nan = x != x
    if nan.any():
        bits = x[nan].view(np.uint32)
        out.view(np.uint16)[nan] = (((bits >> 16) & 0x8000) | 0x7E00
                                    | ((bits >> 13) & 0x3FF)).astype(np.uint16)
    return out
