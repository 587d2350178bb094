"""Derivatives of scatter and scatter_reduce (ops/scattering.py); the other scatter ops are
written with these two.

An element of src reaches the output at the position its index names: its gradient is
the output gradient gathered there (scaled, for mean, prod, amax and amin, by how much
that src element counted). The input keeps its gradient where nothing was scattered,
and where it took part in the reduction.
"""
from ... import creation
from ...layout import wrap_dim
from ...ops import elementwise as E
from ...ops import scattering as S
from ..graph import record, run
from .common import meta, register


@register("scatter")
def _scatter(raw, input, dim, index, src=None, value=None, *, reduce=None):
    if reduce is not None:  # the legacy reduce= is a scatter_reduce
        return S.scatter_reduce(input, dim, index, S._source(input, index, src, value),
                                S._legacy_reduce(reduce))
    out = run(raw, input, dim, index, src, value)
    d = wrap_dim(dim, max(input.dim(), 1))
    m_in, m_src = meta(input), meta(src)

    def backward(g, index):
        return (S.scatter(g, d, index, value=0) if m_in else None,
                _to_src(_gathered(g, d, index), m_src) if m_src else None)
    return record("ScatterBackward0" if E.is_tensor(src) else "ScatterBackward1", out,
                  (input, src), backward, (index,))


@register("scatter_reduce")
def _scatter_reduce(raw, input, dim, index, src, reduce, *, include_self=True):
    out = run(raw, input, dim, index, src, reduce, include_self=include_self)
    d = wrap_dim(dim, max(input.dim(), 1))
    m_in, m_src = meta(input), meta(src)
    part = _index_part(src, index)
    backward = _BACKWARDS[reduce](d, include_self, m_in, m_src)
    saved = (index, input, part, out) if reduce in ("prod", "amax", "amin") else (index,)
    return record("ScatterReduceBackward0", out, (input, src), backward, saved)


def _sum_backward(d, include_self, m_in, m_src):
    def backward(g, index):
        g_in = g if include_self else S.scatter(g, d, index, value=0)
        return (g_in if m_in else None,
                _to_src(_gathered(g, d, index), m_src) if m_src else None)
    return backward


def _mean_backward(d, include_self, m_in, m_src):
    def backward(g, index):
        counts = _counts(g, d, index, include_self)
        share = E.div(g, counts)
        g_in = share if include_self else S.scatter(share, d, index, value=0)
        return (g_in if m_in else None,
                _to_src(_gathered(share, d, index), m_src) if m_src else None)
    return backward


def _extreme_backward(d, include_self, m_in, m_src):
    """amax and amin: the gradient is shared evenly by the elements equal to the result
    (torch counts the input's element among them even with include_self=False)."""
    def backward(g, index, input, part, out):
        in_is = E.eq(input, out)
        part_is = E.eq(part, _gathered(out, d, index))
        ties = S.scatter_add(in_is.to(g._dtype), d, index, part_is.to(g._dtype))
        share = E.div(g, E.clamp(ties, min=1))
        g_in = E.where(in_is, share, 0.0)
        if not include_self:  # the input counts only where nothing was scattered
            g_in = E.where(_scattered(g, d, index), 0.0, g)
        return (g_in if m_in else None,
                _to_src(E.where(part_is, _gathered(share, d, index), 0.0), m_src)
                if m_src else None)
    return backward


def _prod_backward(d, include_self, m_in, m_src):
    """prod: d(result)/d(x) is the product of the others, result / x where x is not zero;
    where it is, the others' product when x is its position's only zero, else 0."""
    def backward(g, index, input, part, out):
        in_zero, part_zero = E.eq(input, 0), E.eq(part, 0)
        zeros = S.scatter_add(in_zero.to(g._dtype) if include_self else creation.zeros(
            input._shape, dtype=g._dtype, device=g.device), d, index, part_zero.to(g._dtype))
        others = S.scatter_reduce(E.where(in_zero, 1.0, input), d, index,
                                  E.where(part_zero, 1.0, part), "prod",
                                  include_self=include_self)
        g_in = E.where(in_zero, E.where(E.eq(zeros, 1), E.mul(g, others), 0.0),
                       E.div(E.mul(g, out), input))
        if not include_self:
            g_in = E.where(_scattered(g, d, index), 0.0, g)
        gz, gout = _gathered(g, d, index), _gathered(out, d, index)
        lone = E.eq(_gathered(zeros, d, index), 1)
        g_part = E.where(part_zero, E.where(lone, E.mul(gz, _gathered(others, d, index)), 0.0),
                         E.div(E.mul(gz, gout), part))
        return (g_in if m_in else None, _to_src(g_part, m_src) if m_src else None)
    return backward


_BACKWARDS = {"sum": _sum_backward, "mean": _mean_backward, "prod": _prod_backward,
              "amax": _extreme_backward, "amin": _extreme_backward}


def _index_part(src, index):
    """The part of src that scatter reads: index's shape from src's start."""
    if not index.dim():
        return src.reshape(())
    return src[tuple(slice(0, n) for n in index._shape)]


def _gathered(t, d, index):
    """t's elements at index along d (index's shape)."""
    if not t.dim():
        return t.reshape(1)[index.reshape(-1)].reshape(index._shape)
    return t.gather(d, index)


def _scattered(like, d, index):
    """True where index names an element of a tensor of like's shape."""
    marks = creation.zeros(like._shape, dtype=like._dtype, device=like.device).bool()
    return S.scatter(marks, d, index, value=True)


def _counts(like, d, index, include_self):
    """How many values each element's mean took (1 where it took none)."""
    start = creation.full(like._shape, 1 if include_self else 0, dtype=like._dtype,
                          device=like.device)
    ones = creation.ones(index._shape, dtype=like._dtype, device=like.device)
    return E.clamp(S.scatter_add(start, d, index, ones), min=1)


def _to_src(g_part, m_src):
    """The gradient of src: g_part where scatter read src, zeros beyond index's shape."""
    if g_part._shape == m_src._shape:
        return g_part
    if not m_src._shape:
        return g_part.reshape(())
    grad = creation.zeros(m_src._shape, dtype=g_part._dtype, device=m_src.device)
    grad[tuple(slice(0, n) for n in g_part._shape)] = g_part
    return grad
