"""torch.fft's transforms: three primitives (complex-to-complex, real-to-complex onesided,
complex-to-real) run by the device's backend (pocketfft through numpy on the cpu, cuFFT
through CuPy on cuda), each one autograd node with torch's gradient; the public functions
parse torch's arguments (n or s, dim, norm) and pick a primitive.

Result dtypes follow torch, not numpy: float32 (and integer or bool) inputs give complex64,
float64 gives complex128; float16 and bfloat16 are refused, as torch's CPU refuses them.
"""
from .. import _tensor as T
from .. import dtypes as D
from ..autograd.graph import record, run
from ..creation import ones, zeros
from ..layout import wrap_dim
from ..ops import elementwise as E
from ..ops.dispatch import GradMode

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
           "fftn", "ifftn", "rfftn", "irfftn"]

_NORMS = ("backward", "ortho", "forward")
# the norm whose scaling makes a transform the adjoint of one scaled by the key's
_DUAL = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


# --- the three primitives ---------------------------------------------------------------

def _transform(kind, x, sizes, dims, norm):
    """Transform `kind` ("c2c", "c2c_inverse", "r2c", "c2r") of x over dims, each cut or
    zero-padded to its entry of sizes (c2r: the real output's sizes), as one node."""
    track = GradMode.enabled and x._requires_grad
    out = run(_raw, kind, x, sizes, dims, norm) if track else _raw(kind, x, sizes, dims, norm)
    if not track:
        return out
    in_shape = x._shape
    real_input = not x._dtype.is_complex
    if kind == "r2c":
        def backward(g):
            full = _fit(g, (dims[-1],), (sizes[-1],))  # the other half's bins: no gradient
            grad = _transform("c2c_inverse", full, sizes, dims, _DUAL[norm])
            return (_real(_fit(grad, dims, [in_shape[d] for d in dims])),)
        return record("FftR2CBackward0", out, (x,), backward)
    if kind == "c2r":
        def backward(g):
            half = _transform("r2c", g, sizes, dims, _DUAL[norm])
            # each bin between the first and the Nyquist one stands for itself and its mirror
            doubled = sizes[-1] - half._shape[dims[-1]]
            if doubled > 0:
                scale = ones(half._shape[dims[-1]], dtype=D.real_of(half._dtype),
                             device=half.device)
                scale[1:1 + doubled] = 2
                half = half * scale.reshape([-1] + [1] * (half.dim() - 1 - dims[-1]))
            return (_fit(half, dims, [in_shape[d] for d in dims]),)
        return record("FftC2RBackward0", out, (x,), backward)
    inverse = "c2c" if kind == "c2c_inverse" else "c2c_inverse"

    def backward(g):
        grad = _fit(_transform(inverse, g, sizes, dims, _DUAL[norm]), dims,
                    [in_shape[d] for d in dims])
        return (_real(grad) if real_input else grad,)
    return record("FftC2CBackward0", out, (x,), backward)


def _raw(kind, x, sizes, dims, norm):
    shape = list(x._shape)
    for d, n in zip(dims, sizes):
        shape[d] = n
    if kind == "r2c":
        shape[dims[-1]] = sizes[-1] // 2 + 1
    real = D.real_of(x._dtype) if x._dtype.category >= 2 else D.get_default_dtype()
    dtype = real if kind == "c2r" else D.complex_of(real)
    out = T.empty_strided_like(tuple(shape), dtype, x._storage.device, None)
    T.backends.get(x._storage.device.type).fft(kind, out, x, tuple(sizes), tuple(dims), norm)
    return out


def _real(t):
    """The real part of complex t, a new tensor (a gradient's: no warning)."""
    return E.unary("copy_real", t)


def _fit(t, dims, sizes):
    """t cut or zero-padded at the end of each of dims to its entry of sizes."""
    if all(t._shape[d] == n for d, n in zip(dims, sizes)):
        return t
    index = [slice(None)] * t.dim()
    for d, n in zip(dims, sizes):
        index[d] = slice(0, min(n, t._shape[d]))
    index = tuple(index)
    shape = list(t._shape)
    for d, n in zip(dims, sizes):
        shape[d] = n
    out = zeros(shape, dtype=t._dtype, device=t.device)
    out[index] = t[index]
    return out



# --- arguments ---------------------------------------------------------------------------

def _check_norm(norm):
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return norm


def _input(x, name, real_only=False):
    """x as the transform takes it: integers and bool in the default float; complex refused
    where the transform takes real input, the half types everywhere (as torch's CPU)."""
    if not isinstance(x, T.Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    if x._dtype.is_half:
        raise RuntimeError(f"Unsupported dtype {D.TYPE_NAMES[x._dtype.name]}")
    if real_only and x._dtype.is_complex:
        raise RuntimeError(f"{name} expects a real input tensor, but got "
                           f"{D.TYPE_NAMES[x._dtype.name]}")
    if x._dtype.category < 2:
        x = x.to(D.get_default_dtype())
    return x


def _check_size(n):
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")
    return n


def _one_dim(x, n, dim, onesided_input=False):
    """(sizes, dims) of a 1-D transform; onesided_input: x holds a onesided half (irfft,
    hfft), whose default signal length is 2 * (m - 1)."""
    if x.dim() == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = wrap_dim(dim, x.dim())
    if n is None:
        n = 2 * (x._shape[d] - 1) if onesided_input else x._shape[d]
    return [_check_size(n)], [d]


def _many_dims(x, s, dim, onesided_input=False):
    """(sizes, dims) of an n-D transform from torch's s and dim (either may be None)."""
    if dim is not None:
        dims = [dim] if isinstance(dim, int) else list(dim)
        dims = [wrap_dim(d, x.dim()) for d in dims]
        if s is not None and len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
    elif s is not None:
        if len(s) > x.dim():
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has "
                               f"{x.dim()} dimensions.")
        dims = list(range(x.dim() - len(s), x.dim()))
    else:
        dims = list(range(x.dim()))
    if len(set(dims)) != len(dims):
        raise RuntimeError("FFT dims must be unique")
    sizes = [x._shape[d] for d in dims] if s is None else [
        x._shape[d] if n == -1 else n for d, n in zip(dims, s)]
    if onesided_input and dims and (s is None or s[-1] == -1):
        sizes[-1] = 2 * (x._shape[dims[-1]] - 1)
    return [_check_size(n) for n in sizes], dims


def _c2c(x, sizes, dims, norm, inverse):
    if not dims:  # no transform: the input as complex, as torch's
        return x.to(D.complex_of(x._dtype)) if not x._dtype.is_complex else x.clone()
    return _transform("c2c_inverse" if inverse else "c2c", x, sizes, dims, norm)


def _as_complex(x):
    return x if x._dtype.is_complex else x.to(D.complex_of(x._dtype))


# --- torch.fft's functions ---------------------------------------------------------------

def fft(input, n=None, dim=-1, norm=None):
    x = _input(input, "fft")
    return _c2c(x, *_one_dim(x, n, dim), _check_norm(norm), False)


def ifft(input, n=None, dim=-1, norm=None):
    x = _input(input, "ifft")
    return _c2c(x, *_one_dim(x, n, dim), _check_norm(norm), True)


def rfft(input, n=None, dim=-1, norm=None):
    x = _input(input, "rfft", real_only=True)
    return _transform("r2c", x, *_one_dim(x, n, dim), _check_norm(norm))


def irfft(input, n=None, dim=-1, norm=None):
    x = _as_complex(_input(input, "irfft"))
    return _transform("c2r", x, *_one_dim(x, n, dim, onesided_input=True), _check_norm(norm))


def hfft(input, n=None, dim=-1, norm=None):
    """The real spectrum of a Hermitian signal given by its onesided half: irfft of the
    conjugate, with the inverse's normalisation."""
    x = _as_complex(_input(input, "hfft"))
    sizes, dims = _one_dim(x, n, dim, onesided_input=True)
    return _transform("c2r", E.conj_physical(x), sizes, dims, _DUAL[_check_norm(norm)])


def ihfft(input, n=None, dim=-1, norm=None):
    x = _input(input, "ihfft", real_only=True)
    sizes, dims = _one_dim(x, n, dim)
    return E.conj_physical(_transform("r2c", x, sizes, dims, _DUAL[_check_norm(norm)]))


def fftn(input, s=None, dim=None, norm=None):
    x = _input(input, "fftn")
    return _c2c(x, *_many_dims(x, s, dim), _check_norm(norm), False)


def ifftn(input, s=None, dim=None, norm=None):
    x = _input(input, "ifftn")
    return _c2c(x, *_many_dims(x, s, dim), _check_norm(norm), True)


def rfftn(input, s=None, dim=None, norm=None):
    x = _input(input, "rfftn", real_only=True)
    sizes, dims = _many_dims(x, s, dim)
    if not dims:
        raise RuntimeError("rfftn must transform at least one axis")
    return _transform("r2c", x, sizes, dims, _check_norm(norm))


def irfftn(input, s=None, dim=None, norm=None):
    x = _as_complex(_input(input, "irfftn"))
    sizes, dims = _many_dims(x, s, dim, onesided_input=True)
    if not dims:
        raise RuntimeError("irfftn must transform at least one axis")
    return _transform("c2r", x, sizes, dims, _check_norm(norm))


def fft2(input, s=None, dim=(-2, -1), norm=None):
    return fftn(input, s, dim, norm)


def ifft2(input, s=None, dim=(-2, -1), norm=None):
    return ifftn(input, s, dim, norm)


def rfft2(input, s=None, dim=(-2, -1), norm=None):
    return rfftn(input, s, dim, norm)


def irfft2(input, s=None, dim=(-2, -1), norm=None):
    return irfftn(input, s, dim, norm)
