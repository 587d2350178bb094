"""Sliding windows: the im2col view, its adjoint (col2im, a sum of windows), unfold and fold.

Convolutions and F.unfold/F.fold are built on two pieces that work on any device:
`windows` views every window of a padded tensor without copying (as_strided), so a reshape
of it is im2col; `add_windows` adds a tensor of windows back into place, one kernel offset
at a time (each offset's windows do not overlap, so every add is a plain in-place add).
"""
import itertools
import math

from ... import creation
from ...autograd.graph import record
from ...ops.padding import pad
from .core import _tracking, _untracked


def out_size(size, kernel, stride, dilation, padding):
    """Windows along one dim: padding is (before, after)."""
    return (size + padding[0] + padding[1] - dilation * (kernel - 1) - 1) // stride + 1


def windows(t, first, kernel, stride, dilation, count):
    """t's windows as a view: its dims first..first+n-1 (n = len(kernel)) become the window
    counts `count`, followed by n dims that walk each window."""
    n = len(kernel)
    spatial = t._stride[first:first + n]
    shape = t._shape[:first] + tuple(count) + tuple(kernel) + t._shape[first + n:]
    strides = (t._stride[:first] + tuple(s * st for s, st in zip(spatial, stride))
               + tuple(s * d for s, d in zip(spatial, dilation)) + t._stride[first + n:])
    return t.as_strided(shape, strides, t._offset)


def add_windows(dst, src, first, kernel, stride, dilation):
    """dst's windows (as `windows` lays them out) += src, whose shape is theirs."""
    n = len(kernel)
    count = src._shape[first:first + n]
    view = windows(dst, first, kernel, stride, dilation, count)
    lead = (slice(None),) * (first + n)
    for at in itertools.product(*map(range, kernel)):
        view[lead + at].add_(src[lead + at])


def gathered(view, shape):
    """A new contiguous tensor of `shape` holding view's elements in view's order (one copy,
    never an alias of view's memory, whatever its strides)."""
    out = creation.empty(shape, dtype=view._dtype, device=view.device)
    out.view(view._shape).copy_(view)
    return out


def pad_pairs(padding):
    """F.pad's argument for (before, after) pairs of the last dims, in order."""
    return tuple(p for pair in reversed(padding) for p in pair)


# --- F.unfold and F.fold --------------------------------------------------------------

def _pair(value, name):
    value = tuple(value) if isinstance(value, (tuple, list)) else (value,) * 2
    if len(value) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(value)}")
    return value


def _block_args(kernel_size, dilation, padding, stride):
    k, d, p, s = (_pair(v, n) for v, n in ((kernel_size, "kernel_size"), (dilation, "dilation"),
                                           (padding, "padding"), (stride, "stride")))
    if min(k) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: "
                           f"{k[0]} kernel_width: {k[1]}")
    if min(s) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {s[0]} "
                           f"stride_width: {s[1]}")
    if min(d) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: "
                           f"{d[0]} dilation_width: {d[1]}")
    if min(p) < 0:
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {p[0]} "
                           f"pad_width: {p[1]}")
    return k, d, p, s


def _counts(size, k, d, p, s):
    """The number of blocks along each of the two dims."""
    return tuple(out_size(n, kk, ss, dd, (pp, pp)) for n, kk, ss, dd, pp in zip(size, k, s, d, p))


def _blocks(size, k, d, p, s):
    count = _counts(size, k, d, p, s)
    if min(count) < 1:
        raise RuntimeError(
            f"Given input with spatial size ({size[0]}, {size[1]}), kernel_size=({k[0]}, {k[1]}), "
            f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), calculated shape of the array "
            f"of sliding blocks as ({count[0]}, {count[1]}), but its components must be at least "
            "one.")
    return count


def _im2col(x, k, d, p, s, count, shape):
    """(N, C, H, W) -> a new tensor of `shape` ((N, C * kh * kw, L) or, unbatched, without
    the N) whose rows are channel-major, as torch orders them."""
    padded = pad(x, (p[1], p[1], p[0], p[0])) if any(p) else x
    view = windows(padded, 2, k, s, d, count)  # (N, C, bh, bw, kh, kw)
    return gathered(view.permute(0, 1, 4, 5, 2, 3), shape)


def _col2im(cols, size, k, d, p, s, count, shape):
    """The adjoint of _im2col: (N, C * kh * kw, L) summed into a new tensor of `shape`
    ((N, C, H, W) or, unbatched, (C, H, W))."""
    n = cols._shape[0]
    c = cols._shape[1] // (k[0] * k[1])
    full = creation.zeros((n, c, size[0] + 2 * p[0], size[1] + 2 * p[1]), dtype=cols._dtype,
                          device=cols.device)
    src = cols.reshape(n, c, k[0], k[1], count[0], count[1]).permute(0, 1, 4, 5, 2, 3)
    add_windows(full, src, 2, k, s, d)
    if any(p) or len(shape) != 4:
        return gathered(full[:, :, p[0]:p[0] + size[0], p[1]:p[1] + size[1]], shape)
    return full


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.unfold: every block of a (N, C, H, W) (or unbatched (C, H, W))
    input as a column of (N, C * prod(kernel_size), L)."""
    if input.dim() not in (3, 4) or 0 in input._shape[-3:]:
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size "
                           f"and other non-zero dimensions for input, but got: "
                           f"{list(input._shape)}")
    k, d, p, s = _block_args(kernel_size, dilation, padding, stride)
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)
    size = x._shape[2:]
    count = _blocks(size, k, d, p, s)
    rows = x._shape[1] * k[0] * k[1], count[0] * count[1]
    track = _tracking(input)
    out = _untracked(lambda: _im2col(x, k, d, p, s, count, input._shape[:-3] + rows), track)
    if not track:
        return out

    def backward(g):  # (fold records a node of its own when the backward creates a graph)
        return (fold(g, size, k, d, p, s),)
    return record("Im2ColBackward0", out, (input,), backward)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.fold: sums the columns of (N, C * prod(kernel_size), L) (or
    unbatched (C * prod(kernel_size), L)) into a (N, C, *output_size) tensor."""
    if input.dim() not in (2, 3) or 0 in input._shape[-2:]:
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                           f"batch size and non-zero dimensions for input, but got: "
                           f"{list(input._shape)}")
    size = _pair(output_size, "output_size")
    k, d, p, s = _block_args(kernel_size, dilation, padding, stride)
    batched = input.dim() == 3
    cols = input if batched else input.unsqueeze(0)
    rows, length = cols._shape[1:]
    if rows % (k[0] * k[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={rows} and "
                           f"kernel_size=({k[0]}, {k[1]}).")
    count = _counts(size, k, d, p, s)
    if math.prod(count) != length or min(count) < 1:
        raise RuntimeError(
            f"Given output_size=({size[0]}, {size[1]}), kernel_size=({k[0]}, {k[1]}), "
            f"dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), "
            f"expected size of input's dimension 2 to match the calculated number of sliding "
            f"blocks {count[0]} * {count[1]} = {math.prod(count)}, but got input.size(2)="
            f"{length}.")
    shape = input._shape[:-2] + (rows // (k[0] * k[1]),) + size
    track = _tracking(input)
    out = _untracked(lambda: _col2im(cols, size, k, d, p, s, count, shape), track)
    if not track:
        return out

    def backward(g):  # (unfold records a node of its own when the backward creates a graph)
        return (unfold(g, k, d, p, s),)
    return record("Col2ImBackward0", out, (input,), backward)
