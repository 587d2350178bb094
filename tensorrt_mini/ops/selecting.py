"""Ops that pick, reorder or mask elements, written with the ops below them (where,
indexing), so they run on every device and autograd differentiates them through those
ops: masked_fill, index_select, gather, flip, roll, tril and triu. Checks and messages
are torch's."""

from .. import _tensor as T
from .. import dtypes as D
from ..layout import dense_strides_like, has_internal_overlap, wrap_dim, wrap_dims
from . import elementwise as E
from .dispatch import GradMode


def masked_fill(input, mask, value):
    """input where mask is False, value where it is True (mask broadcasts; value is a
    Python scalar or a 0-d tensor, cast to input's dtype with torch's overflow check)."""
    if mask._dtype is not D.bool_:
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{E.C_NAMES[mask._dtype.name]}")
    if isinstance(value, T.Tensor):
        if value.dim():
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.dim()} dimension(s).")
        fill = value if value._dtype is input._dtype else value.to(input._dtype)
    else:
        from ..creation import full
        fill = full((), value, dtype=input._dtype, device=input.device)
    out = E.where(mask, fill, input)
    # torch fills a contiguous clone (where would keep a transposed input's layout)
    return out if out.is_contiguous() else out.contiguous()


def masked_fill_(input, mask, value):
    E.check_writable(input)
    if has_internal_overlap(input._shape, input._stride):
        # torch still writes an expanded tensor here (with a deprecation warning): through
        # the mask's storage offsets, where one element's copies all take the same value
        masked_fill(input, mask, value)  # its checks
        from .indexing import setitem
        setitem(input, mask.expand(input._shape), value)
        return input
    result = masked_fill(input, mask, value)
    if result._shape != input._shape:  # an in-place op keeps input's shape
        raise RuntimeError(f"output with shape {list(input._shape)} doesn't match the broadcast "
                           f"shape {list(result._shape)}")
    return input.copy_(result)


def index_select(input, dim, index):
    """The slices of input at `index` (a vector of int32/int64) along dim."""
    d = wrap_dim(dim, input.dim())
    if index.dim() > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index._dtype not in (D.int32, D.int64):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if not input.dim() and index.numel() != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                           f"{index.numel()} value(s)")
    size = input._shape[d] if input.dim() else 1
    bad = _out_of_range(index, size)
    if bad is not None:
        # torch's kernel for an empty input, or a matrix along dim 1, words it so
        if not input.numel() or (input.dim() == 2 and d == 1):
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={size}")
        raise IndexError("index out of range in self")
    if not input.dim():  # a 0-d input has its one value at index 0
        return input.reshape(1)[index.reshape(-1)].reshape(())
    index = index.reshape(-1)
    if _cpu_untracked(input):  # checked above: one gather
        out = T.empty_tensor(input._shape[:d] + index._shape + input._shape[d + 1:],
                             input._dtype, input._storage.device)
        if out.numel():
            T.backends.get("cpu").take_along(out, input, d, index)
        return out
    return _along(input, d, index)


def gather(input, dim, index):
    """out[..., i, ...] = input[..., index[..., i, ...], ...] along dim; out has index's
    shape, which may be smaller than input's in the other dims."""
    nd = input.dim()
    d = wrap_dim(dim, nd)
    if index.dim() != nd:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    if index._dtype not in (D.int32, D.int64):
        raise RuntimeError("gather(): Expected dtype int64 for index")
    for k in range(nd):
        if k != d and index._shape[k] > input._shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"{list(index._shape)} to be no larger than self "
                               f"{list(input._shape)} apart from dimension {d}")
    size = input._shape[d] if nd else 1  # a 0-d tensor has one position
    bad = _out_of_range(index, size)
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    if nd == 0:
        return input.clone()
    if _cpu_untracked(input):  # checked above: numpy's take_along_axis
        out = T.empty_tensor(index._shape, input._dtype, input._storage.device)
        T.backends.get("cpu").gather(out, input, d, index)
        return out
    from ..creation import arange
    # every other dim indexed by its own position, broadcast against index
    idx = tuple(index if k == d else
                arange(index._shape[k], device=input.device).view(
                    [-1 if j == k else 1 for j in range(nd)])
                for k in range(nd))
    return input[idx]


def flip(input, dims):
    """A copy with the elements of each of dims in reverse order, laid out in memory as
    input is (torch's flip keeps a transposed input's strides)."""
    from ..creation import arange
    dims = wrap_dims(dims, input.dim())
    if _cpu_untracked(input):  # one strided copy of a reversed view
        from ..creation import empty_strided
        out = empty_strided(input._shape, dense_strides_like(input._shape, input._stride),
                            dtype=input._dtype)
        # (a 0-d tensor flips along its "dim 0": a copy)
        T.backends.get("cpu").flip(out, input, [d for d in dims if d < input.dim()])
        return out
    # flip the dims in memory order, where indexing's contiguous result has input's layout
    strides = dense_strides_like(input._shape, input._stride)
    order = sorted(range(input.dim()), key=lambda k: -strides[k])
    out = x = input.permute(order)
    for d in dims:
        n = input._shape[d] if input.dim() else 1
        if n > 1:
            out = _along(out, order.index(d), arange(n - 1, -1, -1, device=input.device))
    out = out.clone() if out is x else out
    return out.permute([order.index(k) for k in range(input.dim())])


def roll(input, shifts, dims=None):
    """A copy with the elements of each dim moved `shift` places along it, wrapping round;
    without dims, over the flattened tensor."""
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return roll(input.reshape(-1), shifts, 0).view(input._shape)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    if not input.dim():
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    from ..creation import arange
    moves = [(shift, wrap_dim(dim, input.dim())) for shift, dim in zip(shifts, dims)]
    moves = [(s, d) for s, d in moves if input._shape[d] > 1 and s % input._shape[d]]
    if moves and _cpu_untracked(input):  # one copy, contiguous as indexing's result
        out = T.empty_tensor(input._shape, input._dtype, input._storage.device)
        T.backends.get("cpu").roll(out, input, *zip(*moves))
        return out
    out = input
    for shift, dim in zip(shifts, dims):
        d = wrap_dim(dim, input.dim())
        n = input._shape[d]
        if n > 1 and shift % n:
            out = _along(out, d, (arange(n, device=input.device) - shift) % n)
    return out.clone() if out is input else out


def _cpu_untracked(x):
    """Whether x is on the cpu and autograd records nothing: then numpy serves flip, roll,
    gather, tril and triu in one pass (the general path, through indexing and where, is
    what autograd differentiates)."""
    return x._storage.device.type == "cpu" and not (GradMode.enabled and x._requires_grad)


def _out_of_range(index, size):
    """The first entry of index outside 0..size-1 (torch's ops here refuse negatives), or
    None; one read of index to the host."""
    values = index._host_values().reshape(-1)
    bad = values[(values < 0) | (values >= size)]
    return bad[0] if bad.size else None


def _along(x, d, positions):
    """x's slices at `positions` along dim d (indexing checks them again; the callers check
    first, for their own messages)."""
    return x[(slice(None),) * d + (positions,)]


def tril(input, diagonal=0):
    return _triangle("tril", input, diagonal, lambda offset: offset <= diagonal)


def triu(input, diagonal=0):
    return _triangle("triu", input, diagonal, lambda offset: offset >= diagonal)


def _triangle(name, input, diagonal, keep):
    if input.dim() < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    # small tensors: numpy's tril/triu into a contiguous copy, as torch's (its three passes
    # lose to one `where` from a few hundred KiB: 3.3x against 1.5x torch at 2^22)
    if _cpu_untracked(input) and input.numel() < 1 << 15:
        out = T.empty_tensor(input._shape, input._dtype, input._storage.device)
        T.backends.get("cpu").triangle(out, input, diagonal, name == "tril")
        return out
    from ..creation import arange, full
    rows, cols = input._shape[-2:]
    dev = input.device
    offset = arange(cols, device=dev).view(1, cols) - arange(rows, device=dev).view(rows, 1)
    zero = full((), 0, dtype=input._dtype, device=dev)
    return E.where(keep(offset), input, zero)


def rot90(input, k=1, dims=(0, 1)):
    """input turned k quarter turns from dims[0] towards dims[1]."""
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.dim() < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.dim()}")
    d0, d1 = wrap_dims(dims, input.dim()) if dims[0] != dims[1] else (dims[0], dims[1])
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} "
                           f"and dim1 = {dims[1]}")
    k %= 4
    if k == 1:
        return flip(input, (d1,)).transpose(d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return flip(input, (d0,)).transpose(d0, d1)
    return input.clone()


def fliplr(input):
    if input.dim() < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input):
    if input.dim() < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))
