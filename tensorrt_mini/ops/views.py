"""View ops: new sizes, strides and offset over the same storage. No data moves, except
in `contiguous`, `clone` and a `reshape` that strides do not allow as a view."""
import math

from .. import _tensor as T
from ..layout import (broadcast_shapes, check_fits, contiguous_strides, expand_strides,
                      infer_size, is_contiguous, view_strides, wrap_dim, wrap_dims)
from .dispatch import differentiable


def _sizes(args):
    """Accept f(2, 3), f((2, 3)) and f([2, 3]) like PyTorch."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    out = []
    for a in args:
        try:
            out.append(a.__index__())
        except AttributeError:
            raise TypeError(f"expected a sequence of integers, but got {type(a).__name__}") from None
    return tuple(out)


@differentiable
def view(input, *shape):
    shape = infer_size(_sizes(shape), input.numel())
    strides = view_strides(input._shape, input._stride, shape)
    if strides is None:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension "
            "spans across two contiguous subspaces). Use .reshape(...) instead.")
    return T.make_view(input, shape, strides, input._offset)


def reshape(input, *shape):
    shape = infer_size(_sizes(shape), input.numel())
    strides = view_strides(input._shape, input._stride, shape)
    if strides is None:  # no strides can show input in this shape: copy it first
        input = clone(input, contiguous=True)
        strides = contiguous_strides(shape)
    return _reshape_alias(input, shape, strides)


@differentiable
def _reshape_alias(input, shape, strides):
    """reshape's view, made with the strides reshape has already worked out (view would
    work them out again); its derivative is view's."""
    return T.make_view(input, shape, strides, input._offset)


@differentiable
def as_strided(input, size, stride, storage_offset=None):
    size = _sizes((size,))
    stride = _sizes((stride,))
    offset = input._offset if storage_offset is None else storage_offset
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: {list(stride)}")
    if any(n < 0 for n in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(size)}: {list(size)}")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    check_fits(size, stride, offset, input._storage.size(), input._dtype.itemsize)
    return T.make_view(input, size, stride, offset)


@differentiable
def transpose(input, dim0, dim1):
    nd = len(input._shape)
    d0 = wrap_dim(dim0, nd)
    d1 = wrap_dim(dim1, nd)
    shape = list(input._shape)
    stride = list(input._stride)
    if nd:
        shape[d0], shape[d1] = shape[d1], shape[d0]
        stride[d0], stride[d1] = stride[d1], stride[d0]
    return T.make_view(input, shape, stride, input._offset)


def t(input):
    nd = len(input._shape)
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return transpose(input, 0, 1) if nd == 2 else transpose(input, 0, 0) if nd else view(input, ())


def mT(input):
    if len(input._shape) < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got "
                           f"{len(input._shape)}-D tensor.")
    return transpose(input, -2, -1)


def T_(input):
    return permute(input, tuple(range(len(input._shape) - 1, -1, -1)))


@differentiable
def permute(input, *dims):
    dims = _sizes(dims)
    nd = len(input._shape)
    if len(dims) != nd:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length "
            f"of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal to "
            f"len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return T.make_view(input, [input._shape[d] for d in dims], [input._stride[d] for d in dims],
                       input._offset)


def movedim(input, source, destination):
    nd = len(input._shape)
    src = wrap_dims(source, nd)
    dst = wrap_dims(destination, nd)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) "
                           f"should contain the same number of dims as destination ({list(dst)} dims)")
    if not nd:  # a 0-d tensor takes dim 0 (or -1), and moving it changes nothing
        return permute(input, ())
    order = [None] * nd
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(nd) if d not in src)
    order = [o if o is not None else next(rest) for o in order]
    return permute(input, order)


@differentiable
def expand(input, *sizes):
    sizes = _sizes(sizes)
    strides = expand_strides(input._shape, input._stride, sizes, input.type())
    shape = tuple(input._shape[i - (len(sizes) - len(input._shape))] if n == -1 else n
                  for i, n in enumerate(sizes))
    return T.make_view(input, shape, strides, input._offset)


def expand_as(input, other):
    return expand(input, other._shape)


@differentiable
def squeeze(input, dim=None):
    nd = len(input._shape)
    if dim is None:
        dims = {d for d in range(nd) if input._shape[d] == 1}
    else:
        dims = {d for d in wrap_dims(dim, nd) if nd and input._shape[d] == 1}
    keep = [d for d in range(nd) if d not in dims]
    return T.make_view(input, [input._shape[d] for d in keep], [input._stride[d] for d in keep],
                       input._offset)


@differentiable
def unsqueeze(input, dim):
    nd = len(input._shape)
    d = wrap_dim(dim, nd + 1)
    shape = list(input._shape)
    stride = list(input._stride)
    new_stride = shape[d] * stride[d] if d < nd else 1
    shape.insert(d, 1)
    stride.insert(d, new_stride)
    return T.make_view(input, shape, stride, input._offset)


def flatten(input, start_dim=0, end_dim=-1):
    nd = len(input._shape)
    if nd == 0:
        return reshape(input, (1,))
    s = wrap_dim(start_dim, nd)
    e = wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input._shape[:s] + (math.prod(input._shape[s:e + 1]),) + input._shape[e + 1:]
    return reshape(input, shape)


def unflatten(input, dim, sizes):
    nd = len(input._shape)
    d = wrap_dim(dim, nd)
    sizes = tuple(sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    inferred = infer_size(sizes, input._shape[d]) if -1 in sizes else sizes
    if math.prod(inferred) != input._shape[d]:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
            f"({input._shape[d]}) in the input tensor")
    return view(input, input._shape[:d] + inferred + input._shape[d + 1:])


@differentiable
def narrow(input, dim, start, length):
    nd = len(input._shape)
    if nd == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, nd)
    size = input._shape[d]
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if start < 0:
        start += size
    if length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    shape = list(input._shape)
    shape[d] = length
    return T.make_view(input, shape, input._stride, input._offset + start * input._stride[d])


@differentiable
def select(input, dim, index):
    nd = len(input._shape)
    if nd == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, nd)
    size = input._shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input._shape)} at dimension {d}")
    if index < 0:
        index += size
    return T.make_view(input, input._shape[:d] + input._shape[d + 1:],
                       input._stride[:d] + input._stride[d + 1:],
                       input._offset + index * input._stride[d])


def unbind(input, dim=0):
    d = wrap_dim(dim, len(input._shape))
    return tuple(select(input, d, i) for i in range(input._shape[d]))


def split(input, split_size_or_sections, dim=0):
    d = wrap_dim(dim, len(input._shape))
    size = input._shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and not (step == 0 and size == 0):
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}"
                               if step == 0 else f"split expects split_size be non-negative, but got split_size={step}")
        # an empty dim still splits into one empty piece
        sections = [min(step, size - s) for s in range(0, size, step)] if size else [0]
    else:
        sections = list(split_size_or_sections)
        if sum(sections) != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} "
                               f"(input tensor's size at dimension {d}), but got split_sizes={sections}")
    out = []
    start = 0
    for n in sections:
        out.append(narrow(input, d, start, n))
        start += n
    return tuple(out)


def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(dim, len(input._shape))
    size = input._shape[d]
    if not size:  # torch returns `chunks` empty pieces here
        return split(input, [0] * chunks, d)
    return split(input, -(-size // chunks), d)


@differentiable
def diagonal(input, offset=0, dim1=0, dim2=1):
    nd = len(input._shape)
    d1 = wrap_dim(dim1, nd)
    d2 = wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    start = input._offset
    if offset >= 0:
        n = max(min(input._shape[d1], input._shape[d2] - offset), 0)
        start += offset * input._stride[d2] if n else 0
    else:
        n = max(min(input._shape[d1] + offset, input._shape[d2]), 0)
        start += -offset * input._stride[d1] if n else 0
    keep = [d for d in range(nd) if d not in (d1, d2)]
    shape = [input._shape[d] for d in keep] + [n]
    stride = [input._stride[d] for d in keep] + [input._stride[d1] + input._stride[d2]]
    return T.make_view(input, shape, stride, start)


@differentiable
def clone(input, contiguous=False):
    """A copy of input; it keeps input's memory order unless `contiguous` is asked for."""
    if contiguous:
        out = T.empty_tensor(input._shape, input._dtype, input._storage.device)
        T.backends.get(input._storage.device.type).copy_(out, input)
        return out
    return T.clone_raw(input)


def contiguous(input):
    if is_contiguous(input._shape, input._stride):
        return input
    return clone(input, contiguous=True)


def view_as(input, other):
    return view(input, other._shape)


def reshape_as(input, other):
    return reshape(input, other._shape)



# --- in-place view methods: the tensor itself takes a view's sizes, strides and offset ---

@differentiable(writes=0)
def restride_(input, view_op, *args):
    """input.<view_op>_(*args): input takes the layout of view_op(input, *args), over the
    same storage (under autograd, also its graph node: see autograd/formulas/views.py)."""
    out = view_op(input, *args)
    take_layout_(input, out)
    return input


def take_layout_(input, view):
    """input shows what `view` (a view of input's storage) shows; torch counts it a write."""
    input._shape, input._stride, input._offset = view._shape, view._stride, view._offset
    input._storage._version += 1


def unsqueeze_(input, dim):
    return restride_(input, unsqueeze, dim)


def squeeze_(input, dim=None):
    return restride_(input, squeeze, dim)


def t_(input):
    return restride_(input, t)


def transpose_(input, dim0, dim1):
    return restride_(input, transpose, dim0, dim1)


def as_strided_(input, size, stride, storage_offset=None):
    return restride_(input, as_strided, size, stride, storage_offset)


def resize_(input, *sizes, memory_format=None):
    """input gets `sizes`, contiguous, at its storage offset; its storage grows when it is
    too small (the new elements uninitialised). The same sizes keep input's strides."""
    if input._requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    shape = _sizes(sizes)
    if any(n < 0 for n in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: "
                           f"{list(shape)}")
    if shape != input._shape:
        input._storage.resize_(input._offset + math.prod(shape))
        input._shape, input._stride = shape, contiguous_strides(shape)
    input._storage._version += 1
    return input


def resize_as_(input, other, memory_format=None):
    return resize_(input, other._shape)


# --- splitting at indices, broadcasting ------------------------------------------------------

def tensor_split(input, indices_or_sections, dim=0):
    """Views of input split along dim: into n near-equal parts (the first size % n one
    longer), or at the given indices."""
    d = wrap_dim(dim, len(input._shape))
    size = input._shape[d]
    split_at = indices_or_sections
    if isinstance(split_at, T.Tensor):
        if split_at.dim() > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a "
                               "zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {split_at.dim()} dims")
        split_at = split_at.item() if not split_at.dim() else split_at.tolist()
    if isinstance(split_at, int):
        if split_at <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {split_at}")
        small, extra = divmod(size, split_at)
        lengths = [small + 1] * extra + [small] * (split_at - extra)
        starts = [sum(lengths[:k]) for k in range(split_at)]
    else:
        bounds = [0] + [min(max(i, 0), size) for i in split_at] + [size]
        starts = bounds[:-1]
        lengths = [max(b - a, 0) for a, b in zip(bounds, bounds[1:])]
    return tuple(narrow(input, d, start, n) for start, n in zip(starts, lengths))


def _split_named(name, input, sections, dim, min_dims):
    if len(input._shape) < min_dims:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, "
                           f"but got a tensor with {len(input._shape)} dimensions!")
    if isinstance(sections, int):
        size = input._shape[dim]
        if sections == 0 or size % sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the "
                               f"size of the dimension {size} is not divisible by the split_size "
                               f"{sections}!")
    return tensor_split(input, sections, dim)


def hsplit(input, sections):
    return _split_named("hsplit", input, sections, 1 if len(input._shape) > 1 else 0, 1)


def vsplit(input, sections):
    return _split_named("vsplit", input, sections, 0, 2)


def dsplit(input, sections):
    return _split_named("dsplit", input, sections, 2, 3)


def broadcast_to(input, size):
    return expand(input, size)


def broadcast_tensors(*tensors):
    """Views of the tensors, each expanded to their common shape."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = broadcast_shapes(*(t._shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)
