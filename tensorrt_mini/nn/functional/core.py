"""The first functional layers: activations, linear, dropout, layer_norm, embedding.

The multi-op layers (linear, softmax, log_softmax, gelu, layer_norm, embedding) compute
their forward pass with plain ops and record ONE graph node with a hand-written backward,
as PyTorch's fused kernels do: fewer nodes is less Python per training step than a chain
of elementwise nodes. The losses live in losses.py.
"""
import math

import numpy as np

from ... import creation
from ... import _tensor as T
from ... import dtypes as D
from ...autograd.grad_mode import no_grad
from ...autograd.graph import record, run
from ...layout import wrap_dim
from ...ops import elementwise as E
from ...ops.dispatch import GradMode
from ...ops.einsum import einsum
from ...ops.indexing import gather, index_put_
from ...ops.linalg import matmul
from ...ops.sampling import bernoulli_
from ...ops.autocast import autocast_op

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TANH_K = math.sqrt(2.0 / math.pi)


def _tracking(*xs):
    """Record a node only with grad mode on and some input requiring grad."""
    return GradMode.enabled and any(getattr(x, "_requires_grad", False) for x in xs)


def _untracked(fn, track):
    return run(fn) if track else fn()


# --- activations --------------------------------------------------------------------

def relu(input, inplace=False):
    return input.relu_() if inplace else E.relu(input)


def sigmoid(input):
    return E.sigmoid(input)


def tanh(input):
    return E.tanh(input)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    track = _tracking(input)

    def forward():
        if input._dtype.is_floating_point:  # one pass (the catalog's gelu)
            return E.unary("gelu" if approximate == "none" else "gelu_tanh", input)
        if approximate == "none":
            return input * ((E.erf(input * _SQRT_HALF) + 1) * 0.5)
        inner = (input + input * input * input * 0.044715) * _TANH_K
        return input * ((E.tanh(inner) + 1) * 0.5)
    out = _untracked(forward, track)
    if not track:
        return out

    def backward(g, x):
        if approximate == "none":
            cdf = (E.erf(x * _SQRT_HALF) + 1) * 0.5
            pdf = E.exp(x * x * -0.5) * _INV_SQRT_2PI
            return (g * (cdf + x * pdf),)
        x2 = x * x
        t = E.tanh((x + x2 * x * 0.044715) * _TANH_K)
        dinner = (x2 * (3 * 0.044715) + 1) * _TANH_K
        return (g * ((t + 1) * 0.5 + x * 0.5 * (1 - t * t) * dinner),)
    return record("GeluBackward0", out, (input,), backward, (input,))


def _softmax_dim(ndim):
    return 0 if ndim in (0, 1, 3) else 1


def _prepare(kernel, input, dim, dtype):
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        dim = _softmax_dim(input.dim())
    dim = wrap_dim(dim, max(input.dim(), 1)) if input.dim() else 0
    if not input._dtype.is_floating_point:
        last = "_lastdim" if dim >= input.dim() - 1 else ""
        raise NotImplementedError(f'"{kernel}{last}_kernel_impl" not implemented for '
                                  f"'{D.TYPE_NAMES[input._dtype.name]}'")
    return input, dim


def _fused_softmax(input, dim, log):
    """The cpu's one-pass-per-row kernel, else None (the composite serves cuda). Its result
    is contiguous whatever input's layout, as torch's is."""
    if input._storage.device.type != "cpu":
        return None
    input = input.contiguous()
    out = T.empty_tensor(input._shape, input._dtype, input._storage.device)
    T.backends.get("cpu").softmax(out, input, dim, log)
    return out


@autocast_op
def softmax(input, dim=None, _stacklevel=3, dtype=None):
    input, dim = _prepare("softmax", input, dim, dtype)
    track = _tracking(input)

    def forward():
        if not input.dim() or not input.numel():  # (no max to take)
            return E.exp(input - input)
        fused = _fused_softmax(input, dim, log=False)
        if fused is not None:
            return fused
        e = E.exp(input - input.amax(dim, keepdim=True))
        return e / e.sum(dim, keepdim=True)
    out = _untracked(forward, track)
    if not track:
        return out

    def backward(g, y):
        if not y.dim():
            return (g * 0,)
        return (y * (g - (g * y).sum(dim, keepdim=True)),)
    return record("SoftmaxBackward0", out, (input,), backward, (out,))


@autocast_op
def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    input, dim = _prepare("log_softmax", input, dim, dtype)
    track = _tracking(input)

    def forward():
        if not input.dim() or not input.numel():  # (no max to take)
            return input - input
        fused = _fused_softmax(input, dim, log=True)
        if fused is not None:
            return fused
        # shifting by the max keeps exp from overflowing
        shifted = input - input.amax(dim, keepdim=True)
        return shifted - E.log(E.exp(shifted).sum(dim, keepdim=True))
    out = _untracked(forward, track)
    if not track:
        return out

    def backward(g, y):
        if not y.dim():
            return (g * 0,)
        return (g - E.exp(y) * g.sum(dim, keepdim=True),)
    return record("LogSoftmaxBackward0", out, (input,), backward, (out,))


# --- linear -------------------------------------------------------------------------

def _rows_matmul(x, m):
    """x (..., k) @ m (k, n) as ONE (rows, k) @ (k, n) product: a batched matmul against a
    broadcast matrix is a BLAS call per batch entry, each paying BLAS's thread start."""
    if x.dim() <= 2:
        return matmul(x, m)
    lead = x._shape[:-1]
    return matmul(x.reshape(math.prod(lead), x._shape[-1]), m).reshape(lead + (m._shape[-1],))


@autocast_op
def linear(input, weight, bias=None):
    """input @ weight.T + bias, as one node."""
    track = _tracking(input, weight, bias)

    def forward():
        out = _rows_matmul(input, weight.t())
        return out if bias is None else E.add(out, bias)
    out = _untracked(forward, track)
    if not track:
        return out
    need_x, need_w = input._requires_grad, weight._requires_grad
    need_b = bias is not None and bias._requires_grad
    nd = input.dim()

    def backward(g, *saved):
        x = saved[0] if need_w else None
        w = saved[-1] if need_x else None
        grad_x = _rows_matmul(g, w) if need_x else None
        grad_w = grad_b = None
        if nd == 1:
            if need_w:
                grad_w = matmul(g.unsqueeze(1), x.unsqueeze(0))
            if need_b:
                grad_b = g
        else:
            g2 = g if nd == 2 else g.reshape(-1, g._shape[-1])
            if need_w:
                x2 = x if nd == 2 else x.reshape(-1, x._shape[-1])
                grad_w = matmul(g2.t(), x2)
            if need_b:
                grad_b = g2.sum(0)
        return grad_x, grad_w, grad_b
    name = ("AddmmBackward0" if bias is not None else "MmBackward0") if nd == 2 else \
        "ViewBackward0" if nd > 2 else "SqueezeBackward4"
    return record(name, out, (input, weight, bias), backward,
                  (input,) * need_w + (weight,) * need_x)


@autocast_op
def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = input1[..., i] weight[o, i, j] input2[..., j] + bias[o] (an einsum, so
    autograd comes with it; the layer is rare enough not to need its own node)."""
    if input1.shape[:-1] != input2.shape[:-1]:
        dim = next(d for d, (a, b) in enumerate(zip(input1.shape, input2.shape)) if a != b)
        raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {dim}: got "
                           f"{input1.shape[dim]} and {input2.shape[dim]}")
    for k, x in ((1, input1), (2, input2)):
        if x.shape[-1] != weight.shape[k]:
            raise RuntimeError(f"bilinear(): input{k} size does not match weight size: got "
                               f"{x.shape[-1]} but expected {weight.shape[k]}")
    if bias is not None and bias.shape[-1] != weight.shape[0]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{bias.shape[-1]} but expected {weight.shape[0]}")
    out = einsum("...i,oij,...j->...o", input1, weight, input2)
    return out if bias is None else E.add(out, bias)


# --- dropout ------------------------------------------------------------------------

def dropout(input, p=0.5, training=True, inplace=False):
    """torch's CPU dropout: a mask drawn by bernoulli_(1 - p) in input's layout, divided by
    1 - p, times input (so the draws, and the values, match torch's)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        mask = creation.zeros((), dtype=input._dtype, device=input.device)
    else:
        mask = bernoulli_(creation.empty_like(input), 1.0 - p)
        mask = mask.div_(1.0 - p)
    return input.mul_(mask) if inplace else input * mask


# --- normalisation and embedding ----------------------------------------------------

@autocast_op
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) \
        else tuple(normalized_shape)
    k = len(normalized_shape)
    if input.dim() < k or input._shape[input.dim() - k:] != normalized_shape:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with "
                           f"shape [*, {', '.join(map(str, normalized_shape))}], but got input of "
                           f"size{list(input._shape)}")
    dims = tuple(range(input.dim() - k, input.dim()))
    batch_dims = tuple(range(input.dim() - k))
    track = _tracking(input, weight, bias)

    def forward():
        fused = _fused_layer_norm(input, k, weight, bias, eps)
        if fused is not None:
            return fused
        mean = input.mean(dims, keepdim=True)
        rstd = E.rsqrt(input.var(dims, correction=0, keepdim=True) + eps)
        xhat = (input - mean) * rstd
        out = xhat if weight is None else xhat * weight
        return (out if bias is None else out + bias), xhat, rstd
    out, xhat, rstd = _untracked(forward, track)
    if not track:
        return out

    need_x = input._requires_grad
    need_w = weight is not None and weight._requires_grad
    need_b = bias is not None and bias._requires_grad

    def backward(g, xhat, rstd, input, *w):
        if GradMode.enabled:  # a gradient with a graph: the normalisation again, recorded
            rstd = E.rsqrt(input.var(dims, correction=0, keepdim=True) + eps)
            xhat = (input - input.mean(dims, keepdim=True)) * rstd
        grad_x = grad_w = grad_b = None
        if need_x:
            grad_x = standardised_grad(g * w[0] if w else g, xhat, rstd, dims)
        if need_w:
            gw = g * xhat
            grad_w = gw.sum(batch_dims) if batch_dims else gw
        if need_b:
            grad_b = g.sum(batch_dims) if batch_dims else g
        return grad_x, grad_w, grad_b
    saved = (xhat, rstd, input) + ((weight,) if weight is not None else ())
    return record("NativeLayerNormBackward0", out, (input, weight, bias), backward, saved)


def standardised_grad(gxhat, xhat, rstd, dims, centred=True):
    """The gradient for x of xhat = (x - mean(x)) * rstd (centred; else x * rstd), rstd =
    1 / sqrt(mean of the squared deviations (or of x²) + eps) over dims, given gxhat, the
    gradient for xhat: the normalisation layers' common backward."""
    inner = (gxhat * xhat).mean(dims, keepdim=True)
    if centred:
        return rstd * (gxhat - gxhat.mean(dims, keepdim=True) - xhat * inner)
    return rstd * (gxhat - xhat * inner)


def _fused_layer_norm(input, k, weight, bias, eps):
    """(out, xhat, rstd) from the cpu's one-row-at-a-time kernel, for an input normalised
    over its last dim; else None. Its results are contiguous, as torch's are."""
    dev = input._storage.device
    if dev.type != "cpu":
        return None
    for t in (weight, bias):
        if t is not None and t._dtype is not input._dtype:
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of "
                               + E._TORCH_TYPE_NAMES[input._dtype.name])
    if k != 1 or any(t is not None and t._storage.device is not dev for t in (weight, bias)):
        return None
    input = input.contiguous()
    weight, bias = (None if t is None else t.contiguous() for t in (weight, bias))
    if bias is not None and weight is None:  # x * 1 + b: the kernel's forms take a weight
        weight = creation.ones(input._shape[-1], dtype=input._dtype)
    out = T.empty_tensor(input._shape, input._dtype, dev)
    xhat = T.empty_tensor(input._shape, input._dtype, dev)
    rstd = T.empty_tensor(input._shape[:-1] + (1,), input._dtype, dev)
    T.backends.get("cpu").layer_norm(out, xhat, rstd, input, weight, bias, eps)
    return out, xhat, rstd


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    if sparse:
        raise NotImplementedError("tensorrt_mini has no sparse tensors: embedding(sparse=True) "
                                  "is not supported")
    E.check_same_device(weight, input)
    num, dim = weight._shape
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise AssertionError("Padding_idx must be within num_embeddings")
        if padding_idx < 0:
            padding_idx += num
    if input._dtype not in (D.int64, D.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following "
                           f"scalar types: Long, Int; but got {input.type()} instead (while "
                           "checking arguments for embedding)")
    # torch's embedding refuses negative indices (weight[input] would wrap them): one read
    # of the indices to the host checks them, and then the rows are gathered unchecked
    host = input.cpu().numpy()
    if host.size and (host.min() < 0 or host.max() >= num):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _renorm_rows_(weight, np.unique(host), max_norm, norm_type)

    def rows_and_cols():
        return input.to(D.int64).unsqueeze(-1), creation.arange(dim, device=weight.device)

    track = _tracking(weight)
    if weight._storage.device.type == "cpu":  # the ids are checked: one gather of rows
        out = T.empty_tensor(input._shape + (dim,), weight._dtype, weight._storage.device)
        if out.numel():
            T.backends.get("cpu").take_along(out, weight, 0, input)
    else:
        rows, cols = rows_and_cols()
        out = _untracked(lambda: gather(weight, rows * weight._stride[0]
                                        + (cols * weight._stride[1] + weight._offset)), track)
    if not track:
        return out

    def backward(g):
        if padding_idx is not None:  # the padding row never learns
            g = g * (input != padding_idx).unsqueeze(-1)
        if scale_grad_by_freq:  # each row's gradient divided by its id's count in the batch
            counts = np.bincount(host.reshape(-1), minlength=num)
            g = g / creation.tensor(counts[host], dtype=g._dtype, device=g.device).unsqueeze(-1)
        z = creation.zeros((num, dim), dtype=g._dtype, device=g.device)
        rows, cols = rows_and_cols()
        offsets = rows * dim + cols
        index_put_(z, offsets.contiguous(), g, offsets._shape, accumulate=True)
        return (z,)
    return record("EmbeddingBackward0", out, (weight,), backward)


def _renorm_rows_(weight, ids, max_norm, norm_type):
    """Scale, in place, each looked-up row whose norm exceeds max_norm down to max_norm (as
    torch's embedding_renorm_, with its 1e-7 guard); not recorded by autograd."""
    with no_grad():
        ids = creation.tensor(ids, dtype=D.int64, device=weight.device)
        rows = weight.index_select(0, ids)
        norms = rows.norm(norm_type, 1, keepdim=True)
        scale = E.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight.index_copy_(0, ids, rows * scale)
