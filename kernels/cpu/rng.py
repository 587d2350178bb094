"""torch's CPU random numbers, bit for bit: the mt19937 engine and what torch's CPU kernels
make of its draws (facts read in torch's headers and checked against torch 2.13's outputs).

- The engine is the 32-bit mt19937, seeded with init_genrand(seed mod 2^32). A 64-bit draw
  is two 32-bit draws, the first one its high half.
- uniform: float32 takes the low 24 bits of a 32-bit draw, float64 the low 53 bits of a
  64-bit draw, as a fraction x in [0, 1); the value is fma(x, to - from, from) (torch's
  build contracts x * (to - from) + from into one fused multiply-add).
- normal on a contiguous tensor of 16 or more elements fills uniforms, then turns each block
  of 16 into normals by Box-Muller, pairing element j with j + 8; a size not a multiple of
  16 draws 16 fresh uniforms for the last 16 elements and redoes them. float32 runs torch's
  AVX2 code (avx_mathfun's Cephes log and sincos, whose multiply-adds the compiler fused);
  float64 libm's log, cos and sin.
- scalar normals (fewer than 16 elements, or strided) come in pairs from two float64
  uniforms u1, u2: r = sqrt(-2 log1p(-u2)), theta = 2 pi u1; r cos(theta) is used now and
  r sin(theta) is kept by the generator for the next scalar normal.
The raw draws come in as uint32 arrays; a kernel reads as many as its comment says.
"""
import math

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

_N, _M = 624, 397  # mt19937's state words and its twist offset
JIT = dict(cache=True, nogil=True)


@intrinsic
def fma(typingctx, a, b, c):
    """a * b + c rounded once (LLVM's fma intrinsic), for float32 or float64 operands."""
    if not (a == b == c and isinstance(a, types.Float)):
        return None

    def codegen(context, builder, sig, args):
        lt = context.get_value_type(sig.return_type)
        fn = builder.module.declare_intrinsic("llvm.fma", [lt], ir.FunctionType(lt, [lt] * 3))
        return builder.call(fn, args)
    return a(a, b, c), codegen


# --- the engine -------------------------------------------------------------------------

def mt_key(seed):
    """init_genrand's state words (uint32[624]) for a seed, mod 2^32 (plain Python: 0.2 ms,
    and no compiled kernel to load when tensorrt_mini is imported)."""
    key = [seed & 0xFFFFFFFF]
    for i in range(1, _N):
        x = key[-1]
        key.append((1812433253 * (x ^ (x >> 30)) + i) & 0xFFFFFFFF)
    return np.array(key, np.uint32)


@nb.njit(inline="always")
def _mix(a, b, c):
    """The twist of one word: a's top bit and b's low 31, shifted, into c."""
    y = (a & np.uint32(0x80000000)) | (b & np.uint32(0x7FFFFFFF))
    v = c ^ (y >> np.uint32(1))
    return v ^ np.uint32(0x9908B0DF) if y & np.uint32(1) else v


@nb.njit(**JIT)
def _twist(key):
    for i in range(_N - _M):
        key[i] = _mix(key[i], key[i + 1], key[i + _M])
    for i in range(_N - _M, _N - 1):
        key[i] = _mix(key[i], key[i + 1], key[i + _M - _N])
    key[_N - 1] = _mix(key[_N - 1], key[0], key[_M - 1])


@nb.njit(**JIT)
def _copy(src, dst):
    for i in range(dst.shape[0]):
        dst[i] = src[i]


@nb.njit(**JIT)
def _temper(words):
    for i in range(words.shape[0]):
        y = words[i]
        y ^= y >> np.uint32(11)
        y ^= (y << np.uint32(7)) & np.uint32(0x9D2C5680)
        y ^= (y << np.uint32(15)) & np.uint32(0xEFC60000)
        y ^= y >> np.uint32(18)
        words[i] = y


@nb.njit(**JIT)
def mt_draw(key, pos, out):
    """Fill out (uint32) with the next draws; pos[0] counts the words of key already used
    (624: twist before the next draw). The words are copied out first, then tempered in
    one pass over out, a loop LLVM vectorises (0.5 ms per 2^20 draws, against 2.1 ms
    tempering word by word; a slice assignment for the copy took 8 s to compile)."""
    p = pos[0]
    k, n = 0, out.shape[0]
    while k < n:
        if p >= _N:
            _twist(key)
            p = 0
        m = min(_N - p, n - k)
        _copy(key[p:p + m], out[k:k + m])
        p += m
        k += m
    pos[0] = p
    _temper(out)


@nb.njit(inline="always")
def _u64(raw, i):
    return (np.uint64(raw[2 * i]) << np.uint64(32)) | np.uint64(raw[2 * i + 1])


@nb.njit(inline="always")
def _unit32(r):
    return np.float32(r & np.uint32(0xFFFFFF)) * np.float32(2.0 ** -24)


@nb.njit(inline="always")
def _unit64(raw, i):
    return np.float64(_u64(raw, i) & np.uint64((1 << 53) - 1)) * (2.0 ** -53)


# --- uniform ----------------------------------------------------------------------------

@nb.njit(**JIT)
def uniform32(raw, low, high, out):
    """n float32 values in [low, high) from n draws (low, high already float32)."""
    span = high - low
    for i in range(out.shape[0]):
        v = fma(_unit32(raw[i]), span, low)
        out[i] = low if v == high else v


@nb.njit(**JIT)
def uniform64(raw, low, high, out):
    """n float64 values in [low, high) from 2n draws."""
    span = high - low
    for i in range(out.shape[0]):
        v = fma(_unit64(raw, i), span, low)
        out[i] = low if v == high else v


# --- normal: torch's fill of 16-element blocks --------------------------------------------

def _f(v):
    return np.float32(v)


# avx_mathfun's Cephes constants
_LOG_P = tuple(_f(v) for v in (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1,
                                -1.2420140846E-1, 1.4249322787E-1, -1.6668057665E-1,
                                2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1))
_LOG_Q1, _LOG_Q2, _SQRTHF = _f(-2.12194440e-4), _f(0.693359375), _f(0.707106781186547524)
_DP1, _DP2, _DP3 = _f(-0.78515625), _f(-2.4187564849853515625e-4), _f(-3.77489497744594108e-8)
_SIN_P = (_f(-1.9515295891E-4), _f(8.3321608736E-3), _f(-1.6666654611E-1))
_COS_P = (_f(2.443315711809948E-005), _f(-1.388731625493765E-003), _f(4.166664568298827E-002))
_FOPI, _ONE, _HALF, _ZERO = _f(1.27323954473516), _f(1), _f(0.5), _f(0)
_TWO_PI32 = _f(2.0 * math.pi)
_P0, _P1, _P2, _P3, _P4, _P5, _P6, _P7, _P8 = _LOG_P
_S0, _S1, _S2 = _SIN_P
_C0, _C1, _C2 = _COS_P


@nb.njit(inline="always")
def _log_avx(x):
    """log256_ps for one lane, x in (0, 1]."""
    bits = np.float32(x).view(np.int32)
    e = np.float32((bits >> 23) - 0x7F) + _ONE
    x = np.int32((bits & ~0x7F800000) | 0x3F000000).view(np.float32)
    tmp = _ZERO
    if x < _SQRTHF:
        tmp = x
        e = e - _ONE
    x = (x - _ONE) + tmp
    z = x * x
    y = fma(_P0, x, _P1)
    y = fma(y, x, _P2)
    y = fma(y, x, _P3)
    y = fma(y, x, _P4)
    y = fma(y, x, _P5)
    y = fma(y, x, _P6)
    y = fma(y, x, _P7)
    y = fma(y, x, _P8)
    y = y * x
    y = fma(y, z, e * _LOG_Q1)
    y = fma(-z, _HALF, y)
    return fma(e, _LOG_Q2, x + y)


@nb.njit(inline="always")
def _sincos_avx(x):
    """sincos256_ps for one lane, x >= 0: (sin, cos)."""
    j = (np.int32(x * _FOPI) + 1) & ~1
    y = np.float32(j)
    x = fma(y, _DP1, x)
    x = fma(y, _DP2, x)
    x = fma(y, _DP3, x)
    z = x * x
    yc = fma(fma(_C0, z, _C1), z, _C2) * z
    yc = fma(yc, z, -(z * _HALF)) + _ONE
    ys = fma(fma(_S0, z, _S1), z, _S2) * z
    ys = fma(ys, x, x)
    s, c = (ys, yc) if (j & 2) == 0 else (yc, ys)
    if j & 4:
        s = -s
    if (~(j - 2)) & 4:
        c = -c
    return s, c


@nb.njit(inline="always")
def _block32(d, mean, std):
    for j in range(8):
        radius = np.sqrt(np.float32(-2.0) * _log_avx(_ONE - d[j]))
        s, c = _sincos_avx(_TWO_PI32 * d[j + 8])
        d[j] = fma(radius * c, std, mean)
        d[j + 8] = fma(radius * s, std, mean)


@nb.njit(inline="always")
def _block64(d, mean, std):
    for j in range(8):
        radius = math.sqrt(-2.0 * math.log(1.0 - d[j]))
        theta = 2.0 * math.pi * d[j + 8]
        d[j] = fma(radius * math.cos(theta), std, mean)
        d[j + 8] = fma(radius * math.sin(theta), std, mean)


def fill_draws(n):
    """How many 32-bit draws normal_fill32 reads for n >= 16 elements (twice that for 64)."""
    return n + (16 if n % 16 else 0)


@nb.njit(**JIT)
def normal_fill32(raw, mean, std, out):
    """n >= 16 float32 normals from fill_draws(n) draws."""
    n = out.shape[0]
    for i in range(n):
        out[i] = _unit32(raw[i])
    for i in range(0, n - 15, 16):
        _block32(out[i:i + 16], mean, std)
    if n % 16:
        tail = out[n - 16:]
        for j in range(16):
            tail[j] = _unit32(raw[n + j])
        _block32(tail, mean, std)


@nb.njit(**JIT)
def normal_fill64(raw, mean, std, out):
    """n >= 16 float64 normals from 2 * fill_draws(n) draws."""
    n = out.shape[0]
    for i in range(n):
        out[i] = _unit64(raw, i)
    for i in range(0, n - 15, 16):
        _block64(out[i:i + 16], mean, std)
    if n % 16:
        tail = out[n - 16:]
        for j in range(16):
            tail[j] = _unit64(raw, n + j)
        _block64(tail, mean, std)


@nb.njit(**JIT)
def box_muller(raw, out):
    """k pairs from 4k draws, interleaved in out (2k float64): r cos(theta), r sin(theta)."""
    for k in range(out.shape[0] // 2):
        u1 = _unit64(raw, 2 * k)
        u2 = _unit64(raw, 2 * k + 1)
        r = math.sqrt(-2.0 * math.log1p(-u2))
        theta = 2.0 * math.pi * u1
        out[2 * k] = r * math.cos(theta)
        out[2 * k + 1] = r * math.sin(theta)


@nb.njit(**JIT)
def scale_normal(z, mean, std, out):
    """z * std + mean, fused as torch's build fuses it, stored in out's dtype."""
    for i in range(out.shape[0]):
        out[i] = fma(z[i], std, mean)


# --- other distributions ----------------------------------------------------------------

@nb.njit(**JIT)
def exponential(raw, lambd, out):
    """n values -log1p(-u) / lambd (in float64, then out's dtype) from 2n draws."""
    scale = -1.0 / lambd
    for i in range(out.shape[0]):
        out[i] = scale * math.log1p(-_unit64(raw, i))


@nb.njit(**JIT)
def bernoulli_scalar(raw, p, out):
    """n values u < p, u a float64 uniform, from 2n draws."""
    for i in range(out.shape[0]):
        out[i] = _unit64(raw, i) < p


@nb.njit(**JIT)
def bernoulli_p64(raw, p, out):
    """u < p[i] for float64 p: float64 uniforms, from 2n draws."""
    for i in range(out.shape[0]):
        out[i] = _unit64(raw, i) < p[i]


@nb.njit(**JIT)
def bernoulli_p32(raw, p, out):
    """u < p[i] for float32 p: float32 uniforms, from n draws."""
    for i in range(out.shape[0]):
        out[i] = _unit32(raw[i]) < p[i]


@nb.njit(**JIT)
def ints_from_to(raw, wide, span, base, out):
    """(draw % span) + base, from 64-bit draws (2n) if wide else 32-bit ones (n), as int64."""
    for i in range(out.shape[0]):
        v = _u64(raw, i) if wide else np.uint64(raw[i])
        out[i] = np.int64(v % np.uint64(span)) + base


@nb.njit(**JIT)
def ints_full_range(raw, out):
    """64-bit draws (2n) as int64: random_ over all of int64."""
    for i in range(out.shape[0]):
        out[i] = np.int64(_u64(raw, i))


@nb.njit(**JIT)
def randperm(raw, wide, out):
    """Shuffle out (holding 0..n-1) as torch's CPU randperm does. Below n = 2^32 / 20 it is
    Fisher-Yates from 32-bit draws (n - 1): element i swaps with i + draw % (n - i). From
    there torch fills inside out from 64-bit draws (2n): element i takes element
    draw % (i + 1)'s place (that branch is not checked against torch: n is too large here)."""
    n = out.shape[0]
    if wide:
        for i in range(n):
            z = np.int64(_u64(raw, i) % np.uint64(i + 1))
            out[i] = out[z]
            out[z] = i
        return
    for i in range(n - 1):
        z = i + np.int64(np.uint64(raw[i]) % np.uint64(n - i))
        out[i], out[z] = out[z], out[i]


@nb.njit(**JIT)
def multinomial_replacement(p, raw, out):
    """Rows of p (2-D, its own dtype) sampled out.shape[1] times each with replacement, one
    float64 uniform (2 draws) a sample: the first category whose normalised cumulative sum
    (summed and divided in p's dtype, the last set to 1) is not below the uniform."""
    rows, cats = p.shape
    cum = np.empty(cats, p.dtype)
    k = 0
    for r in range(rows):
        cum[0] = p[r, 0]
        for j in range(1, cats):
            cum[j] = cum[j - 1] + p[r, j]
        total = cum[cats - 1]
        for j in range(cats):
            cum[j] /= total
        cum[cats - 1] = 1
        for s in range(out.shape[1]):
            u = _unit64(raw, k)
            k += 1
            lo, hi = 0, cats
            while hi - lo > 0:
                mid = lo + (hi - lo) // 2
                if cum[mid] < u:
                    lo = mid + 1
                else:
                    hi = mid
            out[r, s] = lo
