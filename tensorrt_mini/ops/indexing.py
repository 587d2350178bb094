"""Indexing: `t[idx]` and `t[idx] = value`.

Basic indices (ints, slices with step > 0, None, Ellipsis) make a view. Integer and
boolean tensor indices ("advanced" indices) make a copy: the storage offset of every
result element is computed as an int64 tensor on the tensor's device, and the backend
gathers (`take`) or scatters (`put_`) through it.
"""
import math

import numpy as np

from .. import dtypes as D
from .. import _tensor as T
from ..layout import broadcast_shapes, expand_strides, has_internal_overlap
from ..user_warnings import warn
from .dispatch import GradMode, check_no_grad_view, differentiable
from .elementwise import (_TORCH_TYPE_NAMES, _expand_to, binary, check_no_internal_overlap,
                          check_no_overlap, check_writable, copy_into, fill_scalar, is_tensor,
                          to_dtype)


def _as_index(item, device):
    """Lists and Python bools become index tensors; everything else passes through."""
    if isinstance(item, (str, bytes)):  # torch tries to make a tensor of it
        raise TypeError(f"new(): invalid data type '{type(item).__name__}'")
    if isinstance(item, (list, tuple, bool, np.bool_)):
        from ..creation import tensor
        idx = tensor(item, device=device)
        if idx._dtype.is_floating_point:
            if idx.numel():
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            idx = to_dtype(idx, D.int64)  # empty lists infer float; torch reads them as int64
        return idx
    if isinstance(item, np.ndarray):
        from ..creation import tensor
        return tensor(item, device=device)
    return item


def _as_tuple(idx):
    """torch's (and old NumPy's) rule: a short list holding a sequence, slice, tensor, None
    or Ellipsis is a tuple of indices, so t[[[0, 1], [1, 0]]] is t[[0, 1], [1, 0]]."""
    if isinstance(idx, tuple):
        return idx
    if isinstance(idx, list) and len(idx) < 32 and any(
            isinstance(i, (list, tuple, slice, T.Tensor)) or i is None or i is Ellipsis for i in idx):
        return tuple(idx)
    return (idx,)


def _normalize(t, idx):
    idx = _as_tuple(idx)
    items = [_as_index(i, t._storage.device) for i in idx]
    consumed = 0
    for i in items:
        if i is None or i is Ellipsis:
            continue
        consumed += i.dim() if is_tensor(i) and i._dtype in (D.bool_, D.uint8) else 1
    nd = len(t._shape)
    if consumed > nd:
        if nd == 0:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    k = next((j for j, i in enumerate(items) if i is Ellipsis), None)
    if k is not None:
        # as torch: the first ellipsis takes every dim left, any later one none
        rest = [i for i in items[k + 1:] if i is not Ellipsis]
        items[k:] = [slice(None)] * (nd - consumed) + rest
    return items


def _basic(t, items):
    """Apply the basic indices; returns (view, [(dim in view, index tensor)...])."""
    shape, stride, offset = [], [], t._offset
    advanced = []
    d = 0
    for item in items:
        if item is None:
            shape.append(1)
            stride.append(t._shape[d] * t._stride[d] if d < len(t._shape) else 1)
        elif isinstance(item, slice):
            size = t._shape[d]
            start, stop, step = item.start, item.stop, item.step
            step = 1 if step is None else int(step)
            if step == 0:
                raise ValueError("slice step cannot be zero")
            if step < 0:
                raise ValueError("step must be greater than zero")
            start, stop, _ = slice(start, stop, 1).indices(size)
            n = max(0, -(-(stop - start) // step))
            offset += start * t._stride[d]  # torch moves the offset even for an empty slice
            shape.append(n)
            stride.append(t._stride[d] * step)
            d += 1
        elif is_tensor(item) and not (item._dtype.category == 1 and item._dtype is not D.uint8
                                      and not item._shape):  # a 0-d int tensor acts as an int
            if item._dtype not in (D.int64, D.int32, D.uint8, D.bool_):
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if item._dtype in (D.bool_, D.uint8):
                k = item.dim()
                mask_shape = t._shape[d:d + k]
                for j, (m, s) in enumerate(zip(item._shape, mask_shape)):
                    if m != s:
                        raise IndexError(f"The shape of the mask {list(item._shape)} at index {j} does "
                                         f"not match the shape of the indexed tensor {list(t._shape)} at "
                                         f"index {d + j}")
                if k == 0:
                    # a 0-d mask adds a dim of size 1 (True) or 0 (False)
                    advanced.append((len(shape), None, item))
                    shape.append(1)
                    stride.append(0)
                    continue
                coords = nonzero(item)
                for j in range(k):
                    advanced.append((len(shape), coords.select(1, j), None))
                    shape.append(t._shape[d])
                    stride.append(t._stride[d])
                    d += 1
            else:
                advanced.append((len(shape), item, None))
                shape.append(t._shape[d])
                stride.append(t._stride[d])
                d += 1
        else:
            try:
                i = item.__index__()
            except AttributeError:
                raise IndexError(
                    "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                    "valid indices (got " + type(item).__name__ + ")") from None
            size = t._shape[d]
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {d} with size {size}")
            offset += (i + size if i < 0 else i) * t._stride[d]
            d += 1
    shape.extend(t._shape[d:])
    stride.extend(t._stride[d:])
    return T.make_view(t, shape, stride, offset), advanced


def storage_offsets(shape, stride, offset, device):
    """The int64 storage offset of every element of a strided geometry, in its shape."""
    from ..creation import arange, full
    total = full((), offset, dtype=D.int64, device=device)
    for d, (n, s) in enumerate(zip(shape, stride)):
        if n == 1:  # adds only 0; the final expand restores the dim
            continue
        place = [1] * len(shape)
        place[d] = n
        total = binary("add", total, binary("mul", arange(n, device=device), s).reshape(place))
    return _expand_to(total, tuple(shape))


def broadcast_indices(view, advanced):
    """(dims, int64 index tensors, their broadcast shape) of advanced indices; torch's
    IndexError when they do not broadcast (checked first, before anything else)."""
    from ..creation import full
    dev = view._storage.device
    dims = [a[0] for a in advanced]
    # a 0-d bool mask: one position if True, none if False
    indices = [to_dtype(idx, D.int64) if mask0 is None else
               full((1 if bool(mask0) else 0,), 0, dtype=D.int64, device=dev)
               for _, idx, mask0 in advanced]
    try:
        bshape = broadcast_shapes(*(i._shape for i in indices))
    except RuntimeError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together with "
                         "shapes " + ", ".join(str(list(i._shape)) for i in indices)) from None
    return dims, indices, bshape


def _offsets(view, advanced):
    """(result shape, int64 storage offsets of every result element) for advanced indices,
    or for their broadcast_indices."""
    dims, indices, bshape = (advanced if isinstance(advanced, tuple)
                             else broadcast_indices(view, advanced))
    dev = view._storage.device
    rest = [d for d in range(len(view._shape)) if d not in dims]
    adjacent = dims == list(range(dims[0], dims[0] + len(dims)))
    if adjacent:
        before = [d for d in rest if d < dims[0]]
        after = [d for d in rest if d > dims[0]]
    else:
        before, after = [], rest
    out_shape = tuple(view._shape[d] for d in before) + bshape + tuple(view._shape[d] for d in after)
    # like torch: an index into a dim of size 0 is always out of range; otherwise nothing
    # is checked when nothing is gathered
    if any(view._shape[dim] == 0 and idx.numel() for idx, dim in zip(indices, dims)):
        raise IndexError("index is out of bounds for dimension with size 0")
    if math.prod(out_shape):
        # torch's message numbers the dim among the indexed ones
        indices = [_checked(idx, k, view._shape[dim]) for k, (idx, dim) in
                   enumerate(zip(indices, dims))]
    nb, na = len(before), len(after)
    # the other dims step through their strides; the index block's dims are size 1 here
    nblock = len(bshape)
    total = storage_offsets(
        tuple(view._shape[d] for d in before) + (1,) * nblock + tuple(view._shape[d] for d in after),
        tuple(view._stride[d] for d in before) + (0,) * nblock + tuple(view._stride[d] for d in after),
        view._offset, dev)
    for dim, idx in zip(dims, indices):
        term = binary("mul", idx, view._stride[dim])
        term = term.reshape((1,) * nb + (1,) * (len(bshape) - idx.dim()) + tuple(idx._shape) + (1,) * na)
        total = binary("add", total, term)
    return out_shape, total


def _checked(idx, dim, size):
    """idx (not empty: callers skip empty results) with negative entries wrapped;
    IndexError when one is out of range."""
    host = idx._host_values()
    lo, hi = int(host.min()), int(host.max())
    if lo < -size or hi >= size:
        bad = lo if lo < -size else hi
        raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {size}")
    if lo < 0:
        idx = binary("add", idx, binary("mul", binary("lt", idx, 0), size))
    return idx


@differentiable
def getitem(input, idx):
    if type(idx) is int and input._shape and -input._shape[0] <= idx < input._shape[0]:
        # t[i], the commonest index (a dataset's sample): the view the general path below
        # makes, at a third of its cost
        return T.make_view(input, input._shape[1:], input._stride[1:],
                           input._offset + (idx % input._shape[0]) * input._stride[0])
    items = _normalize(input, idx)
    view, advanced = _basic(input, items)
    if not advanced:
        return view
    if len(advanced) == 1 and advanced[0][2] is None and view._storage.device.type == "cpu":
        return _take_along(view, *advanced[0][:2])
    shape, offsets = _offsets(view, advanced)
    return gather(view, _expand_to(offsets, shape))


def _take_along(view, dim, idx):
    """view[:, ..., idx] with idx on dim, on the cpu: one gather by the backend, where the
    general path builds an int64 offset for every result element first. The result is
    contiguous, and the errors are _offsets'."""
    size = view._shape[dim]
    shape = view._shape[:dim] + idx._shape + view._shape[dim + 1:]
    if size == 0 and idx.numel():
        raise IndexError("index is out of bounds for dimension with size 0")
    out = T.empty_tensor(shape, view._dtype, view._storage.device)
    if math.prod(shape):
        _check_range(idx._host_values(), size)
        T.backends.get("cpu").take_along(out, view, dim, idx)
    return out


def _put_along(view, dim, idx, value):
    """view[:, ..., idx] = value (a number, converted) with idx on dim, on the cpu: one
    numpy assignment, where the general path builds an int64 offset for every element
    written. The errors are _offsets'."""
    host = idx._host_values()
    size = view._shape[dim]
    if not host.size:
        return
    if size == 0:
        raise IndexError("index is out of bounds for dimension with size 0")
    _check_range(host, size)
    T.backends.get("cpu").numpy_view(view)[(slice(None),) * dim + (host,)] = value


def _check_range(host, size):
    """IndexError, worded as torch's, unless every entry of host lies in [-size, size)."""
    lo, hi = int(host.min()), int(host.max())
    if lo < -size or hi >= size:
        bad = lo if lo < -size else hi
        # (torch numbers the dim among the indexed ones: this is the only one)
        raise IndexError(f"index {bad} is out of bounds for dimension 0 with size {size}")


def gather(input, offsets):
    """A fresh tensor of offsets' shape holding the elements of input's storage at those
    int64 storage offsets, which the caller has checked (no autograd)."""
    out = T.empty_tensor(offsets._shape, input._dtype, input._storage.device)
    if out.numel():
        T.backends.get(input._storage.device.type).take(out, input, offsets.contiguous())
    return out


def view_op_name(idx):
    """The name torch's errors give the view a basic index makes: its last step that makes
    one (a full slice or an Ellipsis makes none), or None when no step does."""
    for item in reversed(idx if isinstance(idx, tuple) else (idx,)):
        if item is Ellipsis or (isinstance(item, slice) and item == slice(None)):
            continue
        if item is None:
            return "Unsqueeze"
        return "Select" if isinstance(item, int) else "Slice"
    return None


@differentiable
def setitem(input, idx, value):
    check_writable(input)  # before the paths below, some of which write unchecked
    if GradMode.enabled:  # (the derivative runs this with grad mode off, and checks itself)
        check_no_grad_view(input, view_op_name(idx))
    if not is_tensor(value):
        fill_scalar(value, input._dtype)  # torch converts the value before the index
    elif value.numel() == 1 and _one_mask(idx):
        # torch fills through a lone mask (among basic indices) with one value of any dtype,
        # read before the fill: so no dtype or overlap check
        if value._dtype is not input._dtype:
            value = value.to(input._dtype) if value._requires_grad else value.item()
        elif value._storage is input._storage:
            value = value.clone()
    items = _normalize(input, idx)
    view, advanced = _basic(input, items)
    if not advanced:
        _write_view(view, value)
        return
    if (len(advanced) == 1 and advanced[0][2] is None and not is_tensor(value)
            and view._storage.device.type == "cpu"
            and not has_internal_overlap(input._shape, input._stride)):
        _put_along(view, *advanced[0][:2], fill_scalar(value, input._dtype))
        input._storage._version += 1
        return
    if is_tensor(value):
        value = _drop_leading_ones(value)
    if has_internal_overlap(input._shape, input._stride):
        _warn_expanded(_one_mask(idx) and not is_tensor(value))
    # torch's order: the indices broadcast, the dtypes, the indices' range, then shapes
    broadcast = broadcast_indices(view, advanced)
    if is_tensor(value):
        if value._dtype is not input._dtype:
            raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                               f"{_TORCH_TYPE_NAMES[input._dtype.name]} for the destination and "
                               f"{_TORCH_TYPE_NAMES[value._dtype.name]} for the source.")
        # the part indexed, as torch's index_put_ sees it: input itself where the basic
        # indices are only `:` and `...` (torch's slicing then returns input, not a view)
        check_no_overlap(input if _only_full_slices(input, items) else view, value)
    shape, offsets = _offsets(view, broadcast)
    if is_tensor(value):
        _check_value_shape(value, shape)
    index_put_(input, offsets, value, shape)


def _write_view(view, value):
    """view[...] = value as torch's setitem writes it: a value of the view's shape is
    copied as it is, a 0-d cpu tensor fills (no overlap check: one value), any other
    value loses its leading size-1 dims and is expanded to the view's shape before the
    copy (so copy_'s overlap check sees the expanded strides, as torch's does)."""
    from .conversion import copy_
    if not is_tensor(value):  # a number: range-checked as a fill, and refused by an overlap
        check_no_internal_overlap(view)
        copy_into(view, value)
        return
    if value._shape != view._shape:
        if not value._shape and value._storage.device.type == "cpu":
            if value._storage is view._storage:
                value = value.clone()  # one value: read it before anything is written
        else:
            value = _drop_leading_ones(value).expand(view._shape)
    copy_(view, value)


def _only_full_slices(input, items):
    """Whether the basic indices among normalized `items` keep all of input: torch's
    slicing then returns input itself, not a view. As torch, a slice keeps a dim when
    it starts at 0 (or None) with step 1 and stops at or past the end."""
    d = 0
    for item in items:
        if isinstance(item, slice):
            if item.start not in (None, 0) or item.step not in (None, 1) or (
                    item.stop is not None and item.stop < input._shape[d]):
                return False
            d += 1
        elif is_tensor(item) and (item._shape or item._dtype in (D.bool_, D.uint8)):
            d += item.dim() if item._dtype in (D.bool_, D.uint8) else 1  # (as _normalize)
        else:  # an int (or 0-d integer tensor) selects, None unsqueezes: a view
            return False
    return True


def _one_mask(idx):
    """Whether idx's only advanced index is one bool tensor (a 0-d integer tensor acts as
    an int)."""
    advanced = [i for i in _as_tuple(idx) if _is_advanced(i)]
    return len(advanced) == 1 and is_tensor(advanced[0]) and advanced[0]._dtype is D.bool_


def _is_advanced(item):
    """A list, array, bool or tensor index (a 0-d integer tensor acts as an int)."""
    return isinstance(item, (list, np.ndarray, bool)) or (
        is_tensor(item) and (item._shape or item._dtype is D.bool_))


def _warn_expanded(masked_scalar):
    """torch's deprecation warning for advanced-index writes into an expanded tensor (it
    still writes them: each element's copies take the same value)."""
    op, example = ("masked_fill_", "tensor[mask] = scalar") if masked_scalar else \
        ("index_put_", "tensor[indices] = tensor")
    warn(f"Use of {op} on expanded tensors is deprecated. Please clone() the tensor before "
         f"performing this operation. This also applies to advanced indexing e.g. {example}")


def _drop_leading_ones(value):
    """Leading size-1 dims never change how a value broadcasts, and torch's setitem accepts
    them beyond the target's rank, so drop them."""
    extra = 0
    while extra < len(value._shape) and value._shape[extra] == 1:
        extra += 1
    return value.reshape(value._shape[extra:]) if extra else value


def _check_value_shape(value, shape):
    """torch's error when value does not expand to the indexing result's shape."""
    try:
        expand_strides(value._shape, value._stride, shape, value.type())
    except RuntimeError:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(value._shape)} cannot be "
                           f"broadcast to indexing result of shape {list(shape)}") from None


@differentiable(writes=0)
def index_put_(input, offsets, value, shape, accumulate=False):
    """Scatter `value` (broadcast to `shape`) into input's storage at `offsets`."""
    from ..creation import full
    check_writable(input)
    if not is_tensor(value):
        value = full((), value, dtype=input._dtype, device=input._storage.device)
    if value._storage.device != input._storage.device:
        value = value.to(input._storage.device)
    value = to_dtype(value, input._dtype)
    if value._shape != tuple(shape):
        _check_value_shape(value, shape)
        value = _expand_to(value, tuple(shape))
    if offsets.numel():
        T.backends.get(input._storage.device.type).put_(input, offsets.contiguous(), value.contiguous(),
                                                        accumulate)
    input._storage._version += 1
    return input


def nonzero(input, as_tuple=False):
    """Indices of non-zero elements, (n, ndim) int64; computed on the host."""
    if as_tuple and not input.dim():  # torch reads a 0-d input as one element here
        return nonzero(input.reshape(1), as_tuple=True)
    coords = np.argwhere(input._host_values())
    n, nd = coords.shape
    from ..creation import tensor
    # torch fills it one column after another: strides (1, n)
    columns = tensor(np.ascontiguousarray(coords.T, dtype=np.int64), device=input._storage.device)
    out = columns.as_strided((n, nd), (1, n))
    if as_tuple:
        return tuple(out.select(1, j) for j in range(nd))
    return out

