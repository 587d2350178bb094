"""Discrete Fourier transforms on arrays with numpy's API: numpy's pocketfft on the host,
CuPy's cuFFT on a GPU. `compute` runs one of the three transforms torch builds its fft
family from, over `axes`, with the signal sizes `sizes` (each input axis cut or padded
with zeros to it; for c2r, the output's sizes), normalised by numpy's (and torch's) `norm`
names.
"""

KINDS = ("c2c", "c2c_inverse", "r2c", "c2r")


def compute(xp, kind, x, sizes, axes, norm):
    """A new array: transform `kind` of array x. c2c: the forward complex transform;
    c2c_inverse its inverse; r2c: of a real x, the onesided half of the last axis; c2r:
    the real inverse of a onesided x."""
    fft = xp.fft
    if kind == "c2c":
        return fft.fftn(x, s=sizes, axes=axes, norm=norm)
    if kind == "c2c_inverse":
        return fft.ifftn(x, s=sizes, axes=axes, norm=norm)
    if kind == "r2c":
        return fft.rfftn(x, s=sizes, axes=axes, norm=norm)
    if kind == "c2r":
        return fft.irfftn(x, s=sizes, axes=axes, norm=norm)
    raise ValueError(f"unknown transform {kind!r}; expected one of {KINDS}")
