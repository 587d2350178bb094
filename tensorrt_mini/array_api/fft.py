"""The standard's fft extension, on tm.fft (pocketfft through numpy on the cpu, cuFFT
through CuPy on cuda) with the standard's keywords: axis/axes for dim, norm="backward"."""
from .. import fft as TF

__all__ = ["fft", "ifft", "fftn", "ifftn", "rfft", "irfft", "rfftn", "irfftn", "hfft", "ihfft",
           "fftfreq", "rfftfreq", "fftshift", "ifftshift"]


def _one(transform):
    def f(x, /, *, n=None, axis=-1, norm="backward"):
        return transform(x, n=n, dim=axis, norm=norm)
    f.__name__ = f.__qualname__ = transform.__name__
    f.__doc__ = f"The standard's fft.{transform.__name__}, on tm.fft.{transform.__name__}."
    return f


def _many(transform):
    def f(x, /, *, s=None, axes=None, norm="backward"):
        return transform(x, s=None if s is None else tuple(s),
                         dim=None if axes is None else tuple(axes), norm=norm)
    f.__name__ = f.__qualname__ = transform.__name__
    f.__doc__ = f"The standard's fft.{transform.__name__}, on tm.fft.{transform.__name__}."
    return f


fft, ifft, rfft, irfft, hfft, ihfft = (_one(t) for t in (TF.fft, TF.ifft, TF.rfft, TF.irfft,
                                                         TF.hfft, TF.ihfft))
fftn, ifftn, rfftn, irfftn = (_many(t) for t in (TF.fftn, TF.ifftn, TF.rfftn, TF.irfftn))


def fftfreq(n, /, *, d=1.0, dtype=None, device=None):
    return TF.fftfreq(n, d, dtype=dtype, device=device)


def rfftfreq(n, /, *, d=1.0, dtype=None, device=None):
    return TF.rfftfreq(n, d, dtype=dtype, device=device)


def fftshift(x, /, *, axes=None):
    return TF.fftshift(x, dim=axes)


def ifftshift(x, /, *, axes=None):
    return TF.ifftshift(x, dim=axes)
