"""Helpers shared by the formulas: registration and fitting a gradient to its input."""
from ... import _tensor as T
from ... import creation
from ...ops import elementwise as E
from ...ops.dispatch import DERIVATIVES


def register(*names):
    """Register the decorated derivative under each op name."""
    def deco(fn):
        for name in names:
            DERIVATIVES[name] = fn
        return fn
    return deco


def is_tensor(x):
    return isinstance(x, T.Tensor)


class Meta:
    """What a backward needs to know about an input (shape, dtype, device, whether it wants
    a gradient) without keeping the input's memory alive after the graph is freed."""

    __slots__ = ("_shape", "_dtype", "_requires_grad", "device")

    def __init__(self, t):
        self._shape = t._shape
        self._dtype = t._dtype
        self._requires_grad = t._requires_grad
        self.device = t._storage.device


def meta(x):
    """Meta of x when x is a tensor that requires grad, else None (no gradient to give)."""
    return Meta(x) if getattr(x, "_requires_grad", False) else None


def sum_to(g, shape):
    """Sum a broadcast gradient back to `shape` (the input's shape)."""
    shape = tuple(shape)
    if g._shape == shape:
        return g
    lead = len(g._shape) - len(shape)
    dims = list(range(lead))
    for i, n in enumerate(shape):
        if n == 1 and g._shape[lead + i] != 1:
            dims.append(lead + i)
    if dims:
        g = g.sum(tuple(dims), keepdim=True)
    return g.view(shape)


def fit(g, x):
    """g summed to x's shape and cast to x's dtype (binary ops broadcast and promote), on
    x's device (a 0-d cpu operand of a cuda op); x is a tensor or its Meta."""
    if g._shape != x._shape:
        g = sum_to(g, x._shape)
    if g._dtype.is_complex and not x._dtype.is_complex:
        g = real_part(g)  # a real input of a complex result: torch keeps the real part
    if g._dtype is not x._dtype:
        g = g.to(x._dtype)
    if g._storage.device != x.device:
        g = g.to(x.device)
    return g


def real_part(g):
    """The real part of a complex gradient, a new tensor (no cast warning: not a cast)."""
    return E.unary("copy_real", g)


def conj(x):
    """conj(x) for a complex tensor or number; x itself for a real one. Holomorphic ops'
    gradients are g * conj(f'(x)) (torch's conjugate Wirtinger convention), which for
    functions with real coefficients is f'(conj(x))."""
    if isinstance(x, T.Tensor):
        return E.conj_physical(x) if x._dtype.is_complex else x
    return x.conjugate() if isinstance(x, complex) else x


def zeros(shape, like):
    """Zeros of `shape` with like's dtype and device."""
    return creation.zeros(tuple(shape), dtype=like._dtype, device=like._storage.device)
