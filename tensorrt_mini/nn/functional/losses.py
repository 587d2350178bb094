"""The loss functions, as torch.nn.functional spells them.

The losses on a training step's hot path (mse_loss, nll_loss, binary_cross_entropy and its
logits form) compute their forward pass with plain ops and record ONE graph node with a
hand-written backward; cross_entropy is log_softmax's node then nll_loss's, as in torch.
The others are compositions of differentiable ops, so autograd derives their gradients.
"""
import math

import numpy as np

from ... import creation
from ... import _tensor as T
from ... import dtypes as D
from ...autograd.formulas.common import fit, meta
from ...autograd.graph import record
from ...layout import broadcast_shapes
from ...ops import elementwise as E
from ...ops.dispatch import GradMode
from ...user_warnings import warn
from .._reduction import legacy_get_string, reduction_of
from .core import _tracking, _untracked, log_softmax
from .distance import pairwise_distance
from ...ops.autocast import autocast_op

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_BCE_EPS = 9.999999960041972e-13  # torch's floor on x(1 - x) in BCE's gradient: 1e-12 as a float32


# --- reductions and checks ----------------------------------------------------------

def _check_reduction(reduction, message="{} is not a valid value for reduction"):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(message.format(reduction))


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _warn_if_sizes_differ(input, target):
    if target._shape != input._shape:
        warn(f"Using a target size ({target.size()}) that is different to the input size "
             f"({input.size()}). This will likely lead to incorrect results due to "
             "broadcasting. Please ensure they have the same size.")


def _weighted(loss, weight, reduction, input):
    """The `weight=` form of l1_loss and mse_loss: the mean divides by the weights' sum."""
    if weight._shape != input._shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean":
        return loss.sum() / weight.sum()
    if reduction not in ("sum", "none"):
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', "
                         "'mean', 'sum'.")
    return _reduce(loss, reduction)


def _check_not_differentiable(op, **tensors):
    """torch's refusal of a weight that requires grad where its loss has no gradient for
    it (while grad mode is on)."""
    if GradMode.enabled:
        for name, t in tensors.items():
            if getattr(t, "_requires_grad", False):
                raise RuntimeError(f"The function '{op}' is not differentiable with respect to "
                                   f"argument '{name}'. This input cannot have requires_grad "
                                   "True.")


def _pointwise_loss(name, inputs, forward, grads, reduction, saved):
    """A loss computed element by element then reduced, as ONE node: `forward()` gives the
    unreduced loss, `grads(scale, *saved)` the gradient of each input (None where none
    flows) given `scale`, the incoming gradient spread over the elements."""
    track = _tracking(*inputs)
    out = _untracked(lambda: _reduce(forward(), reduction), track)
    if not track:
        return out
    metas = [meta(x) for x in inputs]
    count = math.prod(broadcast_shapes(*(x._shape for x in inputs if x is not None)))

    def backward(g, *saved):
        scale = g * (1.0 / count) if reduction == "mean" else g
        return tuple(None if m is None or d is None else fit(d, m)
                     for d, m in zip(grads(scale, *saved), metas))
    return record(name, out, inputs, backward, saved)


# --- regression ---------------------------------------------------------------------

@autocast_op
def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _warn_if_sizes_differ(input, target)
    reduction = reduction_of(size_average, reduce, reduction)
    if weight is not None:
        return _weighted(E.abs(input - target), weight, reduction, input)
    _check_reduction(reduction)
    return _reduce(E.abs(input - target), reduction)


@autocast_op
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _warn_if_sizes_differ(input, target)
    reduction = reduction_of(size_average, reduce, reduction)
    if weight is not None:
        d = input - target
        return _weighted(d * d, weight, reduction, input)
    _check_reduction(reduction)
    if not (input._dtype.is_floating_point or target._dtype.is_floating_point):
        dtype = E.result_type(input, target)
        raise NotImplementedError(f'"mse_{input._storage.device.type}" not implemented for '
                                  f"'{E._TORCH_TYPE_NAMES[dtype.name]}'")
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


@autocast_op
def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    _warn_if_sizes_differ(input, target)
    reduction = reduction_of(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _check_reduction(reduction)
    if beta == 0.0:
        return _reduce(E.abs(input - target), reduction)
    d = input - target
    ad = E.abs(d)
    return _reduce(E.where(ad < beta, d * d * (0.5 / beta), ad - 0.5 * beta), reduction)


@autocast_op
def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    _warn_if_sizes_differ(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    d = input - target
    ad = E.abs(d)
    loss = E.where(ad < delta, d * d * 0.5, (ad - 0.5 * delta) * delta)
    if weight is not None:
        if weight._shape != input._shape:
            raise ValueError("Weights and input must have the same size.")
        loss = loss * weight
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', "
                             "'mean', 'sum'.")
    _check_reduction(reduction)
    return _reduce(loss, reduction)


# --- binary classification ----------------------------------------------------------

def _check_same_dtype(input, target):
    if target._dtype is not input._dtype:
        raise RuntimeError(f"Found dtype {E._TORCH_TYPE_NAMES[target._dtype.name]} but "
                           f"expected {E._TORCH_TYPE_NAMES[input._dtype.name]}")


def _check_unit_interval(t, name):
    if t.numel() and bool(((t < 0) | (t > 1)).any()):
        raise RuntimeError(f"all elements of {name} should be between 0 and 1")


@autocast_op
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-w (t log x + (1 - t) log(1 - x)), each log clamped to >= -100 as torch's."""
    reduction = reduction_of(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target._shape != input._shape:
        raise ValueError(f"Using a target size ({target.size()}) that is different to the "
                         f"input size ({input.size()}) is deprecated. Please ensure they have "
                         "the same size.")
    if weight is not None:
        weight = weight.expand(broadcast_shapes(target._shape, weight._shape))
    _check_same_dtype(input, target)
    _check_unit_interval(input, "input")
    _check_unit_interval(target, "target")
    _check_not_differentiable("binary_cross_entropy", weight=weight)

    def forward():
        log_x = E.clamp(E.log(input), min=-100)
        log_1mx = E.clamp(E.log1p(E.neg(input)), min=-100)
        loss = (target - 1) * log_1mx - target * log_x
        return loss if weight is None else loss * weight

    def grads(scale, x, t, *w):
        if w:
            scale = scale * w[0]
        grad_x = scale * (x - t) / E.clamp((1 - x) * x, min=_BCE_EPS)
        grad_t = scale * (E.log1p(E.neg(x)) - E.log(x)) if target._requires_grad else None
        return grad_x, grad_t
    saved = (input, target) + ((weight,) if weight is not None else ())
    return _pointwise_loss("BinaryCrossEntropyBackward0", (input, target), forward, grads,
                           reduction, saved)


def _softplus_of_neg(x):
    """log(1 + exp(-x)) without overflow: log1p(exp(-|x|)) + max(-x, 0)."""
    return E.log1p(E.exp(E.neg(E.abs(x)))) + E.clamp(E.neg(x), min=0)


@autocast_op
def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """(1 - t) x + (1 + (pos_weight - 1) t) log(1 + exp(-x)), times weight: the sigmoid and
    the log in one stable form."""
    reduction = reduction_of(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target._shape != input._shape:
        raise ValueError(f"Target size ({target.size()}) must be the same as input size "
                         f"({input.size()})")
    _check_not_differentiable("binary_cross_entropy_with_logits", weight=weight,
                              pos_weight=pos_weight)

    def log_weight(t, pw):  # the positive examples' factor, 1 without pos_weight
        return (pw - 1) * t + 1

    def forward():
        sp = _softplus_of_neg(input)
        loss = (1 - target) * input + (sp if pos_weight is None
                                       else log_weight(target, pos_weight) * sp)
        return loss if weight is None else loss * weight

    def grads(scale, x, t, *weights):
        w = weights[0] if weight is not None else None
        pw = weights[-1] if pos_weight is not None else None
        if w is not None:
            scale = scale * w
        s = E.sigmoid(x)
        if pw is None:
            grad_x = scale * (s - t)
        else:
            grad_x = scale * (log_weight(t, pw) * s - t * pw)
        grad_t = None
        if target._requires_grad:
            dt = E.neg(x) if pw is None else (pw - 1) * _softplus_of_neg(x) - x
            grad_t = scale * dt
        return grad_x, grad_t
    saved = (input, target) + tuple(w for w in (weight, pos_weight) if w is not None)
    return _pointwise_loss("BinaryCrossEntropyWithLogitsBackward0", (input, target), forward,
                           grads, reduction, saved)


# --- classification over C classes --------------------------------------------------

def _class_dim(input):
    return 1 if input.dim() >= 2 else 0


def _class_shape(input):
    """Ones but for the class dim: how a per-class weight lines up with input."""
    shape = [1] * input.dim()
    shape[_class_dim(input)] = input._shape[_class_dim(input)]
    return shape


def _check_nll_args(input, target, weight):
    """torch's checks, in torch's order, for a (C,), (N, C) or (N, C, d1, ...) input."""
    nd = input.dim()
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    if nd != 1 and (target._shape[:1] or (0,))[0] != input._shape[0]:
        raise ValueError(f"Expected input batch_size ({input._shape[0]}) to match target "
                         f"batch_size ({target._shape[0] if target.dim() else 0}).")
    if nd <= 2 and target.dim() > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if nd == 4 and target.dim() != 3:
        raise RuntimeError("only batches of spatial targets supported (3D tensors) but got "
                           f"targets of dimension: {target.dim()}")
    if nd == 4 and target._shape[1:] != input._shape[2:]:
        raise RuntimeError(f"size mismatch (got input: {list(input._shape)} , target: "
                           f"{list(target._shape)}")
    if nd == 3 or nd > 4:
        expected = input._shape[:1] + input._shape[2:]
        if target._shape != expected:
            raise RuntimeError(f"Expected target size {list(expected)}, got "
                               f"{list(target._shape)}")
    if target._dtype not in (D.int64, D.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{E._TORCH_TYPE_NAMES[target._dtype.name]}")
    if nd > 2 and target._dtype is not D.int64:  # torch's spatial kernel takes Long only
        raise RuntimeError("expected scalar type Long but found Byte")
    classes = input._shape[_class_dim(input)]
    if weight is not None:
        if weight.numel() != classes:
            raise RuntimeError(f"weight tensor should be defined either for all {classes} "
                               "classes or no classes but got weight tensor of shape: "
                               f"{list(weight._shape)}")
        if weight._dtype is not input._dtype:
            raise RuntimeError(f"expected scalar type {E._TORCH_TYPE_NAMES[input._dtype.name]} "
                               f"but found {E._TORCH_TYPE_NAMES[weight._dtype.name]}")


@autocast_op
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """The negative log-likelihood of class-index targets, given log-probabilities, for a
    (C,), (N, C) or (N, C, d1, ...) input; the mean divides by the targets' total weight."""
    reduction = reduction_of(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_nll_args(input, target, weight)
    _check_not_differentiable("nll_loss_forward", weight=weight)
    if weight is not None:
        weight = weight.reshape(-1)
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


@autocast_op
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """log_softmax over the class dim (1, or 0 for a (C,) input), then the negative
    log-likelihood of class indices, or of class probabilities when target has input's
    shape; label_smoothing mixes in the uniform distribution over the classes."""
    reduction = reduction_of(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target._shape == input._shape:
        return _cross_entropy_probabilities(input, target, weight, ignore_index, reduction,
                                            label_smoothing)
    if label_smoothing > 0.0:
        _check_label_smoothing(label_smoothing)
        return _cross_entropy_smoothed(input, target, weight, ignore_index, reduction,
                                       label_smoothing)
    return nll_loss(log_softmax(input, _class_dim(input)), target, weight,
                    ignore_index=ignore_index, reduction=reduction)


def _check_label_smoothing(label_smoothing):
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")


def _cross_entropy_probabilities(input, target, weight, ignore_index, reduction,
                                 label_smoothing):
    if not target._dtype.is_floating_point:
        raise RuntimeError("Expected floating point type for target with class probabilities, "
                           f"got {E._TORCH_TYPE_NAMES[target._dtype.name]}")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    c = _class_dim(input)
    classes = input._shape[c] if input.dim() else 1
    if weight is not None and weight.numel() != classes:
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all "
                           f"{classes} classes or no classes but got weight tensor of shape: "
                           f"{list(weight._shape)}")
    logp = log_softmax(input, c)
    if label_smoothing > 0.0:
        _check_label_smoothing(label_smoothing)
        target = target * (1 - label_smoothing) + label_smoothing / classes
    prod = logp * target
    if weight is not None:
        prod = prod * weight.view(_class_shape(input))
    loss = E.neg(prod.sum(c))
    if reduction == "mean":  # per item: over the batch and the spatial dims
        return loss.sum() / (input.numel() / classes)
    return _reduce(loss, reduction)


def _cross_entropy_smoothed(input, target, weight, ignore_index, reduction, label_smoothing):
    """(1 - e) * the targets' loss + e / C * the loss summed over every class, both 0 where
    the target is ignored; the mean divides each by the targets' total weight."""
    c = _class_dim(input)
    logp = log_softmax(input, c)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    classes = input._shape[c]
    every_class = logp if weight is None else logp * weight.reshape(_class_shape(input))
    ignored = target == ignore_index
    smooth = E.where(ignored, 0.0, E.neg(every_class.sum(c)))
    if reduction == "mean":
        if weight is None:
            total = E.logical_not(ignored).sum()
        else:
            kept = E.where(ignored, 0, target.to(D.int64))
            total = E.where(ignored, 0.0, weight.reshape(-1)[kept]).sum()
        smooth = smooth.sum() / total
    else:
        smooth = _reduce(smooth, reduction)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / classes)


# --- distributions ------------------------------------------------------------------

@autocast_op
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """target * (log target - input), input being log-probabilities (and target too with
    log_target); 'batchmean' divides the sum by the batch size."""
    if size_average is not None or reduce is not None:
        reduction = legacy_get_string(size_average, reduce)
    elif reduction == "mean":
        warn("reduction: 'mean' divides the total loss by both the batch size and the support "
             "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
             "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
             "major release.")
    if reduction != "batchmean":
        _check_reduction(reduction)
    if log_target:
        loss = E.exp(target) * (target - input)
    else:
        loss = E.xlogy(target, target) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input._shape[0] if input.dim() else total
    return _reduce(loss, reduction)


@autocast_op
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """exp(input) - target * input (or input - target * log(input + eps) for rates), plus
    with `full` Stirling's approximation of log(target!) where target > 1."""
    reduction = reduction_of(size_average, reduce, reduction)
    _check_reduction(reduction)
    if log_input:
        loss = E.exp(input) - target * input
    else:
        loss = input - target * E.log(input + eps)
    if full:
        stirling = target * E.log(target) - target + E.log(target * (2 * math.pi)) * 0.5
        loss = loss + E.where(target <= 1, 0.0, stirling)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 (log var + (input - target)^2 / var), var clamped to >= eps for the value only
    (its gradient passes as if unclamped, as torch's in-place no-grad clamp lets it).
    var has input's shape, or one dim fewer, or one dim of size 1 where input's differs."""
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = creation.ones_like(input) * var
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var._shape != input._shape:
        if input._shape[:-1] == var._shape:  # one variance per item: broadcast it
            var = var.unsqueeze(-1)
        elif not (input.dim() == var.dim()
                  and sum(v for x, v in zip(input._shape, var._shape) if x != v) == 1):
            raise ValueError("var is of incorrect size")
    _check_reduction(reduction, "{} is not valid")
    floor = var.detach()
    var = var + (E.clamp(floor, min=eps) - floor)
    d = input - target
    loss = (E.log(var) + d * d / var) * 0.5
    if full:
        loss = loss + _HALF_LOG_2PI
    return _reduce(loss, reduction)


# --- embeddings and ranking ---------------------------------------------------------

def _log_sigmoid(x):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), as one node whose gradient is
    sigmoid(-x) everywhere (a chain of nodes would split the tie at 0)."""
    track = _tracking(x)
    out = _untracked(lambda: E.clamp(x, max=0) - E.log1p(E.exp(E.neg(E.abs(x)))), track)
    if not track:
        return out
    return record("LogSigmoidBackward0", out, (x,),
                  lambda g, x: (g * E.sigmoid(E.neg(x)),), (x,))


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Per item, the mean over the classes (the last dim) of the binary cross entropies of
    the logits."""
    reduction = reduction_of(size_average, reduce, reduction)
    loss = E.neg(target * _log_sigmoid(input) + (1 - target) * _log_sigmoid(E.neg(input)))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(class_dim) / input._shape[class_dim]
    _check_reduction(reduction, "{} is not valid")
    return _reduce(loss, reduction)


@autocast_op
def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos(input1, input2) where target is 1, max(0, cos - margin) where it is -1."""
    reduction = reduction_of(size_average, reduce, reduction)
    _check_reduction(reduction)
    dim = target.dim()
    if dim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input1.dim() != dim + 1 or input2.dim() != dim + 1:
        raise RuntimeError(f"{dim}D target tensor expects {dim + 1}D input tensors, but found "
                           f"inputs with sizes {list(input1._shape)} and "
                           f"{list(input2._shape)}.")
    eps = 1e-12  # keeps a zero vector's cosine finite
    dot = (input1 * input2).sum(dim)
    norms = E.sqrt(((input1 * input1).sum(dim) + eps) * ((input2 * input2).sum(dim) + eps))
    cos = dot / norms
    zero = creation.zeros_like(cos)
    loss = (E.where(target == 1, 1 - cos, zero)
            + E.where(target == -1, E.clamp(cos - margin, min=0), zero))
    return _reduce(loss, reduction)


@autocast_op
def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """max(0, -target * (input1 - input2) + margin)."""
    reduction = reduction_of(size_average, reduce, reduction)
    _check_reduction(reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError("margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.size()}, input2: {input2.size()}, "
                           f"target: {target.size()} ")
    return _reduce(E.clamp(E.neg(target) * (input1 - input2) + margin, min=0), reduction)


@autocast_op
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """max(0, margin + d(anchor, positive) - d(anchor, negative)), d the pairwise p-norm
    distance; `swap` uses d(positive, negative) where it is the smaller."""
    reduction = reduction_of(size_average, reduce, reduction)
    _check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pos, neg = anchor.dim(), positive.dim(), negative.dim()
    if not a == pos == neg:
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a}D, positive {pos}D, "
                           f"and negative {neg}D inputs")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = E.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(E.clamp(d_pos - d_neg + margin, min=0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """triplet_margin_loss with any distance (pairwise_distance by default)."""
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pos, neg = anchor.dim(), positive.dim(), negative.dim()
    if not a == pos == neg:
        raise RuntimeError("The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a}D, positive {pos}D, "
                           f"and negative {neg}D inputs")
    distance = pairwise_distance if distance_function is None else distance_function
    d_pos = distance(anchor, positive)
    d_neg = distance(anchor, negative)
    if swap:
        d_neg = E.minimum(d_neg, distance(positive, negative))
    loss = E.clamp(d_pos - d_neg + margin, min=0)
    _check_reduction(reduction)
    return _reduce(loss, reduction)


@autocast_op
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-target * input)), over every element."""
    reduction = reduction_of(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_not_differentiable("soft_margin_loss", target=target)
    return _reduce(_softplus_of_neg(input * target), reduction)


@autocast_op
def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """input where target is not -1, plus max(0, margin - input) where target is not 1 (so
    both where target is neither, as torch computes it)."""
    reduction = reduction_of(size_average, reduce, reduction)
    _check_reduction(reduction)
    zero = creation.zeros((), dtype=input._dtype, device=input.device)
    loss = (E.where(target != 1, E.clamp(margin - input, min=0), zero)
            + E.where(target != -1, input, zero))
    return _reduce(loss, reduction)


def _margin_input_sizes(input):
    """(N, C) of the multi-class margin losses' (N, C), (C,) or scalar (one class) input,
    C > 0."""
    if input.dim() > 2 or input.dim() and input._shape[-1] == 0:
        raise RuntimeError("Expected non-empty vector or matrix with optional 0-dim batch size, "
                           f"but got: {list(input._shape)}")
    return (input._shape[0] if input.dim() == 2 else 1), (input._shape[-1] if input.dim() else 1)


def _check_long(target):
    if target._dtype is not D.int64:
        raise RuntimeError("expected scalar type Long but found "
                           f"{E._TORCH_TYPE_NAMES[target._dtype.name]}")


@autocast_op
def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """Per item, the mean over the classes i other than the target y of
    weight[y] * max(0, margin - input[y] + input[i]) ** p."""
    reduction = reduction_of(size_average, reduce, reduction)
    _check_reduction(reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    batch, classes = _margin_input_sizes(input)
    if not (target.dim() <= 1 and target.numel() == batch):
        raise RuntimeError("multi_margin_loss: target tensor should be 1-D with size equal to "
                           f"the number of input samples (batch size). Expected target size "
                           f"[{batch}], but got {list(target._shape)}. Input has shape "
                           f"{list(input._shape)}.")
    _check_long(target)
    if weight is not None and weight.numel() != classes:
        raise RuntimeError(f"inconsistent weight size, expected {classes} but got "
                           f"{list(weight._shape)}")
    if target.numel() and (int(target.min()) < 0 or int(target.max()) >= classes):
        raise RuntimeError("target out of range")
    x = input.reshape(batch, classes)
    y = target.reshape(batch, 1)
    z = E.clamp(x - x.gather(1, y) + margin, min=0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight.index_select(0, y.reshape(-1)).reshape(batch, 1)
    is_target = y == creation.arange(classes, device=input.device)
    loss = E.where(is_target, 0.0, z).sum(1) / classes
    return _reduce(loss.reshape(target._shape), reduction)


def _multilabel_masks(target, batch, classes, device):
    """(N, C) masks of the target positions before each row's first -1 and of the classes
    that are targets, and the labels with 0 past the -1 (safe to gather), from the target
    read on the host as torch's CPU reads it."""
    labels = target.reshape(batch, classes).cpu().numpy()
    if labels.size and (labels.min() < -1 or labels.max() >= classes):  # past the -1 too
        raise RuntimeError("argument #2 'target' is out of range")
    listed = np.cumprod(labels != -1, axis=1).astype(bool)
    is_target = np.zeros((batch, classes), bool)
    rows = np.nonzero(listed)[0]
    is_target[rows, labels[listed]] = True
    return (creation.tensor(listed, device=device), creation.tensor(is_target, device=device),
            creation.tensor(np.where(listed, labels, 0), dtype=D.int64, device=device))


@autocast_op
def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Per item, sum over its target classes j (the target's entries before the first -1)
    and its other classes i of max(0, 1 - (input[j] - input[i])), over the class count."""
    reduction = reduction_of(size_average, reduce, reduction)
    _check_reduction(reduction)
    batch, classes = _margin_input_sizes(input)
    if target._shape != input._shape:
        raise RuntimeError(f"inconsistent target size: {list(target._shape)} for input of size: "
                           f"{list(input._shape)}")
    _check_long(target)
    listed, is_target, labels = _multilabel_masks(target, batch, classes, input.device)
    x = input.reshape(batch, classes)
    picked = x.gather(1, labels)  # input at each listed target (unlisted ones masked below)
    hinge = E.clamp(x.unsqueeze(1) - picked.unsqueeze(2) + 1, min=0)  # [n, j, i]
    counted = listed.unsqueeze(2) & E.logical_not(is_target).unsqueeze(1)
    loss = E.where(counted, hinge, 0.0).sum((1, 2)) / classes
    if input.dim() < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


# --- sequences ----------------------------------------------------------------------

_CTC_CHECK = " (while checking arguments for ctc_loss_allocate_outputs)"


def _lengths(lengths, name):
    """A sequence of ints, an int or an integer tensor, as a host int64 array."""
    if isinstance(lengths, T.Tensor):
        if lengths._dtype.is_floating_point or lengths._dtype is D.bool:
            raise RuntimeError(f"{name} must be integral")
        return np.asarray(lengths.cpu().numpy(), np.int64).reshape(-1)
    return np.asarray(lengths if isinstance(lengths, (tuple, list)) else (lengths,),
                      np.int64).reshape(-1)


def _ctc_targets(targets, target_lengths, batch, classes):
    """(flat int64 labels, where each sequence's start) with torch's checks: padded (N, S)
    targets or the sequences one after the other in a 1-D tensor."""
    labels = np.asarray(targets.cpu().numpy()).astype(np.int64)
    for n in target_lengths:
        if n < 0:
            raise RuntimeError(f"Expected target_lengths to have value at least 0, but got "
                               f"value {n}" + _CTC_CHECK)
    if targets.dim() == 1:
        starts = np.concatenate(([0], np.cumsum(target_lengths)[:-1])).astype(np.int64)
        if labels.shape[0] != int(target_lengths.sum()):
            raise RuntimeError(f"Expected tensor to have size {int(target_lengths.sum())} at "
                               f"dimension 0, but got size {labels.shape[0]} for argument #2 "
                               "'targets'" + _CTC_CHECK)
    else:
        if labels.shape[0] != batch:
            raise RuntimeError(f"Expected tensor to have size {batch} at dimension 0, but got "
                               f"size {labels.shape[0]} for argument #2 'targets'" + _CTC_CHECK)
        longest = int(target_lengths.max(initial=0))
        if labels.shape[1] < longest:
            raise RuntimeError(f"Expected tensor to have size at least {longest} at dimension 1,"
                               f" but got size {labels.shape[1]} for argument #2 'targets'"
                               + _CTC_CHECK)
        starts = np.arange(batch, dtype=np.int64) * labels.shape[1]
        labels = labels.reshape(-1)
    used = np.concatenate([labels[s:s + n] for s, n in zip(starts, target_lengths)] + [[0]])
    if used.min() < 0 or used.max() >= classes:  # torch reads past the classes here
        raise RuntimeError(f"ctc_loss: target labels must lie in [0, {classes}), got "
                           f"{int(used[(used < 0) | (used >= classes)][0])}")
    return labels, starts


def _ctc_second_derivative(g):
    raise RuntimeError("derivative for aten::_ctc_loss_backward is not implemented")


@autocast_op
def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """The connectionist temporal classification loss of log_probs (T, N, C) (or (T, C))
    given each sequence's targets; 'mean' divides each loss by its target length first.
    The alpha recursion and its gradient run on the host (kernels/cpu/ctc.py): a cuda
    input is copied there and its results copied back."""
    _check_reduction(reduction)
    unbatched = log_probs.dim() == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    if not lp._dtype.is_floating_point:
        raise NotImplementedError('"ctc_loss_cpu" not implemented for '
                                  f"'{E._TORCH_TYPE_NAMES[lp._dtype.name]}'")
    steps, batch, classes = lp._shape
    in_lengths = _lengths(input_lengths, "input_lengths")
    tg_lengths = _lengths(target_lengths, "target_lengths")
    if not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    if in_lengths.shape[0] != batch:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tg_lengths.shape[0] != batch:
        raise RuntimeError("target_lengths must be of size batch_size")
    labels, starts = _ctc_targets(targets.unsqueeze(0) if unbatched else targets, tg_lengths,
                                  batch, classes)
    for n in in_lengths:
        if not 0 <= n <= steps:
            bound = "at least 0" if n < 0 else f"at most {steps}"
            raise RuntimeError(f"Expected input_lengths to have value {bound}, but got value {n}"
                               + _CTC_CHECK)
    host = T.backends.get("cpu")
    args = (lp.cpu(),) + tuple(creation.from_numpy(a) for a in (labels, starts, in_lengths,
                                                                  tg_lengths))
    nll = T.empty_tensor((batch,), lp._dtype, args[0]._storage.device)
    log_alpha = T.empty_tensor((batch, steps, 2 * int(tg_lengths.max(initial=0)) + 1),
                               lp._dtype, nll._storage.device)
    host.ctc_loss(nll, log_alpha, *args, blank)
    loss = nll
    if zero_infinity:
        loss = E.where(nll == math.inf, 0.0, nll)
    loss = loss.to(log_probs.device)
    if _tracking(log_probs):
        def backward(g, saved_log_probs):
            grad = T.empty_tensor(args[0]._shape, lp._dtype, nll._storage.device)
            host.ctc_loss_backward(grad, *args, blank, log_alpha, nll, g.cpu().contiguous(),
                                   zero_infinity)
            grad = grad.to(log_probs.device)
            if GradMode.enabled:  # create_graph: a gradient torch does not differentiate
                grad = record("torch::autograd::NotImplemented", grad, (saved_log_probs, g),
                              _ctc_second_derivative)
            return (grad.squeeze(1) if unbatched else grad,)
        loss = record("CtcLossBackward0", loss, (log_probs,), backward, (log_probs,))
    if reduction == "mean":
        divisor = E.clamp(creation.from_numpy(tg_lengths).to(loss._dtype), min=1)
        return (loss / divisor.to(loss.device)).mean()
    if unbatched and reduction == "none":
        return loss.squeeze(0)
    return _reduce(loss, reduction)
