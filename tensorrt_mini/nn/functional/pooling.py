"""Pooling over 1-D, 2-D and 3-D inputs: max (with indices), average, adaptive, and max
unpooling. One implementation serves every rank: the 1-D layers run as 2-D ones over a
height of 1, and the helpers below take N spatial dims.

A window position (kh, kw) (or (kd, kh, kw)) is one strided view of the padded input, of
the output's shape, so a pool is a fold over prod(k) views. On cuda max pooling folds
them, two positions per fused elementwise pass; for 2-D on the cpu one kernel
(kernels/cpu/max_pool.py) walks each window, as the folds cost a pass over the output per
position, and 3-D on the cpu runs that kernel over each depth slice and folds only the kD
depth positions. Both keep torch's rule (a later element wins when it is greater, or
NaN), so ties go to the first maximum in window order and indices match torch's; the
backward adds the gradient at those indices. Average pooling sums a window view; its
backward adds the scaled gradient into each position's view. Adaptive average pooling with
uneven windows averages along each spatial dim in turn, by a matmul with an averaging
matrix (values within an ulp or two of torch's sum-then-divide). Each layer records one
graph node, and all of it runs on cpu and cuda.

Indices are flat positions within each (H, W) plane or (D, H, W) volume of the unpadded
input, int64, as in torch.
"""
import itertools
import math

import numpy as np

from ... import _tensor as T
from ... import creation
from ... import dtypes as D
from ...autograd.graph import record
from ...ops.autocast import autocast_op
from ...ops.fused import elementwise
from ...ops.padding import pad
from .core import _tracking, _untracked


@elementwise
def _max_step(v0, v1, best, position, c0, c1):
    """Two window positions (values v0, v1 at positions c0, c1) folded into (max so far, its
    position); two per pass halves the passes over the strided views."""
    if v0 > best or v0 != v0:
        best, position = v0, c0
    if v1 > best or v1 != v1:
        return v1, c1
    return best, position


# --- arguments and shapes -----------------------------------------------------------

def _ntuple(value, n, message):
    """An int, or a sequence of one or n ints, as n ints."""
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            return (int(value[0]),) * n
        if len(value) != n:
            raise RuntimeError(message)
        return tuple(int(v) for v in value)
    return (int(value),) * n


def _pool_args(name, kernel_size, stride, padding, dilation=1, n=2):
    count = {2: "two", 3: "three"}[n]
    either = "" if name == "avg_pool3d" else " either"  # (avg_pool3d's messages lack it)
    k = _ntuple(kernel_size, n, f"{name}: kernel_size must{either} be a single int, or a tuple of "
                                f"{count} ints")
    if stride is None or (isinstance(stride, (tuple, list)) and not len(stride)):
        s = k
    else:
        s = _ntuple(stride, n, f"{name}: stride must{either} be omitted, a single int, or a tuple "
                               f"of {count} ints")
    p = _ntuple(padding, n, f"{name}: padding must{either} be a single int, or a tuple of {count} "
                            "ints")
    d = _ntuple(dilation, n, f"{name}: dilation must be either a single int, or a tuple of "
                             f"{count} ints")
    return k, s, p, d


def _out_len(size, k, pad, s, d, ceil_mode):
    """torch's pooling output length: a window in ceil mode must start inside the input or
    its left padding."""
    if s == 0:
        raise RuntimeError("stride should not be zero")
    if pad < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {pad}")
    if pad > ((k - 1) * d + 1) // 2:
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pad}, "
                           f"kernel_size={k} and dilation={d}")
    n = size + 2 * pad - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = n // s + 1
    if ceil_mode and (out - 1) * s >= size + pad:
        out -= 1
    return out


def _output_size(name, x, k, s, p, d, ceil_mode, check_input_size=False):
    """The output's spatial size after torch's checks, in torch's order, for an input of
    len(k) spatial dims with or without the batch dim (name: the 3-D checks' function name;
    check_input_size: avg_pool3d's refusal of a window larger than the input)."""
    n = len(k)
    spatial = x._shape[-n:] if x.dim() >= n else (0,) * n
    out = tuple(_out_len(spatial[i], k[i], p[i], s[i], d[i], ceil_mode) for i in range(n))
    axes = "HW" if n == 2 else "THW"

    def listing(prefix, values, order=range(n)):
        return " ".join(f"{prefix}{axes[i]}: {values[i]}" for i in order)
    if min(k) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got {listing('k', k)}")
    if min(s) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got {listing('d', s)}")
    if min(d) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got "
                           f"{listing('dilation', d)}")
    if n == 2 and (x.dim() not in (3, 4) or 0 in x._shape[-3:]):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size "
                           f"for input, but got:{list(x._shape)}")
    if n == 3:
        for i in range(x.dim() == 5, x.dim()):  # (a 5-D input's batch may be empty)
            if x._shape[i] == 0:  # (torch names the length, 0, where it means the dim)
                raise RuntimeError(f"{name}: Expected input's non-batch dimensions to have "
                                   f"positive length, but input has a shape of {list(x._shape)} "
                                   f"and non-batch dimension 0 has length zero!")
        if check_input_size and any(spatial[i] < k[i] for i in range(n)):
            raise RuntimeError(f"input image ({listing('', spatial)}) smaller than kernel size "
                               f"({listing('k', k)})")
    if any(k[i] // 2 < p[i] for i in range(n)):
        if n == 2:
            raise RuntimeError("pad should be smaller than or equal to half of kernel size, but "
                               f"got padW = {p[1]}, padH = {p[0]}, kW = {k[1]}, kH = {k[0]}")
        raise RuntimeError("pad should be smaller than or equal to half of kernel size, but got "
                           f"{listing('k', k, (0, 2, 1))} {listing('pad', p, (0, 2, 1))}")
    if min(out) < 1:
        c = x._shape[-n - 1]
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (c,) + spatial))}). Calculated "
                           f"output size: ({'x'.join(map(str, (c,) + out))}). Output size is too "
                           "small")
    return out


def _batched(x, n=2):
    """x, of n spatial dims, with the batch dim, and whether it came without it."""
    return (x.unsqueeze(0), True) if x.dim() == n + 1 else (x, False)


def _unbatch(t, unbatched):
    return t.squeeze(0) if unbatched else t


def _lowest(dtype):
    return -float("inf") if dtype.is_floating_point else int(np.iinfo(dtype.np).min)


_TORCH_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
                "int64": "Long", "float32": "Float", "float64": "Double"}


def _refuse_bool(name, x):
    if x._dtype is D.bool_:
        raise NotImplementedError(f'"{name}" not implemented for \'Bool\'')


def _window_views(xp, out, k, s, d):
    """Yield (position, view): the elements at window position (kh, kw) (or (kd, kh, kw))
    of every window of the padded (N, C, *spatial) input, as an (N, C, *out) strided view."""
    st = xp._stride
    size = xp._shape[:2] + tuple(out)
    stride = st[:2] + tuple(st[2 + i] * s[i] for i in range(len(k)))
    for position in itertools.product(*(range(v) for v in k)):
        offset = xp._offset + sum(j * d[i] * st[2 + i] for i, j in enumerate(position))
        yield position, xp.as_strided(size, stride, offset)


def _padded(x, out, k, s, p, d, value):
    """x padded by p on the left and as far on the right as the last window reaches."""
    right = [max(0, (out[i] - 1) * s[i] + (k[i] - 1) * d[i] + 1 - x._shape[2 + i] - p[i])
             for i in range(len(k))]
    if not (any(p) or any(right)):
        return x
    pairs = ()
    for i in reversed(range(len(k))):  # pad's pairs run from the last dim
        pairs += (p[i], right[i])
    return pad(x, pairs, value=value)


def _plane_strides(size):
    """The flat index's step along each spatial dim of a C-contiguous plane of `size`."""
    return tuple(math.prod(size[i + 1:]) for i in range(len(size)))


def _on_grid(per_dim, strides):
    """sum over i of per_dim[i] (a 1-D array along output dim i) times strides[i], as an
    array over the whole output grid."""
    total = np.zeros((), dtype=np.int64)
    for values, step in zip(per_dim, strides):
        total = total[..., None] + np.asarray(values, dtype=np.int64) * step
    return total


# --- max pooling --------------------------------------------------------------------

def _fold_max(views, first, shape, dtype, device):
    """Fold (view, relative position) pairs into (maxima, relative position of each)."""
    best = creation.full(shape, _lowest(dtype), dtype=dtype, device=device)
    where = creation.empty(shape, dtype=dtype, device=device)
    if isinstance(first, int):
        where.fill_(first)
    else:
        where.copy_(first)
    views = list(views)
    if len(views) % 2:  # a position paired with itself folds as the position alone
        views.append(views[-1])
    for (v0, c0), (v1, c1) in zip(views[::2], views[1::2]):
        _max_step(v0, v1, best, where, c0, c1, out=(best, where))
    return best, where


def _compute_dtype(x, largest_position):
    """Positions ride along in x's dtype: integers widen to int64, and float32 to float64
    where a position could exceed 2**24 (float32's exact integers)."""
    if not x._dtype.is_floating_point:
        return D.int64
    if x._dtype is D.float32 and largest_position >= 2 ** 24:
        return D.float64
    return x._dtype


def _max_pool_nd(x, k, s, p, d, out, want_indices):
    """(values, int64 indices or None) of max pooling a batched input, untracked."""
    n, c = x._shape[:2]
    if x.device.type == "cpu" and len(k) == 2:  # one kernel pass (the folds below cost a
        values = creation.empty((n, c) + tuple(out), dtype=x._dtype)  # pass per position)
        indices = creation.empty((n, c) + tuple(out), dtype=D.int64)
        T.backends.get("cpu").max_pool2d(values, indices, x.contiguous(), k, s, p, d)
        return values, indices if want_indices else None
    if x.device.type == "cpu" and len(k) == 3:
        values, indices = _max_pool3d_by_slices(x, k, s, p, d, out)
        return values, indices if want_indices else None
    steps = _plane_strides(x._shape[2:])
    dtype = _compute_dtype(x, sum((k[i] - 1) * d[i] * steps[i] for i in range(len(k))) + 1)
    work = x if dtype is x._dtype else x.to(dtype)
    xp = _padded(work, out, k, s, p, d, _lowest(dtype))
    # a window's first element inside the input (torch's starting index), relative to the
    # window's corner
    first = _on_grid([np.maximum(0, -(-(p[i] - np.arange(out[i]) * s[i]) // d[i])) * d[i]
                      for i in range(len(k))], steps)
    first = creation.tensor(first, dtype=dtype, device=x.device) if first.any() else 0
    views = ((v, sum(j * d[i] * steps[i] for i, j in enumerate(position)))
             for position, v in _window_views(xp, out, k, s, d))
    best, where = _fold_max(views, first, (n, c) + tuple(out), dtype, x.device)
    if dtype is not x._dtype:
        best = best.to(x._dtype)
    if not want_indices:
        return best, None
    corner = _on_grid([np.arange(out[i]) * s[i] - p[i] for i in range(len(k))], steps)
    return best, where.to(D.int64) + creation.tensor(corner, dtype=D.int64, device=x.device)


def _max_pool3d_by_slices(x, k, s, p, d, out):
    """cpu 3-D max pooling: the 2-D kernel pools every depth slice over (H, W), then a fold
    over the kD depth positions picks each window's maximum. A slice's maximum is its first
    in (kh, kw) order and the fold keeps the earlier depth on ties (a later one wins only
    when greater, or NaN), so the result is torch's first in (kd, kh, kw) order."""
    n, c, depth, h, w = x._shape
    sliced = x.reshape(n, c * depth, h, w)
    values, where = _max_pool_nd(sliced, k[1:], s[1:], p[1:], d[1:], out[1:], True)
    dtype = _compute_dtype(x, depth * h * w)
    plane = out[1] * out[2]
    values = values.view(n, c, depth, plane).to(dtype)
    # positions in the volume: depth * H * W + the position in the slice
    where = where.view(n, c, depth, plane).add_(
        creation.tensor(np.arange(depth) * h * w, device=x.device).view(depth, 1)).to(dtype)
    # the fold over depths, as 2-D pooling over (D, OH * OW) with windows one element wide
    k2, s2, p2, d2, out2 = (k[0], 1), (s[0], 1), (p[0], 0), (d[0], 1), (out[0], plane)
    steps = zip(_window_views(_padded(values, out2, k2, s2, p2, d2, _lowest(dtype)),
                              out2, k2, s2, d2),
                _window_views(_padded(where, out2, k2, s2, p2, d2, 0), out2, k2, s2, d2))
    views = [(v, position) for (_, v), (_, position) in steps]
    # each window's first depth inside the input holds the position torch gives a window
    # of nothing above the lowest value
    start = np.arange(out[0]) * s[0] - p[0]
    first_depth = start + np.maximum(0, -(-(-start) // d[0])) * d[0]
    first = where.index_select(2, creation.tensor(first_depth, device=x.device))
    best, position = _fold_max(views, first, (n, c) + out2, dtype, x.device)
    shape = (n, c) + tuple(out)
    return best.to(x._dtype).view(shape), position.to(D.int64).view(shape)


def _scatter_back(g, indices, in_shape):
    """The gradient of a max pool: g added at each output's input position."""
    n, c = in_shape[:2]
    if g.device.type == "cpu" and not _tracking(g):  # (a graph of it for double backward)
        grad = creation.zeros(in_shape, dtype=g._dtype)
        T.backends.get("cpu").max_pool2d_backward(grad, g.contiguous(), indices.contiguous())
        return grad
    plane = int(np.prod(in_shape[2:]))
    grad = creation.zeros((n, c, plane), dtype=g._dtype, device=g.device)
    grad.scatter_add_(2, indices.reshape(n, c, -1), g.reshape(n, c, -1))
    return grad.view(in_shape)


def _record_max(name, x, values, indices):
    in_shape = x._shape
    return record(name, values, (x,), lambda g: (_scatter_back(g, indices, in_shape),))


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    if input.dim() not in (3, 4):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    k, s, p, d = _pool_args("max_pool2d", kernel_size, stride, padding, dilation)
    out_hw = _output_size(None, input, k, s, p, d, ceil_mode)
    _refuse_bool("max_pool2d", input)
    return _max_pool(input, k, s, p, d, out_hw, return_indices, "MaxPool2DWithIndicesBackward0")


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    if input.dim() not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    k, s, p, d = _pool_args("max_pool3d", kernel_size, stride, padding, dilation, 3)
    out = _output_size("max_pool3d_with_indices_out_cpu_template()", input, k, s, p, d,
                       ceil_mode)
    _refuse_bool("max_pool3d", input)
    return _max_pool(input, k, s, p, d, out, return_indices, "MaxPool3DWithIndicesBackward0")


def _max_pool(input, k, s, p, d, out, return_indices, name):
    x, unbatched = _batched(input, len(k))
    track = _tracking(x)
    values, indices = _untracked(
        lambda: _max_pool_nd(x, k, s, p, d, out, return_indices or track), track)
    if track:
        values = _record_max(name, x, values, indices)
    values = _unbatch(values, unbatched)
    return (values, _unbatch(indices, unbatched)) if return_indices else values


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    if return_indices:
        _check_1d_rank("max_pool1d", input)
        k, s, p, d = _pool_args_1d("max_pool1d", kernel_size, stride, padding, dilation)
        x = input.unsqueeze(-2)
        out_hw = _output_size(None, x, (1, k), (1, s), (0, p), (1, d), ceil_mode)
        values, indices = _max_pool(x, (1, k), (1, s), (0, p), (1, d), out_hw, True,
                                    "MaxPool2DWithIndicesBackward0")
        return values.squeeze(-2), indices.squeeze(-2)
    k, s, p, d = _check_max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode)
    x = input.unsqueeze(-2)
    out_hw = (1, _out_len(x._shape[-1], k, p, s, d, ceil_mode))
    _refuse_bool("max_pool1d", input)
    return _max_pool(x, (1, k), (1, s), (0, p), (1, d), out_hw, False,
                     "MaxPool2DWithIndicesBackward0").squeeze(-2)


def _single(name, value, what):
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise RuntimeError(f"{name}() argument '{what}' should contain one int "
                               f"(got {len(value)})")
        return int(value[0])
    return int(value)


def _pool_args_1d(name, kernel_size, stride, padding, dilation):
    k = _single(name, kernel_size, "kernel_size")
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not len(stride)) \
        else _single(name, stride, "stride")
    return k, s, _single(name, padding, "padding"), _single(name, dilation, "dilation")


def _check_1d_rank(name, x):
    if x.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {x.dim()}-dimensional tensor for "
                           f"argument #1 'self' (while checking arguments for {name})")


def _check_max_pool1d(x, kernel_size, stride, padding, dilation, ceil_mode):
    """torch's own checks (and messages) of max_pool1d without indices."""
    if x.dim() not in (2, 3) or 0 in x._shape[-2:]:
        raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim "
                           f"batch size for input, but got:{list(x._shape)}")

    def one(value, what, omittable=False):
        if isinstance(value, (tuple, list)):
            if omittable and not len(value):
                return None
            if len(value) != 1:
                kinds = "None, an int, or a tuple of ints" if omittable else \
                    "an int, list of ints or tuple of ints"
                raise RuntimeError(f"max_pool1d() {what} must be {kinds} of size 1 but got "
                                   f"size {len(value)}")
            return int(value[0])
        return None if value is None else int(value)
    k = one(kernel_size, "kernel_size")
    s = one(stride, "stride", omittable=True)
    s = k if s is None else s
    p, d = one(padding, "padding"), one(dilation, "dilation")
    if k <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k}")
    if s <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {s}")
    if p < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p}")
    if p > k // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got "
                           f"padding={p} and kernel_size={k}")
    if d <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d}")
    out = _out_len(x._shape[-1], k, p, s, d, ceil_mode)
    if out < 1:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")
    return k, s, p, d


# --- average pooling ----------------------------------------------------------------

def _avg_divisor(size, out_len, k, s, p, count_include_pad):
    """Per output position along one dim: (window length counting padding, counting only the
    input), as torch's avg_pool counts them."""
    start = np.arange(out_len) * s - p
    end = np.minimum(start + k, size + p)
    with_pad = end - start
    return with_pad if count_include_pad else np.minimum(end, size) - np.maximum(start, 0)


@autocast_op
def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    if input.dim() not in (3, 4):
        if input.dim() < 3:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-max(input.dim(), 1)}, {max(input.dim(), 1) - 1}], but got -3)")
    k, s, p, d = _pool_args("avg_pool2d", kernel_size, stride, padding)
    _check_divisor("avg_pool2d", divisor_override)
    out_hw = _output_size(None, input, k, s, p, d, ceil_mode)
    return _avg_pool(input, k, s, p, out_hw, ceil_mode, count_include_pad, divisor_override,
                     "AvgPool2DBackward0")


@autocast_op
def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    k, s, p, d = _pool_args("avg_pool3d", kernel_size, stride, padding, 1, 3)
    _check_divisor("avg_pool3d", divisor_override)
    if input.dim() not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    out = _output_size("avg_pool3d()", input, k, s, p, d, ceil_mode, check_input_size=True)
    return _avg_pool(input, k, s, p, out, ceil_mode, count_include_pad, divisor_override,
                     "AvgPool3DBackward0")


def _check_divisor(name, divisor_override):
    if divisor_override is None:
        return
    if not isinstance(divisor_override, (int, np.integer)) or isinstance(divisor_override, bool):
        raise TypeError(f"{name}(): argument 'divisor_override' must be int, not "
                        f"{type(divisor_override).__name__}")
    if divisor_override == 0:
        raise RuntimeError("divisor must be not zero")


def _avg_pool(input, k, s, p, out, ceil_mode, count_include_pad, divisor_override, name):
    """Average pooling of an input of len(k) spatial dims (with or without the batch dim),
    recorded as one node called `name`."""
    n = len(k)
    # torch's cpu kernels take int64 too (a sum divided with truncation); other integers and
    # bool they refuse, by their kernel's name
    integral = input._dtype is D.int64
    if not (input._dtype.is_floating_point or integral):
        kernel = "avg_pool3d_out_frame" if n == 3 else "avg_pool2d"
        raise NotImplementedError(
            f'"{kernel}" not implemented for \'{D.TYPE_NAMES[input._dtype.name]}\'')
    x, unbatched = _batched(input, n)
    size = x._shape[2:]
    if divisor_override is not None:
        divisor = int(divisor_override) if integral else float(divisor_override)
    else:
        count = np.ones(())
        for i in range(n):
            count = np.multiply.outer(count, _avg_divisor(size[i], out[i], k[i], s[i], p[i],
                                                          count_include_pad))
        divisor = (int if integral else float)(count.flat[0]) if (count == count.flat[0]).all() \
            else creation.tensor(count, dtype=x._dtype, device=x.device)
    one = (1,) * n
    window_dims = tuple(range(-n, 0))
    track = _tracking(x)

    def windows(t):
        """(N, C, *out, *k): every window of the padded t, as one strided view."""
        st = t._stride
        return t.as_strided(t._shape[:2] + tuple(out) + tuple(k),
                            st[:2] + tuple(st[2 + i] * s[i] for i in range(n)) + st[2:],
                            t._offset)

    def forward():
        total = windows(_padded(x, out, k, s, p, one, 0)).sum(window_dims)
        return total.div(divisor, rounding_mode="trunc") if integral else total / divisor
    result = _untracked(forward, track)
    if track:
        in_shape = x._shape

        def backward(g):
            share = g / divisor
            padded = tuple(max(size[i] + 2 * p[i], (out[i] - 1) * s[i] + k[i]) for i in range(n))
            grad = creation.zeros(in_shape[:2] + padded, dtype=g._dtype, device=g.device)
            if all(s[i] >= k[i] for i in range(n)) and k[-1] >= 8:
                # wide windows apart (global pooling): one write into the window view,
                # whose inner run is a window row; narrow ones take prod(k) adds along a row
                windows(grad).copy_(share.view(share._shape + one))
            else:
                for _, view in _window_views(grad, out, k, s, one):
                    view.add_(share)
            for i in range(n):
                grad = grad.narrow(2 + i, p[i], size[i])
            return (grad,)
        result = record(name, result, (x,), backward)
    return _unbatch(result, unbatched)


@autocast_op
def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    _check_1d_rank("avg_pool1d", input)
    k, s, p, _ = _pool_args_1d("avg_pool1d", kernel_size, stride, padding, 1)
    x = input.unsqueeze(-2)
    out_hw = _output_size(None, x, (1, k), (1, s), (0, p), (1, 1), ceil_mode)
    return _avg_pool(x, (1, k), (1, s), (0, p), out_hw, ceil_mode, count_include_pad,
                     None, "AvgPool2DBackward0").squeeze(-2)


# --- power-average pooling -------------------------------------------------------------

def _lp_pool(avg_pool, n, input, norm_type, kernel_size, stride, ceil_mode):
    """torch's definition: the average of x**p over each window, times the window's size,
    to the power 1/p (sign and relu as torch composes them, so gradients at 0 agree)."""
    k = tuple(kernel_size) if isinstance(kernel_size, (tuple, list)) else (kernel_size,) * n
    if stride is None:
        out = avg_pool(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    else:
        out = avg_pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(math.prod(k)).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(avg_pool1d, 1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(avg_pool2d, 2, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    return _lp_pool(avg_pool3d, 3, input, norm_type, kernel_size, stride, ceil_mode)


# --- adaptive pooling ---------------------------------------------------------------

def _adaptive_bounds(size, out_len):
    """torch's adaptive windows along one dim: [floor(i*size/out), ceil((i+1)*size/out))."""
    i = np.arange(out_len)
    return (i * size) // out_len, -((-(i + 1) * size) // out_len)


def _adaptive_sizes(name, x, output_size, dims, wrong_length=None):
    """The output size: an int for all dims, or one per dim (None keeps the input's);
    wrong_length: the message for a sequence of another length."""
    if isinstance(output_size, (tuple, list)):
        if dims > 1 and x.dim() <= len(output_size):  # (torch reads the defaults first)
            raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
        if len(output_size) != dims:
            if dims == 1:
                raise RuntimeError(f"{name}() argument 'output_size' should contain one int "
                                   f"(got {len(output_size)})")
            raise RuntimeError(wrong_length or f"{name}: output_size must be {dims}")
        sizes = tuple(output_size)
    else:
        sizes = (output_size,) * dims
    spatial = x._shape[x.dim() - dims:]
    return tuple(int(spatial[i]) if v is None else int(v) for i, v in enumerate(sizes))


def _check_adaptive(name, x, out):
    dims = len(out)
    if any(v < 0 for v in out):
        # (torch's 3-D message leaves out the last space)
        shown = ", ".join(map(str, out)) if dims == 2 else f"{out[0]}, {out[1]},{out[2]}"
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to 0 "
                           f"but received {{{shown}}}")
    _check_adaptive_input(name, x, dims, "")


def _check_adaptive_input(name, x, dims, colon):
    if x.dim() not in (dims + 1, dims + 2):
        raise RuntimeError(f"{name}(): Expected {dims + 1}D or {dims + 2}D tensor, but got{colon} "
                           f"{list(x._shape)}")
    for i in range(x.dim() - dims, x.dim()):
        if x._shape[i] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(x._shape)} with dimension "
                               f"{i} being empty")


def _averaging_matrix(size, out_len, dtype, device):
    """(out_len, size): row i averages adaptive window i."""
    start, end = _adaptive_bounds(size, out_len)
    m = np.zeros((out_len, size))
    for i in range(out_len):
        m[i, start[i]:end[i]] = 1.0 / (end[i] - start[i])
    return creation.tensor(m, dtype=dtype, device=device)


@autocast_op
def adaptive_avg_pool2d(input, output_size):
    out = _adaptive_sizes("adaptive_avg_pool2d", input, output_size, 2)
    _check_adaptive("adaptive_avg_pool2d", input, out)
    _refuse_integers("adaptive_avg_pool2d", input)
    return _adaptive_avg(input, out, "AdaptiveAvgPool2DBackward0")


@autocast_op
def adaptive_avg_pool3d(input, output_size):
    out = _adaptive_sizes("adaptive_avg_pool3d", input, output_size, 3)
    _check_adaptive("adaptive_avg_pool3d", input, out)
    _refuse_integers("adaptive_avg_pool3d_cpu", input)
    return _adaptive_avg(input, out, "AdaptiveAvgPool3DBackward0")


def _refuse_integers(name, x):
    if not x._dtype.is_floating_point:
        raise NotImplementedError(f'"{name}" not implemented for '
                                  f"'{_TORCH_NAMES[x._dtype.name]}'")


def _adaptive_avg(input, out, name):
    size = input._shape[-len(out):]
    if all(out) and all(v % o == 0 for v, o in zip(size, out)):  # even windows: an avg pool
        k = tuple(v // o for v, o in zip(size, out))
        return _avg_pool(input, k, k, (0,) * len(k), out, False, True, None, name)
    return _adaptive_avg_by_matmul(input, out, name)


def _adaptive_avg_by_matmul(input, out, name):
    """Uneven windows: each spatial dim averaged in turn, first to last, by an (out, size)
    matrix through matmul (the last from the right, the others from the left over the
    dims after it flattened)."""
    n = len(out)
    lead, size = input._shape[:-n], input._shape[-n:]
    mats = [_averaging_matrix(size[i], out[i], input._dtype, input.device) for i in range(n)]

    def along(t, i, m):
        """t (*lead, *out[:i], size[i], *size[i+1:]) with dim i multiplied by m."""
        if i == n - 1:
            return t.matmul(m.t())
        rest = t._shape[len(lead) + i + 1:]
        flat = t.reshape(t._shape[:len(lead) + i + 1] + (math.prod(rest),))
        return m.matmul(flat).reshape(t._shape[:len(lead) + i] + (m._shape[0],) + rest)

    def forward():
        t = input
        for i in range(n):
            t = along(t, i, mats[i])
        return t
    track = _tracking(input)
    result = _untracked(forward, track)
    if not track:
        return result

    def backward(g):
        for i in reversed(range(n)):
            g = along(g, i, mats[i].t())
        return (g,)
    return record(name, result, (input,), backward)


@autocast_op
def adaptive_avg_pool1d(input, output_size):
    _check_1d_rank("adaptive_avg_pool1d", input)
    out = _adaptive_sizes("adaptive_avg_pool1d", input, output_size, 1)
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1,) + out).squeeze(-2)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    return _adaptive_max("adaptive_max_pool2d", "adaptive_max_pool2d", input, output_size, 2,
                         return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    return _adaptive_max("adaptive_max_pool3d", "adaptive_max_pool3d_cpu", input, output_size, 3,
                         return_indices)


def _adaptive_max(name, kernel_name, input, output_size, dims, return_indices):
    """Adaptive max pooling over `dims` spatial dims, with torch's checks and messages
    (kernel_name: the name torch's refusal of an integer dtype gives)."""
    out = _adaptive_sizes(name, input, output_size, dims,
                          f"{name}(): internal error: output_size.size() must be {dims}")
    _check_adaptive_input(name, input, dims, ":")
    _refuse_integers(kernel_name, input)
    if min(out) < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{next(v for v in out if v < 0)}: "
                           f"{list(input._shape[:-dims]) + list(out)}")
    x, unbatched = _batched(input, dims)
    track = _tracking(x)
    values, indices = _untracked(lambda: _adaptive_max_nd(x, out), track)
    if track:
        values = _record_max(f"AdaptiveMaxPool{dims}DBackward0", x, values, indices)
    values = _unbatch(values, unbatched)
    return (values, _unbatch(indices, unbatched)) if return_indices else values


def adaptive_max_pool1d(input, output_size, return_indices=False):
    _check_1d_rank("adaptive_max_pool1d", input)
    if isinstance(output_size, (tuple, list)) and None in output_size:
        raise TypeError("adaptive_max_pool1d(): argument 'output_size' (position 2) must be "
                        "tuple of ints, but found element of type NoneType at pos "
                        f"{list(output_size).index(None)}")
    out = _adaptive_sizes("adaptive_max_pool1d", input, output_size, 1)
    if input._shape[-1] == 0:
        raise RuntimeError("adaptive_max_pool1d(): Expected input to have non-zero size for "
                           f"non-batch dimensions, but input has sizes {list(input._shape)} with "
                           f"dimension {input.dim() - 1} being empty")
    if out[0] < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {out[0]}: "
                           f"{list(input._shape[:-1]) + [1, out[0]]}")
    values, indices = adaptive_max_pool2d(input.unsqueeze(-2), (1,) + out, return_indices=True)
    values = values.squeeze(-2)
    return (values, indices.squeeze(-2)) if return_indices else values


def _adaptive_max_nd(x, out):
    """Adaptive max pooling one spatial dim at a time, last first, each a fold over the
    window positions along it (gathered, clamped to the window's last element, which
    repeats an element and so never changes the first maximum), carrying the flat
    positions of the maxima. Each dim keeps the earlier element on ties (a later one wins
    only when greater, or NaN), so the result is torch's first maximum in window order."""
    n, c = x._shape[:2]
    size = x._shape[2:]
    dtype = _compute_dtype(x, math.prod(size))
    if not all(out):
        empty = creation.empty((n, c) + out, dtype=x._dtype, device=x.device)
        return empty, creation.empty((n, c) + out, dtype=D.int64, device=x.device)
    values = x if dtype is x._dtype else x.to(dtype)
    positions = creation.arange(math.prod(size), dtype=dtype, device=x.device).view(
        (1, 1) + tuple(size))
    for i in reversed(range(len(out))):
        start, end = _adaptive_bounds(size[i], out[i])

        def picked(t, rows):
            return t.index_select(2 + i, creation.tensor(rows, device=x.device))
        views = [(picked(values, rows), picked(positions, rows))
                 for rows in (np.minimum(start + j, end - 1) for j in range((end - start).max()))]
        shape = values._shape[:2 + i] + (out[i],) + values._shape[3 + i:]
        values, positions = _fold_max(views, picked(positions, start), shape, dtype, x.device)
    return values.to(x._dtype), positions.to(D.int64)


# --- unpooling ----------------------------------------------------------------------

def _unpool_output_size(input, k, s, p, output_size):
    """torch's output size of max unpooling: the default from the pooling arguments, or
    output_size (spatial, or with the batch and channel dims) within a stride of it."""
    n = len(k)
    default = [(input._shape[-n + i] - 1) * s[i] + k[i] - 2 * p[i] for i in range(n)]
    if output_size is None:
        return default
    if len(output_size) == n + 2:
        output_size = output_size[2:]
    if len(output_size) != n:
        raise ValueError(f"output_size should be a sequence containing {n} or {n + 2} elements, "
                         f"but it has a length of '{len(output_size)}'")
    for i in range(n):
        low, high = default[i] - s[i], default[i] + s[i]
        if not low < output_size[i] < high:
            raise ValueError(f'invalid output_size "{output_size}" (dim {i} must be between '
                             f"{low} and {high})")
    return [int(v) for v in output_size]


def _unpool_args(name, n, kernel_size, stride, padding):
    count = {1: "one int", 2: "two ints", 3: "three ints"}[n]
    k = _ntuple(kernel_size, n, f"{name}: kernel_size must be an int or a tuple of {count}")
    s = k if stride is None else _ntuple(stride, n, f"{name}: stride must be an int or a tuple "
                                                    f"of {count}")
    p = _ntuple(padding, n, f"{name}: padding must be an int or a tuple of {count}")
    return k, s, p


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    k, s, p = _unpool_args("max_unpool1d", 1, kernel_size, stride, padding)
    size = _unpool_output_size(input, k, s, p, output_size)
    # torch unpools a width of 1 in 2-D (its errors say so) and squeezes it
    return _max_unpool(input.unsqueeze(-1), indices.unsqueeze(-1), size + [1]).squeeze(-1)


@autocast_op
def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    k, s, p = _unpool_args("max_unpool2d", 2, kernel_size, stride, padding)
    return _max_unpool(input, indices, _unpool_output_size(input, k, s, p, output_size))


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    k, s, p = _unpool_args("max_unpool3d", 3, kernel_size, stride, padding)
    return _max_unpool(input, indices, _unpool_output_size(input, k, s, p, output_size))


def _max_unpool(input, indices, size):
    """input's values scattered to their flat positions `indices` in zeroed planes (or
    volumes) of `size`, with torch's checks of the 2-D or 3-D unpooling."""
    n = len(size)
    if indices._dtype is not D.int64:
        got = " but got: " + _TORCH_NAMES[indices._dtype.name] if n == 2 else ""
        raise RuntimeError("elements in indices should be type int64" + got)
    if input.dim() not in (n + 1, n + 2):
        raise RuntimeError(f"Input to max_unpooling{n}d should be a {n + 1}d or {n + 2}d Tensor, "
                           f"but got a tensor with {input.dim()} dimensions.")
    if indices._shape != input._shape:
        raise RuntimeError("Expected shape of indices to be same as that of the input tensor "
                           f"({list(input._shape)}) but got indices tensor with shape: "
                           f"{list(indices._shape)}")
    size = tuple(int(v) for v in size)
    volume = math.prod(size)
    host = indices.cpu().numpy()  # one read to the host checks every index, as torch does
    bad = host[(host < 0) | (host >= volume)]
    if bad.size:
        raise RuntimeError(f"Found an invalid max index: {bad.flat[0]} (output volumes are of "
                           f"size {'x'.join(map(str, size))})")
    x, unbatched = _batched(input, n)
    nb, c = x._shape[:2]
    idx = (indices.unsqueeze(0) if unbatched else indices).reshape(nb, c, -1)
    track = _tracking(x)

    def forward():
        out = creation.zeros((nb, c, volume), dtype=x._dtype, device=x.device)
        return out.scatter_(2, idx, x.reshape(nb, c, -1)).view((nb, c) + size)
    out = _untracked(forward, track)
    if track:
        out = record(f"MaxUnpool{n}DBackward0", out, (x,),
                     lambda g: (g.reshape(nb, c, -1).gather(2, idx).view(x._shape),))
    return _unbatch(out, unbatched)
