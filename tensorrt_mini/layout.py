"""View math: pure functions over sizes and strides (in elements). No data is touched."""
import math


def contiguous_strides(shape):
    strides = []
    step = 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def numel(shape):
    return math.prod(shape)


def check_fits(size, stride, offset, storage_size, itemsize):
    """torch's setStorage check: the elements a view reaches lie inside its storage."""
    reach = sum((n - 1) * s for n, s in zip(size, stride))
    need = 0 if math.prod(size) == 0 else offset + 1 + reach
    if need > storage_size:
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
            f"itemsize {itemsize} requiring a storage size of {need * itemsize} are out of bounds "
            f"for storage of size {storage_size * itemsize}")


def is_contiguous(shape, strides):
    """PyTorch's rule: dims of size 1 may have any stride; an empty tensor is contiguous."""
    if 0 in shape:
        return True
    expected = 1
    for n, s in zip(reversed(shape), reversed(strides)):
        if n != 1:
            if s != expected:
                return False
            expected *= n
    return True


def is_non_overlapping_and_dense(shape, strides):
    """True when the view's elements tile a contiguous block exactly once, in some order."""
    dims = sorted((s, n) for n, s in zip(shape, strides) if n != 1)
    expected = 1
    for s, n in dims:
        if n == 0:
            return True
        if s != expected:
            return False
        expected *= n
    return True


def dense_strides_like(shape, strides):
    """Strides of a fresh tensor that walks memory in the same dim order as `strides`
    (torch's preserve_format): a dense layout is kept as is; otherwise dims are ordered
    by stride, smaller size first on ties, and stride-0 dims keep their place."""
    if is_non_overlapping_and_dense(shape, strides):
        return tuple(strides)
    nd = len(shape)
    perm = list(range(nd - 1, -1, -1))  # fastest dim first

    def goes_after(d0, d1):  # 1: d0 is slower than d1, -1: faster, 0: can't tell
        s0, s1 = strides[d0], strides[d1]
        if s0 == 0 or s1 == 0:
            return 0
        if s0 != s1:
            return 1 if s0 > s1 else -1
        return 1 if shape[d0] > shape[d1] else 0

    # a stable insertion sort: it must not reorder dims it cannot compare
    for i in range(1, nd):
        j = i
        for k in range(i - 1, -1, -1):
            c = goes_after(perm[k], perm[j])
            if c > 0:
                perm[k], perm[j] = perm[j], perm[k]
                j = k
            elif c < 0:
                break
    out = [0] * nd
    step = 1
    for d in perm:
        out[d] = step
        step *= max(shape[d], 1)
    return tuple(out)


def has_internal_overlap(shape, strides):
    """True when two indices may map to one storage element (a stride-0 dim of size > 1,
    in a tensor with elements: an empty one has nothing to write).

    Like PyTorch we only detect the certain case; other overlaps are too costly to prove.
    """
    return 0 not in shape and any(s == 0 and n > 1 for n, s in zip(shape, strides))


def wrap_dim(dim, ndim):
    """Normalise a possibly negative dim; IndexError like PyTorch when out of range."""
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not isinstance(dim, int):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    if dim < lo or dim > hi:
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
    return dim + max(ndim, 1) if dim < 0 else dim  # a 0-d tensor takes dims -1 and 0


def wrap_dims(dims, ndim):
    """Normalise an int or a sequence of dims; duplicates raise RuntimeError."""
    if isinstance(dims, int):
        dims = (dims,)
    out = tuple(wrap_dim(d, ndim) for d in dims)
    for d in out:
        if out.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return out


def reduced_dims(dim, ndim):
    """The dims a reduction over `dim` takes, sorted: None or () means all of them."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(ndim))
    dims = wrap_dims(tuple(dim) if isinstance(dim, (tuple, list)) else dim, ndim)
    return tuple(sorted(dims)) if ndim else ()


def broadcast_shapes(*shapes):
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for shape in shapes:
        offset = ndim - len(shape)
        for i, n in enumerate(shape):
            j = i + offset
            if n == out[j] or n == 1:
                continue
            if out[j] == 1:
                out[j] = n
            else:
                raise RuntimeError(
                    f"The size of tensor a ({out[j]}) must match the size of tensor b ({n}) "
                    f"at non-singleton dimension {j}"
                )
    return tuple(out)


def expand_strides(shape, strides, new_shape, type_name=None):
    """Strides of `shape/strides` expanded to `new_shape` (stride 0 on broadcast dims).
    `type_name` (torch.FloatTensor...) completes torch's message for too few sizes."""
    if len(new_shape) < len(shape):
        what = f"expand({type_name}{{{list(shape)}}}, size={list(new_shape)})" if type_name \
            else "expand"
        raise RuntimeError(
            f"{what}: the number of sizes provided ({len(new_shape)}) must be greater or equal to "
            f"the number of dimensions in the tensor ({len(shape)})"
        )
    offset = len(new_shape) - len(shape)
    out = []
    inner = None  # (size, stride) of the dim to the right
    # right to left, like torch, so an error names the last mismatching dim
    for i in range(len(new_shape) - 1, -1, -1):
        n = new_shape[i]
        j = i - offset
        if j < 0:
            if n < 0:
                raise RuntimeError(f"The expanded size of the tensor ({n}) isn't allowed in a leading, non-existing dimension {i}")
            # a new dim of size 1 gets the stride it would have if contiguous, as in torch
            stride = inner[0] * inner[1] if n == 1 and inner else 0
        else:
            old = shape[j]
            if n == -1:
                n = old
            if old == n:
                stride = strides[j]
            elif old == 1:
                stride = 0
            else:
                raise RuntimeError(
                    f"The expanded size of the tensor ({n}) must match the existing size ({old}) at "
                    f"non-singleton dimension {i}.  Target sizes: {list(new_shape)}.  Tensor sizes: {list(shape)}"
                )
        out.append(stride)
        inner = (n, stride)
    return tuple(reversed(out))


def infer_size(shape, total):
    """Resolve one -1 in a requested shape; RuntimeError naming the shapes when invalid."""
    shape = tuple(shape)
    neg = [i for i, n in enumerate(shape) if n == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for n in shape:
        if n < -1:
            raise RuntimeError(f"invalid shape dimension {n}")
    known = math.prod(n for n in shape if n != -1)
    if neg:
        if known == 0 and total == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} because "
                               "the unspecified dimension size -1 can be any value and is ambiguous")
        if known == 0 or total % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {total}")
        i = neg[0]
        return shape[:i] + (total // known,) + shape[i + 1:]
    if known != total:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {total}")
    return shape


def view_strides(shape, strides, new_shape):
    """Strides for viewing `shape/strides` as `new_shape` without a copy, or None.

    PyTorch's rule: each run of old dims that is contiguous within itself may be re-split
    into new dims of the same total size.
    """
    if not shape:
        return (1,) * len(new_shape)
    if numel(shape) == 0:
        if tuple(shape) == tuple(new_shape):
            return tuple(strides)
        return contiguous_strides(new_shape) if numel(new_shape) == 0 else None
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base_stride = strides[-1] if strides else 1
    tensor_numel = 1
    view_numel = 1
    for d in range(len(shape) - 1, -1, -1):
        tensor_numel *= shape[d]
        if d == 0 or (shape[d - 1] != 1 and strides[d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base_stride
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                chunk_base_stride = strides[d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return tuple(new_strides)


def collapse(shape, *stride_lists):
    """Merge adjacent dims that every operand walks contiguously; drop size-1 dims.

    Returns (shape, [strides...]) with at least one dim. Kernels then run over fewer,
    longer dims: a contiguous tensor of any rank collapses to one dim.
    """
    dims = [i for i, n in enumerate(shape) if n != 1]
    if not dims:
        return (1,), [(0,) for _ in stride_lists]
    out_shape = [shape[dims[0]]]
    out_strides = [[s[dims[0]]] for s in stride_lists]
    for i in dims[1:]:
        n = shape[i]
        if all(st[-1] == s[i] * n for st, s in zip(out_strides, stride_lists)):
            out_shape[-1] *= n
            for st, s in zip(out_strides, stride_lists):
                st[-1] = s[i]
        else:
            out_shape.append(n)
            for st, s in zip(out_strides, stride_lists):
                st.append(s[i])
    return tuple(out_shape), [tuple(st) for st in out_strides]
