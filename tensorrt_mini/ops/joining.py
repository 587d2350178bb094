"""cat and stack: one output, each input copied into its slice of it; and repeat, the
input tiled, through expand and reshape (so autograd needs nothing of its own)."""
from .. import _tensor as T
from ..layout import wrap_dim
from .dispatch import GradMode, differentiable
from .elementwise import check_same_device, result_type
from .views import clone


@differentiable
def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    check_same_device(*tensors)
    # PyTorch still skips legacy empty 1-D tensors of shape (0,)
    parts = [(i, t) for i, t in enumerate(tensors) if t._shape != (0,)] or [(0, tensors[0])]
    ref = parts[0][1]
    if ref.dim() == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = wrap_dim(dim, ref.dim())
    for i, t in enumerate(tensors):
        if t.dim() == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    before, after = ref._shape[:d], ref._shape[d + 1:]
    for i, t in parts:
        shape = t._shape
        if len(shape) != len(ref._shape):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.dim()} and {t.dim()}")
        if shape[:d] != before or shape[d + 1:] != after:
            k = next(k for k, (n, m) in enumerate(zip(shape, ref._shape)) if k != d and n != m)
            raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                               f"{ref._shape[k]} but got size {shape[k]} for tensor number "
                               f"{i} in the list.")
    parts = [t for _, t in parts]
    dtype = result_type(*tensors)  # the skipped empty tensors still take part
    shape = list(ref._shape)
    shape[d] = sum(t._shape[d] for t in parts)
    out = T.empty_tensor(tuple(shape), dtype, ref._storage.device)
    if ref._storage.device.type == "cpu":  # one numpy concatenate (a copy_ each: 17 us at 2^10)
        T.backends.get("cpu").cat(out, parts, d)
        return out
    backend = T.backends.get(ref._storage.device.type)
    start = 0
    for t in parts:
        n = t._shape[d]
        if n:
            backend.copy_(out.narrow(d, start, n), t)
        start += n
    return out


def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        if t._shape != tensors[0]._shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(tensors[0]._shape)} at entry 0 and {list(t._shape)} at entry {i}")
    d = wrap_dim(dim, tensors[0].dim() + 1)
    first = tensors[0]
    if not (GradMode.enabled and any(t._requires_grad for t in tensors)) and all(
            t._dtype is first._dtype and t._storage.device.type == "cpu" for t in tensors):
        # many small inputs (a DataLoader's batch of samples): one copy by the backend, without
        # a dispatched unsqueeze per input and cat's promotion and device checks
        shape = first._shape
        out = T.empty_tensor(shape[:d] + (len(tensors),) + shape[d:], first._dtype,
                             first._storage.device)
        T.backends.get("cpu").stack(out, tensors, d)
        return out
    return cat([t.unsqueeze(d) for t in tensors], d)


def repeat(input, *sizes):
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    if len(sizes) < input.dim():
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    shape = (1,) * (len(sizes) - input.dim()) + tuple(input._shape)
    # a new dim of size r before each dim, expanded, then merged into it
    x = input.reshape(shape)
    x = x.reshape([n for s in shape for n in (1, s)])
    x = x.expand([n for r, s in zip(sizes, shape) for n in (r, s)])
    out = x.reshape([r * s for r, s in zip(sizes, shape)])
    # reshape returns a view where no copy was needed (repeats of 1): repeat never aliases
    return clone(out, contiguous=True) if out._storage is input._storage else out


def tile(input, dims):
    """repeat, with dims padded with leading 1s to input's number of dims."""
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    return repeat(input, (1,) * (input.dim() - len(dims)) + dims)


# --- stacking by dims, grids ----------------------------------------------------------------

def atleast_1d(*tensors):
    return _at_least(tensors, lambda t: t.reshape(1) if not t.dim() else t)


def atleast_2d(*tensors):
    return _at_least(tensors, lambda t: t.reshape(1, -1) if t.dim() < 2 else t)


def atleast_3d(*tensors):
    def lift(t):
        if t.dim() == 0:
            return t.reshape(1, 1, 1)
        if t.dim() == 1:
            return t.reshape(1, -1, 1)
        return t.unsqueeze(-1) if t.dim() == 2 else t
    return _at_least(tensors, lift)


def _at_least(tensors, lift):
    """One tensor: its lifted view; several (or a sequence): a tuple of them."""
    if len(tensors) == 1 and not isinstance(tensors[0], (list, tuple)):
        return lift(tensors[0])
    if len(tensors) == 1:
        tensors = tensors[0]
    return tuple(lift(t) for t in tensors)


def hstack(tensors):
    tensors = atleast_1d(tuple(tensors))
    return cat(tensors, 0 if tensors[0].dim() == 1 else 1)


def vstack(tensors):
    return cat(atleast_2d(tuple(tensors)), 0)


row_stack = vstack


def dstack(tensors):
    return cat(atleast_3d(tuple(tensors)), 2)


def column_stack(tensors):
    """1-D (and 0-d) tensors as columns, joined with the 2-D ones along dim 1."""
    columns = tuple(t.reshape(-1, 1) if t.dim() <= 1 else t for t in tensors)
    return cat(columns, 1)


def meshgrid(*tensors, indexing="ij"):
    """Expanded views of 1-D tensors, one per tensor, over the grid of all of them; "xy"
    swaps the first two dims (Cartesian indexing)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    for t in tensors:
        if t.dim() > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t}")
    vectors = [t.reshape(-1) for t in tensors]
    order = list(range(len(vectors)))
    if indexing == "xy" and len(vectors) > 1:
        order[0], order[1] = 1, 0
    shape = [vectors[k].numel() for k in order]
    grids = []
    for k, v in enumerate(vectors):
        place = [1] * len(vectors)
        place[order.index(k)] = -1
        grids.append(v.reshape(place).expand(shape))
    return tuple(grids)


def cartesian_prod(*tensors):
    """Every combination of the 1-D tensors' elements, one per row (the last varies fastest)."""
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)
