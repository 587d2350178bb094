"""The first functional layers: activations, linear, dropout, layer_norm, embedding, losses.

The multi-op layers (linear, softmax, log_softmax, nll_loss, mse_loss, gelu, layer_norm,
embedding) compute their forward pass with plain ops and record ONE graph node with a
hand-written backward, as PyTorch's fused kernels do: fewer nodes is less Python per
training step than a chain of elementwise nodes.
"""
import math

from ... import creation
from ... import _tensor as T
from ... import dtypes as D
from ...autograd.formulas.common import fit, meta
from ...autograd.graph import record, run
from ...layout import wrap_dim
from ...ops import elementwise as E
from ...ops.dispatch import GradMode
from ...ops.indexing import gather, index_put_
from ...ops.linalg import matmul
from ...ops.sampling import bernoulli_

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

def linear(input, weight, bias=None):
    """input @ weight.T + bias, as one node."""
    track = _tracking(input, weight, bias)

    def forward():
        out = matmul(input, weight.t())
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
        grad_x = matmul(g, w) if need_x else None
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
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("tensorrt_mini's embedding supports neither max_norm, "
                                  "scale_grad_by_freq nor sparse")
    if input._dtype not in (D.int64, D.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following "
                           f"scalar types: Long, Int; but got {input.type()} instead (while "
                           "checking arguments for embedding)")
    num, dim = weight._shape
    # torch's embedding refuses negative indices (weight[input] would wrap them): one read
    # of the indices to the host checks them, and then the rows are gathered unchecked
    host = input.cpu().numpy()
    if host.size and (host.min() < 0 or host.max() >= num):
        raise IndexError("index out of range in self")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += num
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
        z = creation.zeros((num, dim), dtype=g._dtype, device=g.device)
        rows, cols = rows_and_cols()
        offsets = rows * dim + cols
        index_put_(z, offsets.contiguous(), g, offsets._shape, accumulate=True)
        return (z,)
    return record("EmbeddingBackward0", out, (weight,), backward)


# --- losses -------------------------------------------------------------------------

def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction")


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    track = _tracking(input, target)

    def forward():
        d = input - target
        return _reduce(d * d, reduction), d
    out, diff = _untracked(forward, track)
    if not track:
        return out
    count = diff.numel()
    m_input, m_target = meta(input), meta(target)

    def backward(g, d, input, target):
        if GradMode.enabled:  # a gradient with a graph: the difference again, recorded
            d = input - target
        scale = 2.0 / count if reduction == "mean" else 2.0
        grad = d * (g * scale) if reduction != "none" else d * g * 2.0
        return (fit(grad, m_input) if m_input else None,
                fit(E.neg(grad), m_target) if m_target else None)
    return record("MseLossBackward0", out, (input, target), backward, (diff, input, target))


def _class_dim(input):
    return 1 if input.dim() >= 2 else 0


def _check_target(input, target):
    if target._dtype not in (D.int64, D.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{E._TORCH_TYPE_NAMES[target._dtype.name]}")
    c = _class_dim(input)
    if input.dim() >= 2 and target._shape[:1] != input._shape[:1]:
        raise ValueError(f"Expected input batch_size ({input._shape[0]}) to match target "
                         f"batch_size ({target._shape[0] if target.dim() else 0}).")
    expected = input._shape[:c] + input._shape[c + 1:]
    if target._shape != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target._shape)}")


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """The negative log-likelihood of class-index targets, given log-probabilities."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    _check_target(input, target)
    if weight is not None and weight._dtype is not input._dtype:
        raise RuntimeError(f"expected scalar type {E._TORCH_TYPE_NAMES[input._dtype.name]} but "
                           f"found {E._TORCH_TYPE_NAMES[weight._dtype.name]}")
    c = _class_dim(input)
    track = _tracking(input)

    def forward():
        picked = _nll_pick_cpu(input, target, weight, ignore_index)
        if picked is None:
            pick = _one_hot_pick(input, target, weight, ignore_index, c)
            per_item, picked = E.neg((input * pick).sum(c)), pick.sum(c)
        else:
            per_item, picked = picked
        if reduction == "none":
            return per_item, None
        if reduction == "sum":
            return per_item.sum(), None
        total = picked.sum()
        return per_item.sum() / total, total
    out, total = _untracked(forward, track)
    if not track:
        return out

    def backward(g):
        pick = _one_hot_pick(input, target, weight, ignore_index, c)
        if reduction == "none":
            return (E.neg(pick) * g.unsqueeze(c),)
        scale = g / total if reduction == "mean" else g
        return (pick * E.neg(scale),)
    return record("NllLossBackward0", out, (input,), backward)


def _one_hot_pick(input, target, weight, ignore_index, c):
    """The (weighted) one-hot of the targets in input's shape, 0 where ignored; torch's
    IndexError for a target outside the classes. No host round trip but the check, on
    any device."""
    n_classes = input._shape[c]
    shape = [1] * input.dim()
    shape[c] = n_classes
    classes = creation.arange(n_classes, device=input.device).view(shape)
    hit = target.unsqueeze(c) == classes
    valid = target != ignore_index
    bad = valid & E.logical_not(hit.any(c))
    if bool(bad.any()):
        raise IndexError(f"Target {int(target[bad].reshape(-1)[0])} is out of bounds.")
    pick = (hit & valid.unsqueeze(c)).to(input._dtype)
    return pick if weight is None else pick * weight.view(shape)


def _nll_pick_cpu(input, target, weight, ignore_index):
    """(loss per item, weight per item) from the cpu's one-pass kernel, for (N, C) and (C,)
    inputs; else None."""
    if (input._storage.device.type != "cpu" or input.dim() not in (1, 2)
            or (weight is not None and weight._storage.device is not input._storage.device)):
        return None
    logp, items = (input, target) if input.dim() == 2 else (input.view(1, -1), target.view(1))
    n = logp._shape[0]
    loss = T.empty_tensor((n,), input._dtype, input._storage.device)
    picked = T.empty_tensor((n,), input._dtype, input._storage.device)
    bad = T.backends.get("cpu").nll_pick(loss, picked, logp, items, weight, ignore_index)
    if bad is not None:
        raise IndexError(f"Target {bad} is out of bounds.")
    return (loss, picked) if input.dim() == 2 else (loss.view(()), picked.view(()))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    if label_smoothing != 0.0:
        raise NotImplementedError("tensorrt_mini's cross_entropy does not support label_smoothing")
    if target._dtype.is_floating_point and target._shape == input._shape:  # class probabilities
        logp = log_softmax(input, _class_dim(input))
        if weight is not None:
            shape = [1] * input.dim()
            shape[_class_dim(input)] = input._shape[_class_dim(input)]
            logp = logp * weight.view(shape)
        loss = E.neg((logp * target).sum(_class_dim(input)))
        if reduction == "mean":
            return loss.sum() / (input._shape[0] if input.dim() >= 2 else 1)
        return _reduce(loss, reduction)
    return nll_loss(log_softmax(input, _class_dim(input)), target, weight,
                    ignore_index=ignore_index, reduction=reduction)
