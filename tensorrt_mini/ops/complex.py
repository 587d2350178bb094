"""Complex tensors' parts: the real views (real, imag, view_as_real), view_as_complex,
conj, and building complex tensors from parts (complex, polar).

real, imag and view_as_real are views, as torch's: they see the complex storage's memory
as floats of the parts' dtype, with doubled strides and offset (storage.reinterpret), so
writes through them change the complex tensor. Unlike torch's, these views are not linked
to their base for autograd (`_base` is None): where the base requires grad, writing into
one in place raises instead of rebasing the base's graph.

torch's conj is lazy (a conjugate bit on a view); tm's conj computes the conjugate at
once, so `is_conj()` is always False and `resolve_conj()` returns the tensor itself.
"""
from .. import _tensor as T
from .. import dtypes as D
from ..layout import broadcast_shapes
from ..storage import reinterpret
from . import elementwise as E
from .dispatch import differentiable

_INPLACE_REFUSED = ("tensorrt_mini does not link a complex tensor's real views to their "
                    "base for autograd; write into a clone instead.")


def _check_complex(input, message):
    if not input._dtype.is_complex:
        raise RuntimeError(message)


def _part_view(input, shape, stride, offset, dtype):
    out = T._new(reinterpret(input._storage, dtype), tuple(shape), tuple(stride), offset)
    if input._requires_grad:
        out._custom_view = _INPLACE_REFUSED
    return out


def _parts(input):
    """The floats view (..., 2) of complex input: its real and imaginary parts."""
    return _part_view(input, input._shape + (2,), tuple(2 * s for s in input._stride) + (1,),
                      2 * input._offset, D.real_of(input._dtype))


def _part(input, which):
    """The floats view of complex input's real (which=0) or imaginary (1) parts."""
    return _part_view(input, input._shape, tuple(2 * s for s in input._stride),
                      2 * input._offset + which, D.real_of(input._dtype))


def real(input):
    """The real part: a view for a complex tensor, the tensor itself otherwise."""
    if not input._dtype.is_complex:
        return input
    return _real(input)


@differentiable
def _real(input):
    return _part(input, 0)


@differentiable
def imag(input):
    _check_complex(input, "imag is not implemented for tensors with non-complex dtypes.")
    return _part(input, 1)


@differentiable
def view_as_real(input):
    _check_complex(input, "view_as_real is only supported for complex tensors")
    return _parts(input)


@differentiable
def view_as_complex(input):
    dtype = input._dtype
    if dtype not in (D.float32, D.float64):
        if dtype.is_half:  # torch gives complex32, which tm does not have
            raise RuntimeError(f"view_as_complex of a {D.TYPE_NAMES[dtype.name]} tensor would be "
                               "complex32, which tensorrt_mini does not implement")
        raise RuntimeError("view_as_complex is only supported for half, float and double "
                           f"tensors, but got a tensor of scalar type: {D.TYPE_NAMES[dtype.name]}")
    if not input._shape:
        raise RuntimeError("Input tensor must have one or more dimensions")
    if input._shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if input._stride[-1] != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % 2 for s in input._stride[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    if input._offset % 2:
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")
    return _part_view(input, input._shape[:-1], tuple(s // 2 for s in input._stride[:-1]),
                      input._offset // 2, D.complex_of(dtype))


def conj(input):
    """The complex conjugate, computed now (torch's is a lazy view); real tensors: itself."""
    return E.conj_physical(input) if input._dtype.is_complex else input


def is_conj(input):
    """Always False: tm never sets a conjugate bit (see conj)."""
    return False


def resolve_conj(input):
    return input


def _check_parts(a, b):
    for x in (a, b):
        if x._dtype not in (D.float32, D.float64):
            raise RuntimeError(
                "Expected both inputs to be Half, Float or Double tensors but got "
                f"{D.TYPE_NAMES[a._dtype.name]} and {D.TYPE_NAMES[b._dtype.name]}")
    if a._dtype is not b._dtype:
        raise RuntimeError(f"Expected object of scalar type {D.TYPE_NAMES[a._dtype.name]} but "
                           f"got scalar type {D.TYPE_NAMES[b._dtype.name]} for second argument")


def _from_parts(op, a, b):
    dev = E.check_same_device(a, b)
    shape = broadcast_shapes(a._shape, b._shape)
    out = T.empty_strided_like(shape, D.complex_of(a._dtype), dev)
    T.backends.get(dev.type).elementwise(op, (out,), (E._expand_to(a, shape),
                                                      E._expand_to(b, shape)))
    return out


@differentiable
def complex(real, imag):
    """real + imag * 1j, of the complex dtype of their (one) float dtype."""
    _check_parts(real, imag)
    return _from_parts("complex", real, imag)


@differentiable
def polar(abs, angle):
    """abs * (cos(angle) + sin(angle) * 1j)."""
    _check_parts(abs, angle)
    return _from_parts("polar", abs, angle)
