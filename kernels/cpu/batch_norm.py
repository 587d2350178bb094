"""The two passes of batch, instance and group norm on the CPU, over an input seen as
(N, C, S) C-contiguous: `moments` gives each channel's mean and biased variance over its N
planes of S elements (one read of the input), `planes` writes x * scale + shift with one
(scale, shift) per plane (the normalisation and the affine map in one more read and one
write). A composite of mean, var, sub, mul and add reads the input five times.

Sums of the deviations from the channel's first element and of their squares run in the
input's dtype over chunks of CHUNK elements, reassociated so that LLVM vectorises them
(several partial sums), and in float64 across chunks: one pass gives the mean and the
variance, and the shift keeps the sum of squares from cancelling when the mean is large
against the spread.
"""
import numba as nb

CHUNK = 4096
# x * scale + shift unfused: with x at its mean, the two rounded products cancel to 0
_JIT = dict(cache=True, nogil=True, error_model="numpy")
_SUMS = dict(_JIT, fastmath={"contract", "reassoc"})  # (no nnan: a nan still shows)


@nb.njit(**_SUMS)
def _channel(x, c):
    """(mean, biased variance) of x[:, c, :]."""
    n, s = x.shape[0], x.shape[2]
    shift = x[0, c, 0]
    zero = x.dtype.type(0)
    total = 0.0
    total2 = 0.0
    for i in range(n):
        row = x[i, c]
        for start in range(0, s, CHUNK):
            acc = zero
            acc2 = zero
            for k in range(start, min(start + CHUNK, s)):
                d = row[k] - shift
                acc += d
                acc2 += d * d
            total += acc
            total2 += acc2
    count = n * s
    mean = total / count
    var = total2 / count - mean * mean
    if var < 0:  # (rounding; a nan stays)
        var = 0.0
    return shift + mean, var


@nb.njit(**_JIT)
def moments(x, mean, var):
    """mean[c], var[c] (C,) of x (N, C, S), N * S > 0."""
    for c in range(x.shape[1]):
        mean[c], var[c] = _channel(x, c)


@nb.njit(parallel=True, **_JIT)
def moments_par(x, mean, var):
    for c in nb.prange(x.shape[1]):
        mean[c], var[c] = _channel(x, c)


@nb.njit(**_JIT)
def _plane(x, scale, shift, out, p):
    c = x.shape[1]
    i, k = p // c, p % c
    r = i % scale.shape[0]  # scale and shift: (N, C), or (1, C) for every sample
    a, b = scale[r, k], shift[r, k]
    src, dst = x[i, k], out[i, k]
    for j in range(src.shape[0]):
        dst[j] = src[j] * a + b


@nb.njit(**_JIT)
def planes(x, scale, shift, out):
    """out[i, k, :] = x[i, k, :] * scale[., k] + shift[., k]; x, out (N, C, S)."""
    for p in range(x.shape[0] * x.shape[1]):
        _plane(x, scale, shift, out, p)


@nb.njit(parallel=True, **_JIT)
def planes_par(x, scale, shift, out):
    for p in nb.prange(x.shape[0] * x.shape[1]):
        _plane(x, scale, shift, out, p)
