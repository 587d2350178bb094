"""Derivatives of the scans (ops/scans.py): each output element depends on the inputs at
and before it along the dim, so each input's gradient sums the output gradients at and
after it (a reversed cumsum), weighted by the scan's local derivative."""
from ... import dtypes as D
from ...layout import wrap_dim
from ...ops import elementwise as E
from ...ops import scans as S
from ..graph import record, run
from .common import fit, meta, register


def _reverse_cumsum(g, d):
    return S.cumsum(g.flip((d,)), d).flip((d,))


@register("cumsum")
def _cumsum(raw, x, dim, *, dtype=None):
    out = run(raw, x, dim, dtype=dtype)
    d = wrap_dim(dim, max(x.dim(), 1))
    m = meta(x)

    def backward(g):
        return (fit(_reverse_cumsum(g, d) if g.dim() else g, m),)
    return record("CumsumBackward0", out, (x,), backward)


@register("cumprod")
def _cumprod(raw, x, dim, *, dtype=None):
    """d out_j / d x_i = out_j / x_i for i <= j while x_i != 0. Before a row's first zero
    that holds (later outputs are 0 anyway); at the first zero, the gradient is the
    reversed cumsum of g times the products that skip it; after it, 0."""
    out = run(raw, x, dim, dtype=dtype)
    d = wrap_dim(dim, max(x.dim(), 1))
    m = meta(x)

    def backward(g, x, out):
        if not g.dim():
            return (fit(g, m),)
        zero = E.eq(x, 0)
        zeros_so_far = S.cumsum(zero, d)
        before = E.eq(zeros_so_far, 0)
        first_zero = E.logical_and(zero, E.eq(zeros_so_far, 1))
        safe_x = E.where(before, x, 1)
        grad = E.div(_reverse_cumsum(E.mul(g, out), d), safe_x)
        skipping = S.cumprod(E.where(first_zero, 1, x), d)
        at_zero = _reverse_cumsum(E.mul(g, skipping), d)
        return (fit(E.where(before, grad, E.where(first_zero, at_zero, 0)), m),)
    return record("CumprodBackward0", out, (x,), backward, (x, out))


@register("logcumsumexp")
def _logcumsumexp(raw, x, dim):
    """d out_j / d x_i = exp(x_i - out_j) for i <= j: the gradient of x_i is
    exp(x_i) * sum_{j >= i} g_j exp(-out_j), summed in the log domain, positive and
    negative parts of g apart, so that nothing overflows. A part's missing entries are the
    dtype's lowest number rather than log(0) = -inf, so the formula is itself
    differentiable (create_graph=True) without infinities, as torch's is."""
    out = run(raw, x, dim)
    d = wrap_dim(dim, max(x.dim(), 1))

    def backward(g, x, out):
        if not g.dim():
            return (g,)
        lowest = float(D.finfo(x._dtype).min)
        log_size = E.log(E.abs(g))

        def part(present):  # x_i + log(sum_{j >= i, present} |g_j| exp(-out_j))
            terms = E.sub(E.where(present, log_size, lowest), out)
            return E.add(x, S.logcumsumexp(terms.flip((d,)), d).flip((d,)))
        return (E.sub(E.exp(part(E.gt(g, 0))), E.exp(part(E.lt(g, 0)))),)
    return record("LogcumsumexpBackward0", out, (x,), backward, (x, out))
