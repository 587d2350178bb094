"""Ordering ops: sort, argsort, msort, topk, kthvalue, median, mode; searchsorted,
bucketize; unique, unique_consecutive; bincount, histc.

The backend sorts (stably, nan largest: torch's order) and searches; the rest is written
with sort, indexing and the scatter ops, so it runs on every device. Values picked by an
order are gathered from the input, so autograd differentiates them through gather.
"""
import numpy as np

from .. import _tensor as T
from .. import dtypes as D
from ..layout import wrap_dim
from . import elementwise as E
from .dispatch import GradMode
from .reduction import _ValuesIndices


def _result(name):
    """A (values, indices) tuple printed as torch.return_types.<name>."""
    return type(f"{name.capitalize()}Result", (_ValuesIndices,), {"__slots__": (), "_name": name})


SortResult, TopkResult, KthvalueResult = _result("sort"), _result("topk"), _result("kthvalue")
MedianResult, ModeResult = _result("median"), _result("mode")


def _order(x, d, descending):
    """(sorted values, int64 indices) of x along d, both in x's memory layout."""
    values = T.empty_strided_like(x._shape, x._dtype, x.device, like=x)
    indices = T.empty_strided_like(x._shape, D.int64, x.device, like=x)
    if x.numel():
        T.backends.get(x._storage.device.type).sort(values, indices, x, d, descending)
    if GradMode.enabled and x._requires_grad:  # the values again, through gather's graph
        values = x.gather(d, indices) if x.dim() else x.clone()
    return values, indices


def _dim(x, dim):
    return wrap_dim(dim, max(x.dim(), 1)) if x.dim() else 0


def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices) along dim; always stable (torch's cpu sort is too)."""
    E.check_not_complex("sort", input._dtype)
    if not input.dim():
        _dim(input, dim)
        from ..creation import zeros
        return SortResult(input.clone(), zeros((), dtype=D.int64, device=input.device))
    return SortResult(*_order(input, _dim(input, dim), descending))


def argsort(input, dim=-1, descending=False, stable=False):
    return sort(input, dim, descending, stable)[1]


def msort(input):
    return sort(input, 0)[0]


def topk(input, k, dim=-1, largest=True, sorted=True):
    """The k largest (or smallest) elements along dim, in order, and their indices."""
    E.check_not_complex("topk", input._dtype)
    d = _dim(input, dim)
    n = input._shape[d] if input.dim() else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    if not input.dim():
        return TopkResult(*sort(input))
    shape = input._shape[:d] + (k,) + input._shape[d + 1:]
    values = T.empty_tensor(shape, input._dtype, input.device)
    indices = T.empty_tensor(shape, D.int64, input.device)
    if values.numel():
        T.backends.get(input._storage.device.type).topk(values, indices, input, d, k, largest)
    if GradMode.enabled and input._requires_grad:  # the values again, through gather's graph
        values = input.gather(d, indices)
    return TopkResult(values, indices)


def kthvalue(input, k, dim=-1, keepdim=False):
    """The k-th smallest element along dim (k from 1) and its index."""
    E.check_not_complex("kthvalue", input._dtype)
    d = _dim(input, dim)
    n = input._shape[d] if input.dim() else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    return KthvalueResult(*_pick(input, d, k - 1, keepdim))


def _pick(x, d, position, keepdim):
    """(value, index) at `position` of x sorted along d."""
    values, indices = sort(x, d)
    if not x.dim():
        return values, indices
    value, index = values.select(d, position), indices.select(d, position)
    if keepdim:
        value, index = value.unsqueeze(d), index.unsqueeze(d)
    return value.contiguous(), index.contiguous()


def median(input, dim=None, keepdim=False):
    """The lower median: of all elements (a 0-d tensor; nan if any is nan), or along dim
    with its index."""
    E.check_not_complex("median", input._dtype)
    if dim is None:
        if not input.numel():  # torch's: nan, or the integer dtype's least value
            from ..creation import full
            empty = (float("nan") if input._dtype.is_floating_point
                     else int(np.iinfo(input._dtype.np).min) if input._dtype is not D.bool_
                     else False)
            return full((), empty, dtype=input._dtype, device=input.device)
        flat = sort(input.reshape(-1))[0]
        return _nan_or(flat, flat[(input.numel() - 1) // 2])
    d = _dim(input, dim)
    n = input._shape[d] if input.dim() else 1
    if not n:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    values, indices = sort(input, d)
    if not input.dim():
        return MedianResult(values, indices)
    # nan sorts last: the first nan of a row is its median (torch's rule)
    nans = E.isnan(values) if input._dtype.is_floating_point else None
    at = (n - 1) // 2
    if nans is not None and nans.any().item():
        from ..creation import full
        first_nan = E.sub(full((), n, dtype=D.int64, device=input.device),
                          nans.sum(d, keepdim=True))
        position = E.where(nans.any(d, keepdim=True), first_nan,
                           full((), at, dtype=D.int64, device=input.device))
        value, index = values.gather(d, position), indices.gather(d, position)
        if not keepdim:
            value, index = value.squeeze(d), index.squeeze(d)
        return MedianResult(value, index)
    value, index = values.select(d, at), indices.select(d, at)
    if keepdim:
        value, index = value.unsqueeze(d), index.unsqueeze(d)
    return MedianResult(value.contiguous(), index.contiguous())


def _nan_or(flat, value):
    """value, or nan when the (sorted) flat values end with one."""
    if flat._dtype.is_floating_point and E.isnan(flat[-1]).item():
        return flat[-1].clone()
    return value.clone()


def mode(input, dim=-1, keepdim=False):
    """The most frequent value along dim (the smallest among equally frequent ones) and
    the index of its last occurrence."""
    E.check_not_complex("mode", input._dtype)
    d = _dim(input, dim)
    if not input.dim():
        from ..creation import zeros
        return ModeResult(input.clone(), zeros((), dtype=D.int64, device=input.device))
    n = input._shape[d]
    moved = input.movedim(d, -1)
    shape = moved._shape[:-1]
    if not n:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    values, order = sort(moved.reshape(-1, n), 1)
    v, o = values._host_values(), order._host_values()
    # each run of equal sorted values ends where the next differs; its length is its end's
    # position less its start's: the first longest run holds the smallest most frequent
    # value, and its end the last occurrence (the sort is stable)
    at = np.arange(n)
    ends = np.ones_like(v, dtype=bool)
    ends[:, :-1] = v[:, 1:] != v[:, :-1]
    starts = np.zeros_like(ends)
    starts[:, 0] = True
    starts[:, 1:] = ends[:, :-1]
    run_start = np.maximum.accumulate(np.where(starts, at, 0), axis=1)
    best = np.argmax(np.where(ends, at - run_start + 1, 0), axis=1)
    rows = np.arange(v.shape[0])
    from ..creation import tensor
    index = tensor(o[rows, best].astype(np.int64), device=input.device).reshape(shape)
    value = moved.reshape(-1, n).gather(1, index.reshape(-1, 1)).reshape(shape)
    if keepdim:
        value, index = value.unsqueeze(d), index.unsqueeze(d)
    return ModeResult(value, index)


# --- searching ------------------------------------------------------------------------------

def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None):
    """Where each value of input would go in sorted_sequence (a 1-D sequence for all
    values, or one sorted row per row of input) to keep it sorted."""
    E.check_not_complex("searchsorted", sorted_sequence._dtype)
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               "got side of left while right was True")
        right = side == "right"
    if sorter is not None:
        sorted_sequence = sorted_sequence.gather(-1, sorter)
    scalar = not E.is_tensor(input)
    if scalar:
        from ..creation import full
        input = full((), input, dtype=sorted_sequence._dtype, device=sorted_sequence.device)
    seq = sorted_sequence
    if seq.dim() > 1 and seq._shape[:-1] != input._shape[:-1]:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the "
                           "first N-1 dimensions of boundaries tensor and input value tensor must "
                           f"match, but we got boundaries tensor {list(seq._shape)} and input "
                           f"value tensor {list(input._shape)}")
    if input._dtype is not seq._dtype:
        common = E.result_type(seq, input)
        seq, input = E.to_dtype(seq, common), E.to_dtype(input, common)
    out = T.empty_tensor(input._shape, D.int32 if out_int32 else D.int64, input.device)
    if seq.dim() > 1:
        rows = seq._shape[-1]
        values = input.reshape(-1, input._shape[-1] if input.dim() else 1)
        T.backends.get(seq._storage.device.type).searchsorted(
            out.view(values._shape), seq.reshape(-1, rows), values, right)
    else:
        T.backends.get(seq._storage.device.type).searchsorted(out, seq, input, right)
    return out


def bucketize(input, boundaries, *, out_int32=False, right=False):
    if boundaries.dim() != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim("
                           f"{boundaries.dim()})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


# --- distinct values, counts ----------------------------------------------------------------

def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values of input (flattened), sorted; with the index of each input
    element among them and how often each occurs, when asked."""
    E.check_not_complex("unique", input._dtype)
    if dim is not None:
        return _unique_dim(input, dim, return_inverse, return_counts)
    values, order = sort(input.reshape(-1))
    return _runs(values, order, input._shape, return_inverse, return_counts)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """The first value of each run of equal consecutive elements (flattened)."""
    if dim is not None:
        return _unique_dim(input, dim, return_inverse, return_counts, consecutive=True)
    from ..creation import arange
    flat = input.reshape(-1)
    return _runs(flat, arange(flat.numel(), device=input.device), input._shape,
                 return_inverse, return_counts)


def _runs(values, order, shape, return_inverse, return_counts):
    """Distinct values of the runs of 1-D `values` (input's elements, reordered by
    `order`), each run's length, and each input element's run."""
    from ..creation import full
    n = values.numel()
    starts = full((n,), True, dtype=D.bool_, device=values.device)
    if n > 1:
        starts[1:] = E.ne(values[1:], values[:-1])
    distinct = values[starts]
    result = [distinct]
    if return_inverse:
        run = E.sub(starts.cumsum(0), 1)
        inverse = T.empty_tensor((n,), D.int64, values.device)
        if n:
            inverse[order] = run
        result.append(inverse.reshape(shape))
    if return_counts:
        edges = starts.nonzero().reshape(-1)
        ends = full((1,), n, dtype=D.int64, device=values.device)
        from .joining import cat
        result.append(cat([edges[1:], ends]) - edges if n else edges)
    return result[0] if len(result) == 1 else tuple(result)


def _unique_dim(input, dim, return_inverse, return_counts, consecutive=False):
    """unique over the slices of input along dim, compared whole (on the host)."""
    d = wrap_dim(dim, max(input.dim(), 1))
    moved = np.moveaxis(input._host_values(), d, 0)
    rows = moved.reshape(moved.shape[0], -1)
    if consecutive:
        keep = np.r_[True, (rows[1:] != rows[:-1]).any(1)] if len(rows) else np.zeros(0, bool)
        inverse = np.cumsum(keep) - 1
        counts = np.diff(np.r_[np.flatnonzero(keep), len(rows)])
        picked = moved[keep]
    else:
        picked, inverse, counts = np.unique(moved, axis=0, return_inverse=True,
                                            return_counts=True)
    from ..creation import tensor
    result = [tensor(np.moveaxis(picked, 0, d).copy(), device=input.device)]
    if return_inverse:
        result.append(tensor(inverse.reshape(-1).astype(np.int64), device=input.device))
    if return_counts:
        result.append(tensor(counts.astype(np.int64), device=input.device))
    return result[0] if len(result) == 1 else tuple(result)


def bincount(input, weights=None, minlength=0):
    """How often each non-negative integer occurs in 1-D input (or the sum of its
    weights): a vector of length max(input) + 1, at least minlength."""
    if input.dim() != 1 or input._dtype.is_floating_point or input._dtype is D.bool_:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and weights._shape != input._shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if input.numel() and input.amin().item() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    n = max(int(input.amax().item()) + 1 if input.numel() else 0, minlength)
    from ..creation import ones, zeros
    dtype = D.int64 if weights is None else (
        weights._dtype if weights._dtype is D.float64 else D.float32)
    out = zeros(n, dtype=dtype, device=input.device)
    source = (ones(input._shape, dtype=dtype, device=input.device) if weights is None
              else E.to_dtype(weights, dtype))
    return out.index_add_(0, input, source) if input.numel() else out


def histc(input, bins=100, min=0, max=0):
    """A histogram of input's values in `bins` equal bins over [min, max] (the data's range
    when both are 0); values outside are left out."""
    E.check_not_complex("histc", input._dtype)
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    if not input._dtype.is_floating_point:
        raise RuntimeError(f"\"histogram_cpu\" not implemented for "
                           f"'{E._TORCH_TYPE_NAMES[input._dtype.name]}'")
    lo, hi = float(min), float(max)
    if lo == hi and input.numel():
        lo, hi = input.amin().item(), input.amax().item()
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError("max must be larger than min")
    flat = input.reshape(-1)
    inside = E.logical_and(E.ge(flat, lo), E.le(flat, hi))
    kept = flat[inside]
    # torch's bin of x: floor((x - lo) * bins / (hi - lo)), the top edge in the last bin
    which = E.clamp(E.floor(E.div(E.mul(E.sub(kept, lo), bins), hi - lo)), max=bins - 1)
    from ..creation import ones, zeros
    out = zeros(bins, dtype=input._dtype, device=input.device)
    if kept.numel():
        out.index_add_(0, E.to_dtype(which, D.int64),
                       ones(kept._shape, dtype=input._dtype, device=input.device))
    return out
