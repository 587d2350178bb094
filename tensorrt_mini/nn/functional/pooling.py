"""Pooling over 1-D and 2-D inputs: max (with indices), average, adaptive, and max unpooling.

A window position (kh, kw) is one strided view of the padded input, of the output's shape,
so a pool is a fold over kH*kW views. On cuda, max pooling folds them, two positions per
fused elementwise pass; on the cpu one kernel (kernels/cpu/max_pool.py) walks each window,
as the folds cost a pass over the output per position. Both keep torch's rule (a later
element wins when it is greater, or NaN), so ties go to the first maximum in window order
and indices match torch's; the backward adds the gradient at those indices. Average pooling sums a
window view; its backward adds the scaled gradient into each position's view. Adaptive
average pooling with uneven windows averages rows, then columns, by two matmuls with
averaging matrices (values within an ulp or two of torch's sum-then-divide). Each layer
records one graph node, and all of it runs on cpu and cuda.

Indices are flat positions within each (H, W) plane of the unpadded input, int64, as in torch.
"""
import numpy as np

from ... import _tensor as T
from ... import creation
from ... import dtypes as D
from ...autograd.graph import record
from ...ops.fused import elementwise
from ...ops.padding import pad
from .core import _tracking, _untracked
from ...ops.autocast import autocast_op


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

def _pair(value, message):
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            return (int(value[0]),) * 2
        if len(value) != 2:
            raise RuntimeError(message)
        return int(value[0]), int(value[1])
    return int(value), int(value)


def _pool_args(name, kernel_size, stride, padding, dilation=1):
    k = _pair(kernel_size, f"{name}: kernel_size must either be a single int, or a tuple of two ints")
    if stride is None or (isinstance(stride, (tuple, list)) and not len(stride)):
        s = k
    else:
        s = _pair(stride, f"{name}: stride must either be omitted, a single int, or a tuple of "
                          "two ints")
    p = _pair(padding, f"{name}: padding must either be a single int, or a tuple of two ints")
    d = _pair(dilation, f"{name}: dilation must be either a single int, or a tuple of two ints")
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


def _output_hw(x, k, s, p, d, ceil_mode):
    """(OH, OW) after torch's checks, in torch's order, for a 3-D or 4-D input."""
    out = tuple(_out_len(x._shape[-2 + i] if x.dim() >= 2 else 0, k[i], p[i], s[i], d[i],
                         ceil_mode) for i in range(2))
    if k[0] <= 0 or k[1] <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {k[0]} kW: {k[1]}")
    if s[0] <= 0 or s[1] <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {s[0]} dW: {s[1]}")
    if d[0] <= 0 or d[1] <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {d[0]} "
                           f"dilationW: {d[1]}")
    if x.dim() not in (3, 4) or 0 in x._shape[-3:]:
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size "
                           f"for input, but got:{list(x._shape)}")
    if k[1] // 2 < p[1] or k[0] // 2 < p[0]:
        raise RuntimeError("pad should be smaller than or equal to half of kernel size, but got "
                           f"padW = {p[1]}, padH = {p[0]}, kW = {k[1]}, kH = {k[0]}")
    if out[0] < 1 or out[1] < 1:
        c, h, w = x._shape[-3:]
        raise RuntimeError(f"Given input size: ({c}x{h}x{w}). Calculated output size: "
                           f"({c}x{out[0]}x{out[1]}). Output size is too small")
    return out


def _batched(x):
    """x as (N, C, H, W), and whether it came without the batch dim."""
    return (x.unsqueeze(0), True) if x.dim() == 3 else (x, False)


def _unbatch(t, unbatched):
    return t.squeeze(0) if unbatched else t


def _lowest(dtype):
    return -float("inf") if dtype.is_floating_point else int(np.iinfo(dtype.np).min)


_TORCH_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
                "int64": "Long", "float32": "Float", "float64": "Double"}


def _refuse_bool(name, x):
    if x._dtype is D.bool_:
        raise NotImplementedError(f'"{name}" not implemented for \'Bool\'')


def _window_views(xp, out_hw, k, s, d):
    """Yield ((kh, kw), view): the elements at window position (kh, kw) of every window of
    the padded (N, C, Hp, Wp) input, as an (N, C, OH, OW) strided view."""
    n, c = xp._shape[:2]
    st = xp._stride
    size = (n, c) + tuple(out_hw)
    stride = (st[0], st[1], st[2] * s[0], st[3] * s[1])
    for kh in range(k[0]):
        for kw in range(k[1]):
            offset = xp._offset + kh * d[0] * st[2] + kw * d[1] * st[3]
            yield (kh, kw), xp.as_strided(size, stride, offset)


def _padded(x, out_hw, k, s, p, d, value):
    """x padded by p on the left and as far on the right as the last window reaches."""
    right = [max(0, (out_hw[i] - 1) * s[i] + (k[i] - 1) * d[i] + 1 - x._shape[2 + i] - p[i])
             for i in range(2)]
    if not (p[0] or p[1] or right[0] or right[1]):
        return x
    return pad(x, (p[1], right[1], p[0], right[0]), value=value)


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


def _max_pool2d_4d(x, k, s, p, d, out_hw, want_indices):
    """(values, int64 indices or None) of max pooling a 4-D input, untracked."""
    n, c, h, w = x._shape
    if x.device.type == "cpu":  # one kernel pass (the folds below cost a pass per position)
        values = creation.empty((n, c) + tuple(out_hw), dtype=x._dtype)
        indices = creation.empty((n, c) + tuple(out_hw), dtype=D.int64)
        T.backends.get("cpu").max_pool2d(values, indices, x.contiguous(), k, s, p, d)
        return values, indices if want_indices else None
    oh, ow = out_hw
    dtype = _compute_dtype(x, ((k[0] - 1) * d[0] + 1) * w)
    work = x if dtype is x._dtype else x.to(dtype)
    xp = _padded(work, out_hw, k, s, p, d, _lowest(dtype))
    # a window's first element inside the input (torch's starting index), relative to the
    # window's corner
    first_h = np.maximum(0, -(-(p[0] - np.arange(oh) * s[0]) // d[0])) * d[0]
    first_w = np.maximum(0, -(-(p[1] - np.arange(ow) * s[1]) // d[1])) * d[1]
    first = first_h[:, None] * w + first_w[None, :]
    first = creation.tensor(first, dtype=dtype, device=x.device) if first.any() else 0
    views = ((v, kh * d[0] * w + kw * d[1]) for (kh, kw), v in _window_views(xp, out_hw, k, s, d))
    best, where = _fold_max(views, first, (n, c, oh, ow), dtype, x.device)
    if dtype is not x._dtype:
        best = best.to(x._dtype)
    if not want_indices:
        return best, None
    corner = ((np.arange(oh) * s[0] - p[0])[:, None] * w + (np.arange(ow) * s[1] - p[1])[None, :])
    return best, where.to(D.int64) + creation.tensor(corner, dtype=D.int64, device=x.device)


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
    out_hw = _output_hw(input, k, s, p, d, ceil_mode)
    _refuse_bool("max_pool2d", input)
    return _max_pool(input, k, s, p, d, out_hw, return_indices, "MaxPool2DWithIndicesBackward0")


def _max_pool(input, k, s, p, d, out_hw, return_indices, name):
    x, unbatched = _batched(input)
    track = _tracking(x)
    values, indices = _untracked(
        lambda: _max_pool2d_4d(x, k, s, p, d, out_hw, return_indices or track), track)
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
        out_hw = _output_hw(x, (1, k), (1, s), (0, p), (1, d), ceil_mode)
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
    if divisor_override is not None:
        if not isinstance(divisor_override, (int, np.integer)) or isinstance(divisor_override, bool):
            raise TypeError("avg_pool2d(): argument 'divisor_override' must be int, not "
                            f"{type(divisor_override).__name__}")
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
    out_hw = _output_hw(input, k, s, p, d, ceil_mode)
    return _avg_pool(input, k, s, p, out_hw, ceil_mode, count_include_pad, divisor_override)


def _avg_pool(input, k, s, p, out_hw, ceil_mode, count_include_pad, divisor_override):
    if not input._dtype.is_floating_point:
        raise NotImplementedError("tensorrt_mini's avg_pool2d supports floating point inputs only, "
                                  f"not {input._dtype}")
    x, unbatched = _batched(input)
    h, w = x._shape[2:]
    if divisor_override is not None:
        divisor = float(divisor_override)
    else:
        count = np.multiply.outer(_avg_divisor(h, out_hw[0], k[0], s[0], p[0], count_include_pad),
                                  _avg_divisor(w, out_hw[1], k[1], s[1], p[1], count_include_pad))
        divisor = float(count.flat[0]) if (count == count.flat[0]).all() else \
            creation.tensor(count, dtype=x._dtype, device=x.device)
    one = (1, 1)
    track = _tracking(x)

    def windows(t):
        """(N, C, OH, OW, kH, kW): every window of the padded t, as one strided view."""
        st = t._stride
        return t.as_strided(t._shape[:2] + tuple(out_hw) + tuple(k),
                            (st[0], st[1], st[2] * s[0], st[3] * s[1], st[2], st[3]), t._offset)

    def forward():
        return windows(_padded(x, out_hw, k, s, p, one, 0)).sum((-2, -1)) / divisor
    out = _untracked(forward, track)
    if track:
        in_shape = x._shape

        def backward(g):
            share = g / divisor
            n, c = in_shape[:2]
            hp = max(h + 2 * p[0], (out_hw[0] - 1) * s[0] + k[0])
            wp = max(w + 2 * p[1], (out_hw[1] - 1) * s[1] + k[1])
            grad = creation.zeros((n, c, hp, wp), dtype=g._dtype, device=g.device)
            if s[0] >= k[0] and s[1] >= k[1] and k[1] >= 8:
                # wide windows apart (global pooling): one write into the window view,
                # whose inner run is a window row; narrow ones take kH*kW adds along OW
                windows(grad).copy_(share.unsqueeze(-1).unsqueeze(-1))
            else:
                for _, view in _window_views(grad, out_hw, k, s, one):
                    view.add_(share)
            return (grad[:, :, p[0]:p[0] + h, p[1]:p[1] + w],)
        out = record("AvgPool2DBackward0", out, (x,), backward)
    return _unbatch(out, unbatched)


@autocast_op
def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    _check_1d_rank("avg_pool1d", input)
    k, s, p, _ = _pool_args_1d("avg_pool1d", kernel_size, stride, padding, 1)
    x = input.unsqueeze(-2)
    out_hw = _output_hw(x, (1, k), (1, s), (0, p), (1, 1), ceil_mode)
    return _avg_pool(x, (1, k), (1, s), (0, p), out_hw, ceil_mode, count_include_pad,
                     None).squeeze(-2)


# --- adaptive pooling ---------------------------------------------------------------

def _adaptive_bounds(size, out_len):
    """torch's adaptive windows along one dim: [floor(i*size/out), ceil((i+1)*size/out))."""
    i = np.arange(out_len)
    return (i * size) // out_len, -((-(i + 1) * size) // out_len)


def _adaptive_sizes(name, x, output_size, dims):
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != dims:
            if dims == 1:
                raise RuntimeError(f"{name}() argument 'output_size' should contain one int "
                                   f"(got {len(output_size)})")
            raise RuntimeError(f"{name}: output_size must be {dims}")
        sizes = tuple(output_size)
    else:
        sizes = (output_size,) * dims
    spatial = x._shape[x.dim() - dims:]
    return tuple(int(spatial[i]) if v is None else int(v) for i, v in enumerate(sizes))


def _check_adaptive(name, x, out, colon=""):
    if any(v < 0 for v in out):
        raise RuntimeError(f"{name}: elements of output_size must be greater than or equal to 0 "
                           f"but received {{{', '.join(map(str, out))}}}")
    if x.dim() not in (3, 4):
        raise RuntimeError(f"{name}(): Expected 3D or 4D tensor, but got{colon} {list(x._shape)}")
    for i in range(x.dim() - 2, x.dim()):
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
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f'"adaptive_avg_pool2d" not implemented for '
                                  f"'{_TORCH_NAMES[input._dtype.name]}'")
    h, w = input._shape[-2:]
    if all(out) and h % out[0] == 0 and w % out[1] == 0:  # even windows: a plain average pool
        k = (h // out[0], w // out[1])
        return _avg_pool(input, k, k, (0, 0), out, False, True, None)
    return _adaptive_avg_by_matmul(input, out)


def _adaptive_avg_by_matmul(input, out):
    """Uneven windows: rows then columns averaged by (out, size) matrices, through matmul."""
    rows = _averaging_matrix(input._shape[-2], out[0], input._dtype, input.device)
    cols = _averaging_matrix(input._shape[-1], out[1], input._dtype, input.device)
    track = _tracking(input)
    result = _untracked(lambda: rows.matmul(input).matmul(cols.t()), track)
    if not track:
        return result
    return record("AdaptiveAvgPool2DBackward0", result, (input,),
                  lambda g: (rows.t().matmul(g).matmul(cols),))


@autocast_op
def adaptive_avg_pool1d(input, output_size):
    _check_1d_rank("adaptive_avg_pool1d", input)
    out = _adaptive_sizes("adaptive_avg_pool1d", input, output_size, 1)
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1,) + out).squeeze(-2)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    out = _adaptive_sizes("adaptive_max_pool2d", input, output_size, 2)
    _check_adaptive("adaptive_max_pool2d", input, out, colon=":")
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f'"adaptive_max_pool2d" not implemented for '
                                  f"'{_TORCH_NAMES[input._dtype.name]}'")
    x, unbatched = _batched(input)
    track = _tracking(x)
    values, indices = _untracked(lambda: _adaptive_max_4d(x, out), track)
    if track:
        values = _record_max("AdaptiveMaxPool2DBackward0", x, values, indices)
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


def _adaptive_max_4d(x, out):
    """Window position (kh, kw) of every adaptive window gathered (clamped to the window's
    last element, which repeats an element and so never changes the first maximum), then
    folded as max pooling folds its strided views."""
    n, c, h, w = x._shape
    dtype = _compute_dtype(x, h * w)
    work = x if dtype is x._dtype else x.to(dtype)
    (h0, h1), (w0, w1) = _adaptive_bounds(h, out[0]), _adaptive_bounds(w, out[1])
    if not (out[0] and out[1]):
        empty = creation.empty((n, c) + out, dtype=x._dtype, device=x.device)
        return empty, creation.empty((n, c) + out, dtype=D.int64, device=x.device)

    def views():
        for kh in range((h1 - h0).max()):
            rows = np.minimum(h0 + kh, h1 - 1)
            picked = work.index_select(2, creation.tensor(rows, device=x.device))
            for kw in range((w1 - w0).max()):
                cols = np.minimum(w0 + kw, w1 - 1)
                flat = rows[:, None] * w + cols[None, :]
                yield (picked.index_select(3, creation.tensor(cols, device=x.device)),
                       creation.tensor(flat, dtype=dtype, device=x.device))
    first = creation.tensor(h0[:, None] * w + w0[None, :], dtype=dtype, device=x.device)
    best, where = _fold_max(views(), first, (n, c) + out, dtype, x.device)
    return best.to(x._dtype), where.to(D.int64)


# --- unpooling ----------------------------------------------------------------------

@autocast_op
def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    k = _pair(kernel_size, "max_unpool2d: kernel_size must be an int or a tuple of two ints")
    s = k if stride is None else _pair(stride, "max_unpool2d: stride must be an int or a "
                                               "tuple of two ints")
    p = _pair(padding, "max_unpool2d: padding must be an int or a tuple of two ints")
    default = [(input._shape[-2 + i] - 1) * s[i] + k[i] - 2 * p[i] for i in range(2)]
    if output_size is None:
        size = default
    else:
        size = list(output_size)
        if len(size) == 4:
            size = size[2:]
        if len(size) != 2:
            raise ValueError("output_size should be a sequence containing 2 or 4 elements, but it "
                             f"has a length of '{len(size)}'")
        for i in range(2):
            low, high = default[i] - s[i], default[i] + s[i]
            if not low < size[i] < high:
                raise ValueError(f'invalid output_size "{output_size}" (dim {i} must be between '
                                 f"{low} and {high})")
    if indices._dtype is not D.int64:
        raise RuntimeError("elements in indices should be type int64 but got: "
                           + _TORCH_NAMES[indices._dtype.name])
    if input.dim() not in (3, 4):
        raise RuntimeError("Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor "
                           f"with {input.dim()} dimensions.")
    if indices._shape != input._shape:
        raise RuntimeError("Expected shape of indices to be same as that of the input tensor "
                           f"({list(input._shape)}) but got indices tensor with shape: "
                           f"{list(indices._shape)}")
    oh, ow = (int(v) for v in size)
    host = indices.cpu().numpy()  # one read to the host checks every index, as torch does
    bad = host[(host < 0) | (host >= oh * ow)]
    if bad.size:
        raise RuntimeError(f"Found an invalid max index: {bad.flat[0]} (output volumes are of "
                           f"size {oh}x{ow})")
    x, unbatched = _batched(input)
    idx = (indices.unsqueeze(0) if unbatched else indices).reshape(x._shape[0], x._shape[1], -1)
    n, c = x._shape[:2]
    track = _tracking(x)

    def forward():
        out = creation.zeros((n, c, oh * ow), dtype=x._dtype, device=x.device)
        return out.scatter_(2, idx, x.reshape(n, c, -1)).view(n, c, oh, ow)
    out = _untracked(forward, track)
    if track:
        out = record("MaxUnpool2DBackward0", out, (x,),
                     lambda g: (g.reshape(n, c, -1).gather(2, idx).view(x._shape),))
    return _unbatch(out, unbatched)
