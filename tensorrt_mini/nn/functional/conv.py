"""Convolutions (conv1d/2d/3d) and transposed convolutions (conv_transpose1d/2d/3d), as im2col
plus one matrix product per group, each recorded as ONE node with a hand-written backward.

Layout: the input goes channels-last, (N, *D, C), padded; its windows are viewed without a
copy and gathered ONCE into columns (G, N * prod(out), prod(k) * C/G), in the order
(*k, C/G), so the product with the weight, laid out (G, prod(k) * C/G, K/G), is one tall
GEMM per group (BLAS runs a tall-skinny product far faster than a short-wide one). Its
result (G, N * prod(out), K/G) is the output channels-last, copied once to (N, K, *out).

The three products of a convolution's forward and backward are the same three pieces:
  forward:     out    = cols(x) @ w
  grad input:  grad_x = uncols(g @ w^T)        (uncols adds the windows back: col2im)
  grad weight: grad_w = cols(x)^T @ g
and a transposed convolution is the same with forward and grad input swapped.
"""
import math

from ... import _tensor as T
from ... import creation
from ...autograd.graph import record
from ...ops.dispatch import GradMode
from ...ops.elementwise import C_NAMES
from ...ops.linalg import matmul
from ...ops.padding import pad
from .core import _tracking, _untracked
from .sliding import add_windows, gathered, out_size, pad_pairs, windows
from ...ops.autocast import autocast_op


# --- arguments, checked as torch checks them ----------------------------------------------

def _expand(value, n):
    """An int, or a sequence of ints (one stands for all n), as a tuple."""
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    if len(value) == 1 and n != 1:
        value = value * n
    return value


def _check_len(value, n, name):
    if len(value) != n:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} "
                           f"values to match the convolution dimensions, but got "
                           f"{name}={list(value)}")


def _check_common(name, input, weight, bias, n, stride, dilation, groups):
    if input.dim() not in (n + 1, n + 2):
        raise RuntimeError(f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to "
                           f"{name}, but got input of size: {list(input._shape)}")
    for value, arg in ((stride, "stride"), (dilation, "dilation")):
        _check_len(value, weight.dim() - 2, arg)  # (torch counts the weight's dims)
    if min(stride) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(dilation) <= 0:
        raise RuntimeError("non-positive dilation is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if input.type() != weight.type():  # dtype and device
        raise RuntimeError(f"Input type ({input.type()}) and weight type ({weight.type()}) "
                           "should be the same or input should be a MKLDNN tensor and weight is "
                           "a dense tensor")
    if bias is not None and bias._dtype is not input._dtype:
        raise RuntimeError(f"Input type ({C_NAMES[input._dtype.name]}) and bias type "
                           f"({C_NAMES[bias._dtype.name]}) should be the same")
    if bias is not None and bias._storage.device != input._storage.device:
        raise RuntimeError(f"Input type ({input.type()}) and bias type ({bias.type()}) should "
                           "be the same")


def _check_weight_groups(weight, groups):
    if weight._shape[0] == 0:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least 1 at dimension "
                           f"0, but got weight of size {list(weight._shape)} instead")
    if weight._shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{list(weight._shape)}] "
                           "instead")


def _check_bias(bias, weight, channels, transposed):
    if bias is not None and (bias.dim() != 1 or bias._shape[0] != channels):
        given = "Given transposed=1, weight" if transposed else "Given weight"
        raise RuntimeError(f"{given} of size {list(weight._shape)}, expected bias to be "
                           f"1-dimensional with {channels} elements, but got bias of size "
                           f"{list(bias._shape)} instead")


def _strides_like_channels_last(t):
    """torch's test for a 4-D or 5-D tensor laid out channels-last (its strides ordered
    C, W, H, (D,) N from fastest), which makes a convolution answer channels-last too."""
    if t.dim() not in (4, 5) or t._stride[1] == 0:
        return False
    lowest = 0
    for d in (1,) + tuple(range(t.dim() - 1, 1, -1)) + (0,):
        size, stride = t._shape[d], t._stride[d]
        if size == 0 or stride < lowest or (d == 0 and lowest == t._stride[1]):
            return False
        lowest = stride * size if size > 1 else stride
    return True


def _same_padding(kernel, dilation):
    """'same': the total padding dilation * (k - 1), the odd element after (as torch)."""
    pairs = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        pairs.append((total // 2, total - total // 2))
    return tuple(pairs)


def _conv_padding(padding, n, stride, kernel, dilation):
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        return _same_padding(kernel, dilation)
    padding = _expand(padding, n)
    _check_len(padding, n, "padding")
    if min(padding) < 0:
        raise RuntimeError("negative padding is not supported")
    return tuple((p, p) for p in padding)


# --- the three pieces: columns, their adjoint, and the weight as a matrix -------------------

def _columns(x, groups, kernel, stride, dilation, padding, count):
    """x (N, C, *D) -> its windows gathered into (G, N * prod(count), prod(k) * C/G)."""
    n, c = x._shape[:2]
    rank = len(kernel)
    cl = x.permute(0, *range(2, rank + 2), 1)  # channels-last (a view)
    rows = n * math.prod(count)
    shape = (groups, rows, math.prod(kernel) * (c // groups))
    if x._storage.device.type == "cpu":  # one pass that pads as it gathers
        cols = T.empty_tensor(shape, x._dtype, x._storage.device)
        T.backends.get("cpu").im2col(cols, cl.contiguous(), kernel, stride, dilation,
                                     [p[0] for p in padding], count)
        return cols
    if any(p for pair in padding for p in pair):
        cl = pad(cl, (0, 0) + pad_pairs(padding))
    cl = cl.reshape(cl._shape[:-1] + (groups, c // groups))  # (N, *Dp, G, Cg)
    view = windows(cl, 1, kernel, stride, dilation, count)  # (N, *out, *k, G, Cg)
    g_dim = 2 * rank + 1
    order = (g_dim, 0) + tuple(range(1, 2 * rank + 1)) + (g_dim + 1,)
    return gathered(view.permute(*order), shape)


def _uncolumns(cols, shape, groups, kernel, stride, dilation, padding, count,
               channels_last=False):
    """The adjoint of _columns: (G, N * prod(count), prod(k) * C/G) added window by window
    into a new (N, C, *D) tensor of `shape` (col2im), channels-last if asked."""
    n, c = shape[:2]
    size = shape[2:]
    rank = len(kernel)
    back = (0, rank + 1) + tuple(range(1, rank + 1))  # channels-last -> (N, C, *D)
    if cols._storage.device.type == "cpu":  # one pass, no padded buffer
        cl = T.empty_tensor((n,) + tuple(size) + (c,), cols._dtype, cols._storage.device)
        T.backends.get("cpu").col2im(cl, cols, kernel, stride, dilation,
                                     [p[0] for p in padding], count)
        return cl.permute(*back) if channels_last else gathered(cl.permute(*back), shape)
    padded = tuple(s + p[0] + p[1] for s, p in zip(size, padding))
    full = creation.zeros((n,) + padded + (groups, c // groups), dtype=cols._dtype,
                          device=cols.device)
    src = cols.view((groups, n) + tuple(count) + tuple(kernel) + (c // groups,))
    src = src.permute(*range(1, 2 * rank + 2), 0, 2 * rank + 2)  # (N, *out, *k, G, Cg)
    add_windows(full, src, 1, kernel, stride, dilation)
    inside = full
    for d, (s, p) in enumerate(zip(size, padding)):
        inside = inside.narrow(d + 1, p[0], s)
    inside = inside.reshape(inside._shape[:-2] + (c,))
    if channels_last:
        return gathered(inside, inside._shape).permute(*back)
    return gathered(inside.permute(*back), shape)


def _rows(t, groups):
    """(N, C, *D) -> (G, N * prod(D), C/G): t channels-last, one matrix per group."""
    n, c = t._shape[:2]
    rank = t.dim() - 2
    view = t.view((n, groups, c // groups) + t._shape[2:])
    order = (1, 0) + tuple(range(3, rank + 3)) + (2,)
    return gathered(view.permute(*order), (groups, n * math.prod(t._shape[2:]), c // groups))


def _unrows(m, shape, bias, channels_last=False):
    """The inverse of _rows: (G, N * prod(D), C/G) -> a new (N, C, *D), plus bias; laid
    out channels-last if asked (a view of m itself for one group)."""
    n, c = shape[:2]
    groups, _, cg = m._shape
    if bias is not None:
        m.add_(bias.view(groups, 1, cg))
    rank = len(shape) - 2
    view = m.view((groups, n) + tuple(shape[2:]) + (cg,))
    if channels_last:
        cl = view.view(view._shape[1:-1] + (c,)) if groups == 1 else gathered(
            view.permute(*range(1, rank + 2), 0, rank + 2), (n,) + tuple(shape[2:]) + (c,))
        return cl.permute(0, rank + 1, *range(1, rank + 1))
    order = (1, 0, rank + 2) + tuple(range(2, rank + 2))
    return gathered(view.permute(*order), shape)


def _weight_matrix(w, groups, transposed):
    """conv weight (K, C/G, *k) -> (G, prod(k) * C/G, K/G); transposed weight
    (C, K/G, *k) -> (G, C/G, prod(k) * K/G): the column order of _columns' rows."""
    a, b = w._shape[:2]
    k = w._shape[2:]
    rank = len(k)
    if not transposed:
        view = w.view((groups, a // groups, b) + k)  # (G, Kg, Cg, *k)
        order = (0,) + tuple(range(3, rank + 3)) + (2, 1)
        return gathered(view.permute(*order), (groups, math.prod(k) * b, a // groups))
    view = w.view((groups, a // groups, b) + k)  # (G, Cg, Kg, *k)
    order = (0, 1) + tuple(range(3, rank + 3)) + (2,)
    return gathered(view.permute(*order), (groups, a // groups, math.prod(k) * b))


def _unweight_matrix(m, shape, groups, transposed):
    """The inverse of _weight_matrix: its matrix back to the weight's `shape`."""
    a, b = shape[:2]
    k = tuple(shape[2:])
    rank = len(k)
    if not transposed:  # (G, *k, Cg, Kg) -> (G, Kg, Cg, *k)
        view = m.view((groups,) + k + (b, a // groups))
        order = (0, rank + 2, rank + 1) + tuple(range(1, rank + 1))
    else:  # (G, Cg, *k, Kg) -> (G, Cg, Kg, *k)
        view = m.view((groups, a // groups) + k + (b,))
        order = (0, 1, rank + 2) + tuple(range(2, rank + 2))
    return gathered(view.permute(*order), shape)


# --- convolution ----------------------------------------------------------------------

def _convolution(name, n, input, weight, bias, stride, padding, dilation, groups):
    stride = _expand(stride, n)
    dilation = _expand(dilation, n)
    _check_common(name, input, weight, bias, n, stride, dilation, groups)
    kernel = weight._shape[2:]
    pairs = _conv_padding(padding, n, stride, kernel, dilation)
    if input.dim() == n + 1:  # unbatched: a batch of one, as torch (its grad_fn a squeeze)
        return _convolution(name, n, input.unsqueeze(0), weight, bias, stride, padding,
                            dilation, groups).squeeze(0)
    x = input
    _check_weight_groups(weight, groups)
    c = weight._shape[1] * groups
    if x._shape[1] != c:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight._shape)}, "
                           f"expected input{list(x._shape)} to have {c} channels, but got "
                           f"{x._shape[1]} channels instead")
    _check_bias(bias, weight, weight._shape[0], False)
    size = x._shape[2:]
    padded = tuple(s + p[0] + p[1] for s, p in zip(size, pairs))
    if any(p < dilation[i] * (k - 1) + 1 for i, (p, k) in enumerate(zip(padded, kernel))):
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, kernel))}). Kernel size can't be greater than "
                           "actual input size")
    count = tuple(out_size(s, k, st, d, p)
                  for s, k, st, d, p in zip(size, kernel, stride, dilation, pairs))
    # torch gives an input of no channels an output of none (whatever the weight)
    shape = (x._shape[0], weight._shape[0] if c else 0) + count

    def forward():
        cols = _columns(x, groups, kernel, stride, dilation, pairs, count)
        return _unrows(matmul(cols, _weight_matrix(weight, groups, False)), shape, bias,
                       _channels_last(x, weight))

    def grads(g, x, w, need_x, need_w, need_b):
        gm = _rows(g, groups)  # (G, M, K/G)
        grad_x = grad_w = grad_b = None
        if need_x:
            cols = matmul(gm, _weight_matrix(w, groups, False).transpose(1, 2))
            grad_x = _uncolumns(cols, x._shape, groups, kernel, stride, dilation, pairs, count,
                                _channels_last(x, w))
        if need_w:
            cols = _columns(x, groups, kernel, stride, dilation, pairs, count)
            grad_w = _unweight_matrix(matmul(cols.transpose(1, 2), gm), w._shape, groups,
                                      False)
        if need_b:
            grad_b = gm.sum(1).reshape(-1)
        return grad_x, grad_w, grad_b

    def graph_grads(g, x, w, need_x, need_w, need_b):
        return (_input_grad(g, w, size, stride, dilation, pairs, groups) if need_x else None,
                _weight_grad(x, g, kernel, stride, dilation, pairs, groups) if need_w else None,
                _channel_sums(g) if need_b else None)
    return _recorded(x, weight, bias, shape, n, forward, grads, graph_grads)


def _recorded(x, weight, bias, shape, n, forward, grads, graph_grads):
    """forward() (a result of `shape`; bias or zeros where it adds no terms or has no
    elements), recorded as one ConvolutionBackward0 node whose backward is
    grads(g, x, weight, need_x, need_w, need_b), both convolutions' common frame; under
    create_graph it is graph_grads, the same gradients as convolutions that record."""
    track = _tracking(x, weight, bias)
    out = _untracked(lambda: _filled(shape, x, bias, n) if 0 in shape or 0 in x._shape
                     else forward(), track)
    if not track:
        return out
    need = (x._requires_grad, weight._requires_grad, bias is not None and bias._requires_grad)

    def backward(g, x, w):
        if 0 in g._shape or 0 in x._shape:
            return _empty_grads(x, w, bias, *need)
        # grad mode is on here only for create_graph: the kernels of `grads` record nothing
        return (graph_grads if GradMode.enabled else grads)(g, x, w, *need)
    return record("ConvolutionBackward0", out, (x, weight, bias), backward, (x, weight))


# --- gradients as convolutions: the backward of a backward (create_graph) ---------------

def _input_grad(g, w, size, stride, dilation, pairs, groups):
    """A convolution's gradient for its input (spatial `size`, padded by `pairs`): the
    transposed convolution of g, onto the padded input, then cut to it."""
    n = len(size)
    kernel = w._shape[2:]
    extra = tuple(s + p0 + p1 - ((c - 1) * st + d * (k - 1) + 1) for s, (p0, p1), c, st, d, k
                  in zip(size, pairs, g._shape[2:], stride, dilation, kernel))
    full = _transposed(f"conv_transpose{n}d", n, g, w, None, stride, 0, extra, groups, dilation)
    for i, (s, (p0, _)) in enumerate(zip(size, pairs)):
        full = full.narrow(2 + i, p0, s)
    return full


def _weight_grad(x, g, kernel, stride, dilation, pairs, groups):
    """A convolution's gradient for its weight: the convolution of x (its channels as the
    batch, the batch as channels) with g as the kernel, stride and dilation swapped."""
    n = len(kernel)
    if any(p for pair in pairs for p in pair):
        x = pad(x, pad_pairs(pairs))
    batch, c = x._shape[:2]
    size = x._shape[2:]
    xt = x.reshape((batch, groups, c // groups) + size).permute(2, 1, 0, *range(3, n + 3))
    out = _convolution(f"conv{n}d", n, xt.reshape((c // groups, groups * batch) + size),
                       g.transpose(0, 1), None, dilation, 0, stride, groups)
    for i, k in enumerate(kernel):
        out = out.narrow(2 + i, 0, k)
    return out.transpose(0, 1)


def _channel_sums(g):
    return g.sum((0,) + tuple(range(2, g.dim())))


def _channels_last(x, weight):
    """Whether torch answers channels-last: either operand laid out so."""
    return _strides_like_channels_last(x) or _strides_like_channels_last(weight)


def _filled(shape, like, bias, n):
    """The result of a convolution that adds no terms or has no elements: bias, or 0."""
    out = creation.zeros(shape, dtype=like._dtype, device=like.device)
    if bias is None or not out.numel():
        return out
    return out.add_(bias.view((-1,) + (1,) * n))


def _empty_grads(x, w, bias, need_x, need_w, need_b):
    zeros = lambda shape, like: creation.zeros(shape, dtype=like._dtype, device=like.device)
    return (zeros(x._shape, x) if need_x else None, zeros(w._shape, w) if need_w else None,
            zeros(bias._shape, bias) if need_b else None)


@autocast_op
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convolution("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


@autocast_op
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convolution("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


@autocast_op
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convolution("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


# --- transposed convolution -----------------------------------------------------------

_AXES = {2: ("height", "width"), 3: ("depth", "height", "width")}


def _transposed(name, n, input, weight, bias, stride, padding, output_padding, groups,
                dilation):
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    stride = _expand(stride, n)
    dilation = _expand(dilation, n)
    _check_common(name, input, weight, bias, n, stride, dilation, groups)
    padding = _expand(padding, n)
    _check_len(padding, n, "padding")
    output_padding = _expand(output_padding, n)
    _check_len(output_padding, n, "output_padding")
    if min(padding) < 0:
        raise RuntimeError("negative padding is not supported")
    if min(output_padding) < 0:
        raise RuntimeError("negative output_padding is not supported")
    if any(o >= s and o >= d for o, s, d in zip(output_padding, stride, dilation)):
        # torch runs a 1-d one as 2-d, and names the height it adds
        lead = n == 1
        axes = _AXES[n + lead]
        parts = [f"output_padding_{a}: {v}" for a, v in zip(axes, (0,) * lead + output_padding)]
        parts += [f"stride_{a}: {v}" for a, v in zip(axes, (1,) * lead + stride)]
        parts += [f"dilation_{a}: {v}" for a, v in zip(axes, (1,) * lead + dilation)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but "
                           "got " + " ".join(parts))
    if input.dim() == n + 1:  # unbatched: a batch of one, as torch (its grad_fn a squeeze)
        return _transposed(name, n, input.unsqueeze(0), weight, bias, stride, padding,
                           output_padding, groups, dilation).squeeze(0)
    x = input
    _check_weight_groups(weight, groups)
    if x._shape[1] != weight._shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight._shape)}, expected "
                           f"input{list(x._shape)} to have {weight._shape[0]} channels, but got "
                           f"{x._shape[1]} channels instead")
    channels = weight._shape[1] * groups
    _check_bias(bias, weight, channels, True)
    kernel = weight._shape[2:]
    size = x._shape[2:]
    full = tuple((s - 1) * st + d * (k - 1) + 1 + o
                 for s, st, d, k, o in zip(size, stride, dilation, kernel, output_padding))
    count = tuple(f - 2 * p for f, p in zip(full, padding))
    if min(count) <= 0:
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, size))}). "
                           f"Calculated output size per channel: "
                           f"({' x '.join(map(str, count))}). Output size is too small")
    pairs = tuple((p, p) for p in padding)
    shape = (x._shape[0], channels) + count

    def forward():
        cols = matmul(_rows(x, groups), _weight_matrix(weight, groups, True))
        out = _uncolumns(cols, shape, groups, kernel, stride, dilation, pairs, size,
                         _channels_last(x, weight))
        return out if bias is None else out.add_(bias.view((-1,) + (1,) * n))

    def grads(g, x, w, need_x, need_w, need_b):
        cols = _columns(g, groups, kernel, stride, dilation, pairs, size)  # (G, M, k * K/G)
        grad_x = grad_w = grad_b = None
        if need_x:
            m = matmul(cols, _weight_matrix(w, groups, True).transpose(1, 2))
            grad_x = _unrows(m, x._shape, None, _channels_last(x, w))
        if need_w:
            grad_w = _unweight_matrix(matmul(_rows(x, groups).transpose(1, 2), cols), w._shape,
                                      groups, True)
        if need_b:
            grad_b = _channel_sums(g)
        return grad_x, grad_w, grad_b

    def graph_grads(g, x, w, need_x, need_w, need_b):
        # the convolution with the same weight is this one's adjoint
        return (_convolution(f"conv{n}d", n, g, w, None, stride, padding, dilation, groups)
                if need_x else None,
                _weight_grad(g, x, kernel, stride, dilation, pairs, groups) if need_w else None,
                _channel_sums(g) if need_b else None)
    return _recorded(x, weight, bias, shape, n, forward, grads, graph_grads)


@autocast_op
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _transposed("conv_transpose1d", 1, input, weight, bias, stride, padding,
                       output_padding, groups, dilation)


@autocast_op
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _transposed("conv_transpose2d", 2, input, weight, bias, stride, padding,
                       output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _transposed("conv_transpose3d", 3, input, weight, bias, stride, padding,
                       output_padding, groups, dilation)
