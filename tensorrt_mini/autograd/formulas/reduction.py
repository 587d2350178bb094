"""Derivatives of the reductions (ops/reduction.py).

The output gradient is given back its reduced dims (size 1) and expanded over the input.
amax/amin share the gradient evenly among tied extremes; max/min along a dim send it to
the index they returned, as PyTorch does.
"""
import math

from ... import creation
from ... import dtypes as D
from ...ops import elementwise as E
from ...ops.reduction import _dims, _moment_args
from ..graph import record, run
from .common import Meta, conj, register, zeros


def _unreduce(g, in_shape, dims, keepdim):
    """g with the reduced dims restored as size 1 (no copy)."""
    if keepdim or not dims:
        return g
    return g.view(tuple(1 if d in dims else n for d, n in enumerate(in_shape)))


def _spread(g, x, dims, keepdim):
    """g broadcast over the reduced dims, in x's dtype."""
    g = _unreduce(g, x._shape, dims, keepdim).expand(x._shape)
    return g if g._dtype is x._dtype else g.to(x._dtype)


@register("sum")
def _sum(raw, x, dim=None, keepdim=False, *, dtype=None):
    out = run(raw, x, dim, keepdim, dtype=dtype)
    dims, mx = _dims(x, dim), Meta(x)
    return record("SumBackward0" if dim is None else "SumBackward1", out, (x,),
                  lambda g: (_spread(g, mx, dims, keepdim),))


@register("mean")
def _mean(raw, x, dim=None, keepdim=False, *, dtype=None):
    out = run(raw, x, dim, keepdim, dtype=dtype)
    dims, mx = _dims(x, dim), Meta(x)
    count = math.prod(x._shape[d] for d in dims)
    return record("MeanBackward0" if dim is None else "MeanBackward1", out, (x,),
                  lambda g: (_spread(g / count, mx, dims, keepdim),))


@register("prod")
def _prod(raw, x, dim=None, keepdim=False, *, dtype=None):
    out = run(raw, x, dim, keepdim, dtype=dtype)
    dims = _dims(x, dim if dim is None else (dim,) if isinstance(dim, int) else dim)
    mx = Meta(x)

    def backward(g, x_):
        # d/dx_i of a product is the product of the others; zeros make out / x_i unusable:
        # with one zero in a group only that element gets the others' product, with two none
        is_zero = x_ == 0
        nonzero = E.where(is_zero, 1.0, x_)
        others = nonzero
        for d in dims:
            others = others.prod(d, keepdim=True)
        zero_count = is_zero.sum(dims, keepdim=True)
        grad = E.where(zero_count == 0, others / nonzero,
                       E.where((zero_count == 1) & is_zero, others, 0.0))
        return (_spread(g, mx, dims, keepdim) * conj(grad),)
    return record("ProdBackward0" if dim is None else "ProdBackward1", out, (x,), backward, (x,))


def _moment_scale(x, dim, correction, unbiased, numerator):
    """(reduced dims, numerator / (n - correction)): the factor var's and std's gradients
    share; infinite when the divisor is not positive, as the forward gives inf/nan."""
    dims, correction = _moment_args(x, dim, correction, unbiased)
    n = math.prod(x._shape[d] for d in dims)
    return dims, (numerator / (n - correction) if n > correction else math.inf)


@register("var")
def _var(raw, x, dim=None, *, correction=None, keepdim=False, unbiased=None):
    out = run(raw, x, dim, correction=correction, keepdim=keepdim, unbiased=unbiased)
    dims, scale = _moment_scale(x, dim, correction, unbiased, 2.0)
    in_shape = x._shape

    def backward(g, x_):
        centred = x_ - x_.mean(dims, keepdim=True)
        return (_unreduce(g, in_shape, dims, keepdim) * scale * centred,)
    return record("VarBackward0", out, (x,), backward, (x,))


@register("std")
def _std(raw, x, dim=None, *, correction=None, keepdim=False, unbiased=None):
    out = run(raw, x, dim, correction=correction, keepdim=keepdim, unbiased=unbiased)
    dims, scale = _moment_scale(x, dim, correction, unbiased, 1.0)
    in_shape = x._shape

    def backward(g, x_, out_):
        # d std = d var / (2 std); PyTorch gives zero where std is zero
        out_k = _unreduce(out_, in_shape, dims, keepdim)
        g_k = _unreduce(g, in_shape, dims, keepdim)
        g_k = E.where(out_k == 0, 0.0, g_k / out_k)
        centred = x_ - x_.mean(dims, keepdim=True)
        return (g_k * scale * centred,)
    return record("StdBackward0", out, (x,), backward, (x, out))


def _even(node):
    """amax/amin: ties share the gradient evenly."""
    def derivative(raw, x, dim=(), keepdim=False):
        out = run(raw, x, dim, keepdim)
        dims, in_shape = _dims(x, dim), x._shape

        def backward(g, x_, out_):
            hit = x_ == _unreduce(out_, in_shape, dims, keepdim)
            count = hit.sum(dims, keepdim=True)
            return (_unreduce(g, in_shape, dims, keepdim) * hit / count,)
        return record(node, out, (x,), backward, (x, out))
    return derivative


register("amax")(_even("AmaxBackward0"))
register("amin")(_even("AminBackward0"))


def _routed(node):
    """max/min along a dim: the gradient goes to the returned index."""
    def derivative(raw, x, dim, keepdim=False):
        result = run(raw, x, dim, keepdim)
        values, indices = result
        in_shape = x._shape
        nd = len(in_shape)

        def backward(g, idx):
            if nd == 0:
                return (g.reshape(()),)
            d = dim % nd
            g_k = _unreduce(g, in_shape, (d,), keepdim)
            idx_k = _unreduce(idx, in_shape, (d,), keepdim)
            z = zeros(in_shape, g)
            where = []
            for k, n in enumerate(in_shape):
                if k == d:
                    where.append(idx_k)
                else:
                    shape_k = [1] * nd
                    shape_k[k] = n
                    where.append(creation.arange(n, dtype=D.int64, device=g._storage.device)
                                 .view(shape_k))
            z[tuple(where)] = g_k
            return (z,)
        record(node, values, (x,), backward, (indices,))
        return result
    return derivative


register("max_dim")(_routed("MaxBackward0"))
register("min_dim")(_routed("MinBackward0"))
