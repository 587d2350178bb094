"""torch.fft's helpers: the sample frequencies of a transform's bins, and the shifts that
move the zero frequency to the centre and back."""
from .. import dtypes as D
from ..creation import arange
from ..ops.selecting import roll

__all__ = ["fftfreq", "rfftfreq", "fftshift", "ifftshift"]


def _frequency_dtype(dtype, name):
    dtype = D.get_default_dtype() if dtype is None else D.as_dtype(dtype, name)
    if dtype.category < 2:
        raise RuntimeError(f"{name} requires a floating point or complex dtype")
    return dtype


def fftfreq(n, d=1.0, *, dtype=None, device=None, requires_grad=False):
    """[0, 1, ..., (n - 1) // 2, -(n // 2), ..., -1] / (d * n)."""
    dtype = _frequency_dtype(dtype, "fftfreq")
    out = arange(n, dtype=dtype, device=device)
    if n:
        out[(n + 1) // 2:] -= n
        out = out / (d * n)
    return out.requires_grad_(requires_grad)


def rfftfreq(n, d=1.0, *, dtype=None, device=None, requires_grad=False):
    """[0, 1, ..., n // 2] / (d * n): the onesided transform's bins."""
    dtype = _frequency_dtype(dtype, "rfftfreq")
    out = arange(n // 2 + 1, dtype=dtype, device=device)
    if n:
        out = out / (d * n)
    return out.requires_grad_(requires_grad)


def _dims(input, dim):
    if dim is None:
        dim = tuple(range(input.dim()))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if not dims:  # torch's roll, given no shifts (a 0-d input)
        raise RuntimeError("`shifts` required")
    return dims


def fftshift(input, dim=None):
    """The zero frequency moved to the centre: each of dims rolled by half its size."""
    dims = _dims(input, dim)
    return roll(input, [input.shape[d] // 2 for d in dims], dims)


def ifftshift(input, dim=None):
    """fftshift's inverse: each of dims rolled back by half its size, rounded up."""
    dims = _dims(input, dim)
    return roll(input, [(input.shape[d] + 1) // 2 for d in dims], dims)
