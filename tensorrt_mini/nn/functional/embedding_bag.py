"""embedding_bag: the sum, mean or max of each bag of embedding rows, without the (bags,
rows, dim) tensor that embedding followed by a reduction would make.

The bags are read on the host (torch's cpu kernel reads its offsets there too): each kept
position gets its bag's number, padding positions are dropped, and the reduction is one
index_add (sum, mean) or one scatter_reduce (max) over the looked-up rows. One autograd
node, EmbeddingBagBackward0, scatters the gradient back to the rows and, in sum mode, to
per_sample_weights.
"""
import numpy as np

from ... import creation
from ... import dtypes as D
from ..._tensor import Tensor
from ...autograd.graph import record
from ...autograd.grad_mode import no_grad
from ...ops import elementwise as E
from ...names import NAMESPACE
from ...ops.joining import cat
from .core import _renorm_rows_, _tracking, _untracked

_MODES = ("sum", "mean", "max")


def _flat_bags(input, offsets, per_sample_weights):
    """torch's argument checks, in its order; the indices as one row, bag offsets, weights."""
    if per_sample_weights is not None and input._shape != per_sample_weights._shape:
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is "
                         f"not None, then it must have the same shape as the input "
                         f"({input.shape})")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found offsets "
                             f"of type {_type_text(offsets)}")
        offsets = np.arange(0, input.numel(), input._shape[1]) if input._shape[1] else \
            np.zeros(input._shape[0], np.int64)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
        return input.reshape(-1), offsets, per_sample_weights
    if input.dim() != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.dim()}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.dim() != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    return input, offsets.cpu().numpy().astype(np.int64), per_sample_weights


def _type_text(value):
    """str(type(value)) as torch prints it, tm's tensors as torch.Tensor."""
    return f"<class '{NAMESPACE}.Tensor'>" if isinstance(value, Tensor) else str(type(value))


def _check_mode(mode, scale_grad_by_freq, sparse):
    if mode not in _MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")


def _bags(ids, offsets, include_last_offset, padding_idx, num):
    """Per kept position: its index into the input and its bag; and the bag count."""
    n = len(ids)
    if len(offsets) and offsets[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
                           f"has to start from position 0. However, got {offsets[0]}")
    if len(offsets) and offsets[-1] > n:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but got "
                           f"offsets[-1] of {offsets[-1]}")
    bad = np.flatnonzero((ids < 0) | (ids >= num))
    if bad.size:
        raise RuntimeError(f"Index {bad[0]} of input takes value {ids[bad[0]]} which is not in "
                           f"the valid range [0, {num})")
    starts = offsets[:-1] if include_last_offset else offsets
    ends = offsets[1:] if include_last_offset else np.append(offsets[1:], n)
    lengths = ends - starts
    if (lengths < 0).any():
        raise RuntimeError("embedding_bag: offsets must be non-decreasing")
    bag = np.repeat(np.arange(len(starts)), lengths)
    position = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(len(bag))
    if padding_idx is not None:
        kept = ids[position] != padding_idx
        bag, position = bag[kept], position[kept]
    return position, bag, len(starts)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    input, offsets, per_sample_weights = _flat_bags(input, offsets, per_sample_weights)
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.dim()}")
    _check_mode(mode, scale_grad_by_freq, sparse)
    if sparse:
        raise NotImplementedError("tensorrt_mini has no sparse tensors: embedding_bag(sparse=True)"
                                  " is not supported")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            f"GitHub.")
    if input._dtype not in (D.int64, D.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following "
                           f"scalar types: Long, Int; but got {input.type()} instead (while "
                           "checking arguments for embedding_bag)")
    E.check_same_device(weight, input)
    num, dim = weight._shape
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, -{num} "
                               f"through {num - 1}, but got {padding_idx}")
        padding_idx %= num
    ids = input.cpu().numpy().astype(np.int64)
    position, bag, bags = _bags(ids, offsets, include_last_offset, padding_idx, num)
    if max_norm is not None:
        _renorm_rows_(weight, np.unique(ids[position]), max_norm, norm_type)

    dev = weight.device
    row_ids = creation.tensor(ids[position], dtype=D.int64, device=dev)
    bag_t = creation.tensor(bag, dtype=D.int64, device=dev)
    count = np.bincount(bag, minlength=bags)
    track = _tracking(weight, per_sample_weights)
    # the kept positions, where per-sample weights are read and their gradient written
    position_t = None if per_sample_weights is None else \
        creation.tensor(position, dtype=D.int64, device=dev)
    with no_grad():
        rows = weight.index_select(0, row_ids)
        psw = None if per_sample_weights is None else \
            per_sample_weights.index_select(0, position_t)

    def forward():
        out = creation.zeros((bags, dim), dtype=weight._dtype, device=dev)
        if mode == "max":
            return out.scatter_reduce_(0, bag_t.unsqueeze(1).expand(len(bag), dim), rows, "amax",
                                       include_self=False)
        out.index_add_(0, bag_t, rows if psw is None else rows * psw.unsqueeze(1))
        if mode == "mean":  # an empty bag stays 0
            out /= creation.tensor(np.maximum(count, 1), dtype=weight._dtype,
                                   device=dev).unsqueeze(1)
        return out
    out = _untracked(forward, track)
    if not track:
        return out

    def backward(g):
        per_row = g.index_select(0, bag_t)
        grad_w = grad_psw = None
        if per_sample_weights is not None and per_sample_weights._requires_grad:
            grad_psw = creation.zeros((len(ids),), dtype=g._dtype, device=dev).index_add_(
                0, position_t, (per_row * rows).sum(1))
            grad_psw = grad_psw.view(per_sample_weights._shape)
        if weight._requires_grad:
            if mode == "max":
                per_row = per_row * _first_maxima(rows, out, bag_t, count)
            elif mode == "mean":  # times 1/count, as torch scales (not a division)
                per_row = per_row * creation.tensor(1.0 / count[bag], dtype=g._dtype,
                                                    device=dev).unsqueeze(1)
            elif psw is not None:
                per_row = per_row * psw.unsqueeze(1)
            if scale_grad_by_freq:  # each row's gradient divided by its id's count
                freq = np.bincount(ids, minlength=num)[ids[position]]
                per_row = per_row / creation.tensor(freq, dtype=g._dtype, device=dev).unsqueeze(1)
            grad_w = creation.zeros((num, dim), dtype=g._dtype, device=dev).index_add_(
                0, row_ids, per_row)
        return grad_w, grad_psw
    return record("EmbeddingBagBackward0", out, (weight, per_sample_weights), backward)


def _first_maxima(rows, out, bag_t, count):
    """A mask of the rows that gave each bag's maximum, per column: the first in bag order
    where several tie, as torch's kernel keeps the first it meets."""
    hit = (rows == out.index_select(0, bag_t)).to(D.int64)
    seen = hit.cumsum(0)
    first_of_bag = creation.tensor(np.cumsum(count) - count, dtype=D.int64, device=rows.device)
    before = cat([creation.zeros((1, rows._shape[1]), dtype=D.int64,
                                          device=rows.device), seen]).index_select(0, first_of_bag)
    return (hit * (seen - before.index_select(0, bag_t) == 1)).to(rows._dtype)
