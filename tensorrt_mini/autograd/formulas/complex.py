"""Derivatives of complex tensors' parts (ops/complex.py), in torch's conjugate Wirtinger
form: a real part's gradient g comes back as g + 0j, an imaginary part's as g * 1j."""
from ...ops import complex as C
from ...ops import elementwise as E
from ..graph import record, run
from .common import conj, fit, real_part, register


@register("_real")
def _real(raw, x):
    out = run(raw, x)
    return record("RealBackward0", out, (x,), lambda g: (C.complex(g, E.mul(g, 0)),))


@register("imag")
def _imag(raw, x):
    out = run(raw, x)
    return record("ImagBackward0", out, (x,), lambda g: (C.complex(E.mul(g, 0), g),))


@register("view_as_real")
def _view_as_real(raw, x):
    out = run(raw, x)
    return record("ViewAsRealBackward0", out, (x,),
                  lambda g: (C.view_as_complex(g.contiguous()),))


@register("view_as_complex")
def _view_as_complex(raw, x):
    out = run(raw, x)
    return record("ViewAsComplexBackward0", out, (x,),
                  lambda g: (C.view_as_real(g.contiguous()),))


@register("complex")
def _complex(raw, re, im):
    out = run(raw, re, im)
    return record("ComplexBackward0", out, (re, im),
                  lambda g: (_fit_part(real_part(g), re), _fit_part(C.imag(g), im)))


@register("polar")
def _polar(raw, r, theta):
    out = run(raw, r, theta)

    def backward(g, r, theta):
        # out = r u with u = cos + i sin: d/dr -> Re(g conj(u)), d/dtheta -> r Im(g conj(u))
        u = C.complex(E.cos(theta), E.sin(theta))
        gu = g * conj(u)
        return (_fit_part(real_part(gu), r), _fit_part(C.imag(gu).contiguous() * r, theta))
    return record("PolarBackward0", out, (r, theta), backward, (r, theta))


def _fit_part(g, x):
    """g summed back over the dims x was broadcast along, as a new tensor."""
    return fit(g.contiguous(), x) if x._requires_grad else None
