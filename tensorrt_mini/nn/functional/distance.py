"""Distances and normalisation along a dim, composed of differentiable ops (vector norms,
elementwise arithmetic, index_select), so autograd derives their gradients; pdist alone
records one node, for torch's gradient where differences tie or rows coincide."""
import math

import numpy as np

from ... import creation
from ... import dtypes as D
from ...autograd.graph import record
from ...layout import broadcast_shapes
from ...linalg import vector_norm
from ...ops import elementwise as E
from ...ops.out_arg import with_out
from .core import _tracking, _untracked
from ...ops.autocast import autocast_op


def _norm_clamped_for_value_only(norm, eps):
    """norm floored at eps for its value, while its gradient passes as if unclamped: what
    torch's in-place clamp under no_grad gives cosine_similarity."""
    floor = norm.detach()
    return norm + (E.clamp(floor, min=eps) - floor)


_div = with_out(E.div)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p along dim, eps)."""
    denom = E.clamp(vector_norm(input, p, dim, keepdim=True), min=eps).expand_as(input)
    return _div(input, denom, out=out)


@autocast_op
def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 / ||x1|| * x2 / ||x2||) along dim after broadcasting x1 and x2, each norm
    floored at eps."""
    common = E.result_type(x1, x2)
    if not common.is_floating_point:
        raise RuntimeError("expected common dtype to be floating point, yet common dtype is "
                           f"{E._TORCH_TYPE_NAMES[common.name]}")
    shape = broadcast_shapes(x1._shape, x2._shape)
    x1, x2 = (x.to(common).expand(shape) for x in (x1, x2))
    n1 = _norm_clamped_for_value_only(vector_norm(x1, 2, dim, keepdim=True), eps)
    n2 = _norm_clamped_for_value_only(vector_norm(x2, 2, dim, keepdim=True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm of x1 - x2 + eps over the last dim of the broadcast inputs (eps keeps the
    norm's gradient finite where the points coincide)."""
    diff = x1 - x2 + eps
    if diff.dim() == 0:
        return vector_norm(diff, p)
    return vector_norm(diff, p, max(x1.dim(), x2.dim()) - 1, keepdim)


@autocast_op
def pdist(input, p=2):
    """The p-norm distance between every pair of rows i < j of an (N, M) input, in row-major
    order of the pairs, as ONE node: torch's gradient gives each tied largest difference of
    the inf-norm the whole gradient, and a pair of equal rows none."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if not input._dtype.is_floating_point:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    first, second = (creation.tensor(i, dtype=D.int64, device=input.device)
                     for i in np.triu_indices(input._shape[0], 1))

    def pair_differences(x):
        return x.index_select(0, first) - x.index_select(0, second)
    track = _tracking(input)
    out = _untracked(lambda: vector_norm(pair_differences(input), p, 1), track)
    if not track:
        return out

    def backward(g, x, dist):
        diff = pair_differences(x)
        d, g = dist.unsqueeze(1), g.unsqueeze(1)
        if p == 0:
            return (creation.zeros_like(x),)
        if p == 1:
            pair_grad = E.sign(diff) * g
        elif p == math.inf:
            pair_grad = E.sign(diff) * (E.abs(diff) == d) * g
        else:
            if p < 2:  # |diff| ** (p - 1) is infinite at 0 for p < 1: torch gives 0 there
                scaled = E.where(diff == 0, 0.0, E.sign(diff) * E.pow(E.abs(diff), p - 1))
            else:
                scaled = diff if p == 2 else diff * E.pow(E.abs(diff), p - 2)
            pair_grad = E.where(d == 0, 0.0, scaled * g / E.pow(d, p - 1))
        return (creation.zeros_like(x).index_add(0, first, pair_grad)
                .index_add(0, second, E.neg(pair_grad)),)
    return record("PdistBackward0", out, (input,), backward, (input, out))
