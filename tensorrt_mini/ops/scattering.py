"""Scatter ops: values written, or combined by a reduction, into input at positions an
index tensor gives: scatter, scatter_add, scatter_reduce, index_add, index_copy,
index_fill, index_put, masked_scatter and put_; and the reads that pair with them:
masked_select, take, take_along_dim and argwhere.

Every scatter turns its index into int64 storage offsets (on the tensors' device) and
calls the backend's `put_` or `put_reduce_`. The out-of-place `scatter` and
`scatter_reduce` are the differentiable ops (autograd/formulas/scattering.py); the rest
are written with them, and an in-place form writes the out-of-place result back into
input when autograd records (so the graph is rebased as for any in-place op) and
scatters straight into input when it does not. Checks and messages are torch's.
"""
import numpy as np

from .. import _tensor as T
from .. import dtypes as D
from ..layout import broadcast_shapes, has_internal_overlap, wrap_dim
from . import elementwise as E
from .dispatch import GradMode, differentiable
from .indexing import broadcast_indices, index_put_ as _put_offsets, nonzero, storage_offsets
from .indexing import _basic, _normalize, _offsets, setitem
from .autocast import autocast_op

REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")
_LEGACY_REDUCE = {"add": "sum", "multiply": "prod"}  # scatter_'s deprecated reduce=


# --- the differentiable core ---------------------------------------------------------------

@differentiable
def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """A copy of input with out[..., index[i], ...] = src[i] (or value) along dim."""
    if reduce is not None:
        return scatter_reduce(input, dim, index, _source(input, index, src, value),
                              _legacy_reduce(reduce))
    out = input.clone()
    _scatter_into(out, dim, index, src if src is not None else value, None, "scatter")
    return out


@differentiable
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """A copy of input where each src[i] is combined, by reduce, into the element of out
    that index[i] names along dim; with include_self=False, the input's value there takes
    no part."""
    _check_reduce(reduce)
    out = input.clone()
    _scatter_into(out, dim, index, src, reduce, "scatter_reduce", include_self)
    return out


def _check_reduce(reduce):
    if reduce not in REDUCTIONS:
        raise RuntimeError("reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")


@autocast_op
def scatter_add(input, dim, index, src):
    return scatter_reduce(input, dim, index, src, "sum")


def _source(input, index, src, value):
    """scatter's source as a tensor: src, or a number (positional or value=) filled out."""
    if E.is_tensor(src):
        return src
    from ..creation import full
    return full(index._shape, value if src is None else src, dtype=input._dtype,
                device=input.device)


def _legacy_reduce(reduce):
    try:
        return _LEGACY_REDUCE[reduce]
    except KeyError:
        raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}") \
            from None


# --- in-place forms ------------------------------------------------------------------------

def _recording(*tensors):
    return GradMode.enabled and any(t is not None and getattr(t, "_requires_grad", False)
                                    for t in tensors)


def scatter_(input, dim, index, src=None, value=None, *, reduce=None):
    if _recording(input, src):
        return input.copy_(scatter(input, dim, index, src, value, reduce=reduce))
    if reduce is not None:
        _scatter_into(input, dim, index, _source(input, index, src, value),
                      _legacy_reduce(reduce), "scatter_")
    else:
        _scatter_into(input, dim, index, src if src is not None else value, None, "scatter_")
    return input


def scatter_reduce_(input, dim, index, src, reduce, *, include_self=True):
    if _recording(input, src) or reduce == "mean":  # mean divides after the sums: a copy
        return input.copy_(scatter_reduce(input, dim, index, src, reduce,
                                          include_self=include_self))
    _check_reduce(reduce)
    _scatter_into(input, dim, index, src, reduce, "scatter_reduce_", include_self)
    return input


def scatter_add_(input, dim, index, src):
    return scatter_reduce_(input, dim, index, src, "sum")


# --- the scatter itself --------------------------------------------------------------------

def _scatter_into(out, dim, index, src, reduce, name, include_self=True):
    """out[..., index, ...] (along dim) := src, or reduce(out there, src): checked first,
    so nothing is written when a check fails."""
    nd = out.dim()
    d = wrap_dim(dim, max(nd, 1))
    _check_scatter(name, out, d, index, src)
    E.check_writable(out)
    if has_internal_overlap(out._shape, out._stride):
        raise RuntimeError("unsupported operation: more than one element of the written-to "
                           "tensor refers to a single memory location. Please clone() the "
                           "tensor before performing the operation.")
    if not index.numel():
        return
    if not nd:  # a 0-d tensor has one position along its "dim 0"
        out, index = out.view(1), index.reshape(1)
        src = src.reshape(1) if E.is_tensor(src) else src
    size = out._shape[d]
    if out._storage.device.type == "cpu" and nd <= 3 and include_self and reduce != "mean":
        # one pass that works out the offsets as it goes, and checks the indices first
        values = (src[tuple(slice(0, n) for n in index._shape)] if E.is_tensor(src)
                  else E.fill_operand(src, out._dtype))
        bad = T.backends.get("cpu").scatter_along(out, d, index, values, reduce)
        if bad is not None:
            raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")
        out._storage._version += 1
        return
    bad = _first_outside(index, size)
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    offsets = _offsets_along(out, d, index)
    if E.is_tensor(src):
        values = src[tuple(slice(0, n) for n in index._shape)]
    else:
        from ..creation import full
        values = full(index._shape, src, dtype=out._dtype, device=out.device)
    backend = T.backends.get(out._storage.device.type)
    if reduce is None:
        backend.put_(out, offsets, values.contiguous(), False)
    else:
        _reduce_into(backend, out, offsets, values.contiguous(), reduce, include_self)
    out._storage._version += 1


def _check_scatter(name, out, d, index, src):
    if index._dtype not in (D.int32, D.int64):
        raise RuntimeError("scatter(): Expected dtype int32/int64 for index")
    nd = max(out.dim(), 1)
    if index.dim() != out.dim() and not (out.dim() == 0 and index.numel() <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    is_src = E.is_tensor(src)
    if is_src:
        if src._dtype is not out._dtype:
            raise RuntimeError(f"{name.rstrip('_')}(): Expected self.dtype to be equal to "
                               "src.dtype")
        if src.dim() != index.dim() and not (src.numel() == 1 and index.numel() <= 1):
            raise RuntimeError("Index tensor must have the same number of dimensions as src "
                               "tensor")
        if src._storage.device != out._storage.device or \
                index._storage.device != out._storage.device:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at "
                               f"least two devices, {out.device} and "
                               f"{(src if src.device != out.device else index).device}!")
    elif index._storage.device != out._storage.device:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least "
                           f"two devices, {out.device} and {index.device}!")
    if out.dim() and index.dim():
        too_big = any(index._shape[k] > out._shape[k] for k in range(nd) if k != d)
        if is_src and src.dim():
            too_big = too_big or any(n > m for n, m in zip(index._shape, src._shape))
            if too_big:
                raise RuntimeError(f"Expected index {list(index._shape)} to be no larger than "
                                   f"self {list(out._shape)} apart from dimension {d} and to be "
                                   f"no larger size than src {list(src._shape)}")
        elif too_big:
            raise RuntimeError(f"Expected index {list(index._shape)} to be no larger than self "
                               f"{list(out._shape)} apart from dimension {d}")


def _first_outside(index, size):
    """The first entry of index outside [0, size), or None (one read of index to the host)."""
    values = index._host_values().reshape(-1)
    bad = values[(values < 0) | (values >= size)]
    return int(bad[0]) if bad.size else None


def _offsets_along(out, d, index):
    """The int64 storage offset in out of each element of index: index's value along d,
    the element's own position along the other dims."""
    strides = tuple(0 if k == d else s for k, s in enumerate(out._stride))
    base = storage_offsets(index._shape, strides, out._offset, out.device)
    return E.binary("add", base, E.binary("mul", E.to_dtype(index, D.int64), out._stride[d]))


def _reduce_into(backend, out, offsets, values, reduce, include_self):
    if not include_self:  # the written elements start from the reduction's identity
        backend.put_(out, offsets, _identity(reduce, out), False)
    if reduce != "mean":
        backend.put_reduce_(out, offsets, values, reduce)
        return
    backend.put_reduce_(out, offsets, values, "sum")
    # the count of each element, in a storage of out's size so that the offsets fit it
    from ..creation import full, ones
    counts = full((out._storage.size(),), 1 if include_self else 0, dtype=out._dtype,
                  device=out.device)
    backend.put_reduce_(counts, offsets, ones(offsets._shape, dtype=out._dtype,
                                              device=out.device), "sum")
    counts = E.clamp(counts.as_strided(out._shape, out._stride, out._offset), min=1)
    mean = (E.div(out, counts) if out._dtype.is_floating_point
            else E.floor_divide(out, counts))
    E.copy_into(out, mean)


def _identity(reduce, out):
    from ..creation import full
    dtype = out._dtype
    if reduce in ("sum", "mean"):
        value = 0
    elif reduce == "prod":
        value = 1
    elif dtype.is_floating_point:
        value = -float("inf") if reduce == "amax" else float("inf")
    elif dtype is D.bool_:
        value = reduce == "amin"
    else:
        info = np.iinfo(dtype.np)
        value = info.min if reduce == "amax" else info.max
    return full((), value, dtype=dtype, device=out.device)


# --- index_add, index_copy, index_fill: a vector of indices along one dim --------------------

def _along_dim(name, input, dim, index, source=None):
    """(dim, index as scatter's index: spread over source's shape, or over input's with
    index.numel() in dim when there is no source), after torch's checks."""
    d = wrap_dim(dim, max(input.dim(), 1))
    kind = _TYPE_NAMES.get(index._dtype.name, index._dtype.name)
    if index.dim() > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector, but got dim: "
                         f"{index.dim()} with type: {kind} and size: {list(index._shape)}")
    if index._dtype not in (D.int32, D.int64):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index but got: {kind}")
    n = index.numel()
    if source is not None:
        if source._dtype is not input._dtype:
            raise RuntimeError(f"{name}(): self ({_TYPE_NAMES[input._dtype.name]}) and source "
                               f"({_TYPE_NAMES[source._dtype.name]}) must have the same scalar "
                               "type")
        src_n = source._shape[d] if source.dim() else 1
        if src_n != n:
            raise RuntimeError(f"{name}(): Number of indices ({n}) should be equal to "
                               f"source.size(dim): ({src_n}), for dim: {d}")
        if source.dim() != input.dim() or any(
                a != b for k, (a, b) in enumerate(zip(source._shape, input._shape)) if k != d):
            raise RuntimeError(f"{name}(): Source/destination tensor must have same slice "
                               f"shapes. Destination slice shape: {_slice(input, d)} at "
                               f"dimension {d} and source slice shape: {_slice(source, d)} at "
                               f"dimension {d}.")
        shape = source._shape
    else:
        shape = input._shape[:d] + (n,) + input._shape[d + 1:] if input.dim() else (n,)
    place = [1] * max(len(shape), 1)
    place[d] = n
    spread = index.reshape(place).expand(shape) if shape else index.reshape(())
    return d, spread


_TYPE_NAMES = E._TORCH_TYPE_NAMES


def _slice(t, d):
    rest = [n for k, n in enumerate(t._shape) if k != d]
    return " ".join(str(n) for n in rest) if rest else ""


def _in_range(name, index, d, size, negatives):
    """index with negative entries wrapped when `negatives`; torch's error otherwise."""
    values = index._host_values().reshape(-1)
    low = -size if negatives else 0
    bad = values[(values < low) | (values >= size)]
    if bad.size:
        if name == "index_add_":
            raise IndexError("index out of range in self")
        prefix = f"{name}(): " if name == "index_copy_" else ""
        raise IndexError(f"{prefix}index {int(bad[0])} is out of bounds for dimension {d} with "
                         f"size {size}")
    if negatives and values.size and values.min() < 0:
        return E.binary("add", index, E.binary("mul", E.binary("lt", index, 0), size))
    return index


def index_add(input, dim, index, source, *, alpha=1):
    return scatter_add(input, *_add_args(input, dim, index, source, alpha))


def index_add_(input, dim, index, source, *, alpha=1):
    return scatter_add_(input, *_add_args(input, dim, index, source, alpha))


def _add_args(input, dim, index, source, alpha):
    d, spread = _along_dim("index_add_", input, dim, index, source)
    spread = _in_range("index_add_", spread, d, _size(input, d), False)
    return d, spread, source if alpha == 1 else E.mul(source, alpha)


@autocast_op
def index_copy(input, dim, index, source):
    d, spread = _along_dim("index_copy_", input, dim, index, source)
    return scatter(input, d, _in_range("index_copy_", spread, d, _size(input, d), False), source)


def index_copy_(input, dim, index, source):
    d, spread = _along_dim("index_copy_", input, dim, index, source)
    return scatter_(input, d, _in_range("index_copy_", spread, d, _size(input, d), False), source)


def index_fill(input, dim, index, value):
    return scatter(input, *_fill_args(input, dim, index, value))


def index_fill_(input, dim, index, value):
    return scatter_(input, *_fill_args(input, dim, index, value))


def _fill_args(input, dim, index, value):
    if E.is_tensor(value):
        if value.dim():
            raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.dim()} dimension(s).")
        value = value.item() if not value._requires_grad else value
    d, spread = _along_dim("index_fill_", input, dim, index)
    spread = _in_range("index_fill_", spread, d, _size(input, d), True)
    if E.is_tensor(value):  # a 0-d tensor that requires grad: its gradient sums the fills
        return d, spread, value.to(input._dtype).expand(spread._shape)
    return d, spread, value


def _size(t, d):
    return t._shape[d] if t.dim() else 1


# --- index_put, masked_scatter, put_: positions from index tuples, masks, flat indices ------

def index_put_(input, indices, values, accumulate=False):
    """input[indices] = values, or += with accumulate (repeated positions add up)."""
    indices = tuple(indices)
    if not accumulate:
        setitem(input, indices, values)
        return input
    if values._dtype is not input._dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{_TYPE_NAMES[input._dtype.name]} for the destination and "
                           f"{_TYPE_NAMES[values._dtype.name]} for the source.")
    view, advanced = _basic(input, _normalize(input, indices))
    shape, offsets = _offsets(view, broadcast_indices(view, advanced))
    return _put_offsets(input, offsets, values, shape, accumulate=True)


@autocast_op
def index_put(input, indices, values, accumulate=False):
    return index_put_(input.clone(), indices, values, accumulate)


def masked_scatter(input, mask, source):
    """A copy of input whose elements where mask (broadcast) is True take source's
    elements, in order."""
    if mask._dtype is not D.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with "
                           f"dtype {_TYPE_NAMES[mask._dtype.name]}")
    if source._dtype is not input._dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got {_TYPE_NAMES[input._dtype.name]} and "
                           f"{_TYPE_NAMES[source._dtype.name]}")
    shape = broadcast_shapes(input._shape, mask._shape)
    mask = mask.expand(shape)
    n = int(np.count_nonzero(mask._host_values()))
    if n > source.numel():
        raise RuntimeError("Number of elements of source < number of ones in mask")
    out = input.expand(shape).clone()
    if n:
        setitem(out, mask, source.reshape(-1)[:n])
    return out


def masked_scatter_(input, mask, source):
    result = masked_scatter(input, mask, source)
    if result._shape != input._shape:
        raise RuntimeError(f"output with shape {list(input._shape)} doesn't match the broadcast "
                           f"shape {list(result._shape)}")
    return input.copy_(result)


def masked_select(input, mask):
    """The elements of input where mask (broadcast with it) is True, as a vector."""
    if mask._dtype is not D.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = broadcast_shapes(input._shape, mask._shape)
    return input.expand(shape)[mask.expand(shape)]


def _flat_positions(name, input, index):
    """index (any shape) read as positions in input's elements in row-major order, with
    negative ones counted from the end; torch's IndexError outside."""
    if index._dtype is not D.int64:
        raise RuntimeError(f"{name}(): Expected a long tensor for index, but got "
                           f"{_TYPE_NAMES[index._dtype.name]}")
    n = input.numel()
    values = index._host_values().reshape(-1)
    bad = values[(values < -n) | (values >= n)]
    if bad.size:
        raise IndexError(f"out of range: tried to access index {int(bad[0])} on a tensor of "
                         f"{n} elements.")
    if values.size and values.min() < 0:
        index = E.binary("add", index, E.binary("mul", E.binary("lt", index, 0), n))
    return index


def take(input, index):
    """input's elements at index, read as positions in row-major order: index's shape."""
    return input.reshape(-1)[_flat_positions("take", input, index)]


def put_(input, index, source, accumulate=False):
    """input's elements at index (row-major positions) := source's, or += with accumulate."""
    if source._dtype is not input._dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {_TYPE_NAMES[input._dtype.name]} and source.dtype = "
                           f"{_TYPE_NAMES[source._dtype.name]}")
    if index.numel() != source.numel():
        raise RuntimeError(f"put_(): Expected source and index to have the same number of "
                           f"elements, but got source.numel() = {source.numel()}, "
                           f"index.numel() = {index.numel()}")
    positions = _flat_positions("put_", input, index).reshape(-1)
    offsets = storage_offsets(input._shape, input._stride, input._offset, input.device)
    from .indexing import gather
    targets = gather(offsets.contiguous().reshape(-1), positions)
    return _put_offsets(input, targets, source.reshape(-1), targets._shape, accumulate=accumulate)


def put(input, index, source, accumulate=False):
    return put_(input.clone(), index, source, accumulate)


def take_along_dim(input, indices, dim=None):
    """gather along dim after input and indices broadcast in the other dims; without dim,
    over the flattened input."""
    if indices._dtype not in (D.int32, D.int64):
        raise RuntimeError("torch.take_along_dim(): dtype of indices should be int but got "
                           f"{_TYPE_NAMES[indices._dtype.name]} instead")
    if dim is None:
        return input.reshape(-1).gather(0, indices.reshape(-1))
    if input.dim() != indices.dim():
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {input.dim()} dimensions for input, "
                           f"and {indices.dim()} dimensions for indices")
    d = wrap_dim(dim, max(input.dim(), 1))
    shape_in, shape_idx = list(input._shape), list(indices._shape)
    if input.dim():
        shape_in[d] = shape_idx[d] = 1
    bshape = list(broadcast_shapes(tuple(shape_in), tuple(shape_idx)))
    if input.dim():
        input = input.expand(bshape[:d] + [input._shape[d]] + bshape[d + 1:])
        indices = indices.expand(bshape[:d] + [indices._shape[d]] + bshape[d + 1:])
    return input.gather(d, indices)


def argwhere(input):
    return nonzero(input)


def where(condition, input=None, other=None):
    """where(condition, input, other) elementwise; where(condition) alone is
    nonzero(condition, as_tuple=True)."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    return E.where(condition, input, other)
