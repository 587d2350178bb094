"""The normalisation layers: batch_norm, instance_norm, group_norm, rms_norm and
local_response_norm (layer_norm is in core.py, with the first layers).

Batch, instance and group norm are one computation on the input seen as (N, C, S), S the
product of its spatial sizes: a mean and a biased variance per row of the "moments view"
(A, R, B), taken over its A * B elements, then x * scale + shift with one (scale, shift)
per (sample, channel) plane, which folds the normalisation and the affine map into one
pass. They differ in the moments view only:
- batch norm: (N, C, S), statistics per channel;
- instance norm: (1, N * C, S), per plane;
- group norm: (1, N * G, C / G * S), per group of channels of a sample.
Each layer records ONE graph node with a hand-written backward, as torch's fused kernels do.
"""
import math


from ... import _tensor as T
from ... import dtypes as D
from ...autograd.graph import record
from ...layout import wrap_dim
from ...ops import elementwise as E
from ...ops.dispatch import GradMode
from ...ops.padding import pad
from .core import _tracking, _untracked, standardised_grad
from ...ops.autocast import autocast_op


# --- batch, instance and group norm --------------------------------------------------

class _Moments:
    """Where the statistics of an input of shape (N, C, *spatial) come from: `view` is the
    moments view (A, R, B); `per_channel` tells whether R is C (the same statistics for
    every sample) or one row per plane or group of planes."""

    def __init__(self, shape, rows_per_sample):
        self.n, self.c = shape[0], shape[1]
        self.s = math.prod(shape[2:])
        self.per_channel = rows_per_sample is None
        if self.per_channel:
            self.view = (self.n, self.c, self.s)
        else:
            self.groups = rows_per_sample
            self.view = (1, self.n * rows_per_sample, self.c // rows_per_sample * self.s)

    def per_plane(self, stat):
        """A statistic of the view's rows as (1, C) or (N, C): one value per plane."""
        if self.per_channel:
            return stat.view(1, self.c)
        g = self.groups
        return stat.view(self.n, g, 1).expand(self.n, g, self.c // g).reshape(self.n, self.c)


def _moments(x3, m):
    """(mean, biased var) of the rows of x3's moments view: one pass of the backend's."""
    dev = x3._storage.device
    mean = T.empty_tensor((m.view[1],), x3._dtype, dev)
    var = T.empty_tensor((m.view[1],), x3._dtype, dev)
    T.backends.get(dev.type).channel_moments(mean, var, x3.contiguous().view(m.view))
    return mean, var


def _scale_shift(x3, scale, shift):
    """x3 * scale + shift, scale and shift (1, C) or (N, C): one per plane of x3 (N, C, S),
    in one pass of the backend's."""
    dev = x3._storage.device
    out = T.empty_tensor(x3._shape, x3._dtype, dev)
    T.backends.get(dev.type).plane_affine(out, x3.contiguous(), scale.contiguous(),
                                          shift.contiguous())
    return out


def _normalise(name, input, m, weight, bias, eps, stats=None):
    """input normalised by the statistics of its moments view `m` (stats None) or by the
    given per-channel (mean, var), then weight * x + bias per channel; one graph node.
    Returns (output, mean, biased var): the statistics the running averages take."""
    shape = input._shape
    x3_shape = (m.n, m.c, m.s)
    batch_stats = stats is None
    track = _tracking(input, weight, bias)

    def forward():
        x3 = input.reshape(x3_shape)
        if not input.numel():
            return input.clone(), None, None, None
        mean, var = _moments(x3, m) if batch_stats else stats
        rstd = E.rsqrt(var + eps)
        scale = m.per_plane(rstd) if batch_stats else rstd.view(1, m.c)
        if weight is not None:
            scale = scale * weight.view(1, m.c)
        mean_pp = m.per_plane(mean) if batch_stats else mean.view(1, m.c)
        shift = E.neg(mean_pp * scale) if bias is None else \
            E.addcmul(bias.view(1, m.c), mean_pp, scale, value=-1)
        return _scale_shift(x3, scale, shift).view(shape), mean, var, rstd
    out, mean, var, rstd = _untracked(forward, track)
    if not track or not input.numel():
        return out, mean, var

    need_x = input._requires_grad
    need_w = weight is not None and weight._requires_grad
    need_b = bias is not None and bias._requires_grad
    rows = (1, m.view[1], 1) if batch_stats else (1, m.c, 1)
    view = m.view if batch_stats else x3_shape

    def backward(g, input, mean, rstd, *w):
        xv = input.reshape(view)
        if GradMode.enabled and batch_stats:  # a gradient with a graph: the statistics again
            mean, var = xv.mean((0, 2)), xv.var((0, 2), correction=0)
            rstd = E.rsqrt(var + eps)
        mean, rstd = mean.view(rows), rstd.view(rows)
        xhat = (xv - mean) * rstd
        g3 = g.reshape(x3_shape)
        grad_x = grad_w = grad_b = None
        if need_x:
            gxhat = (g3 * w[0].view(1, m.c, 1) if w else g3).reshape(view)
            grad_x = (standardised_grad(gxhat, xhat, rstd, (0, 2)) if batch_stats
                      else gxhat * rstd).view(shape)
        if need_w:
            grad_w = (g3 * xhat.view(x3_shape)).sum((0, 2))
        if need_b:
            grad_b = g3.sum((0, 2))
        return grad_x, grad_w, grad_b
    saved = (input, mean, rstd) + ((weight,) if weight is not None else ())
    return record(name, out, (input, weight, bias), backward, saved), mean, var


def _check_floating(input, kernel_name, *others):
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f'"{kernel_name}" not implemented for '
                                  f"'{D.TYPE_NAMES[input._dtype.name]}'")
    if any(t is not None and t._dtype is not input._dtype for t in others):
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")


def _verify_batch_size(size):
    if size[0] * math.prod(size[2:]) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input "
                         f"size {size}")


def _check_channels(channels, **tensors):
    for name, t in tensors.items():
        if t is not None and t.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")


def _update_running(running, value, momentum):
    """running = (1 - momentum) * running + momentum * value, in place, in one pass."""
    running.lerp_(value, momentum)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    if training:
        _verify_batch_size(input.size())
    else:
        for name, t in (("running_mean", running_mean), ("running_var", running_var)):
            if t is None:
                raise RuntimeError(f"{name} must be defined in evaluation mode")
    channels = input._shape[wrap_dim(1, input.dim())]
    _check_channels(channels, running_mean=running_mean, running_var=running_var,
                    weight=weight, bias=bias)
    _check_floating(input, "batch_norm", running_mean, running_var, weight, bias)
    m = _Moments(input._shape, None)
    stats = None if training else (running_mean, running_var)
    out, mean, var = _normalise("NativeBatchNormBackward0", input, m, weight, bias, eps, stats)
    if training and running_mean is not None and mean is not None:
        count = m.n * m.s
        _update_running(running_mean, mean, momentum)
        _update_running(running_var, var * (count / max(count - 1, 1)), momentum)
    return out


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Each plane normalised by its own statistics (use_input_stats), or every plane by
    the running ones; the running averages take the mean over the batch of the planes'."""
    if use_input_stats:
        size = input.size()
        if math.prod(size[2:]) == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input "
                             f"size {size}")
    elif running_mean is None or running_var is None:
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    channels = input._shape[1]
    _check_channels(channels, running_mean=running_mean, running_var=running_var,
                    weight=weight, bias=bias)
    _check_floating(input, "batch_norm", running_mean, running_var, weight, bias)
    m = _Moments(input._shape, None if not use_input_stats else channels)
    stats = None if use_input_stats else (running_mean, running_var)
    out, mean, var = _normalise("NativeBatchNormBackward0", input, m, weight, bias, eps, stats)
    if use_input_stats and running_mean is not None and mean is not None:
        _update_running(running_mean, mean.view(m.n, channels).mean(0), momentum)
        unbiased = var.view(m.n, channels).mean(0) * (m.s / max(m.s - 1, 1))
        _update_running(running_var, unbiased, momentum)
    return out


@autocast_op
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.dim()}")
    shape = list(input._shape)
    n, c = shape[:2]
    _verify_batch_size([n * c // num_groups, num_groups] + shape[2:])
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {shape} and "
                           f"num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape {list(t._shape)} "
                               f"and input of shape {shape}")
    _check_floating(input, "GroupNormKernelImpl", weight, bias)
    m = _Moments(input._shape, num_groups)
    return _normalise("NativeGroupNormBackward0", input, m, weight, bias, eps)[0]


# --- rms_norm ------------------------------------------------------------------------

def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x², trailing dims) + eps) * weight; eps None: the dtype's epsilon."""
    if isinstance(normalized_shape, int):
        raise TypeError("rms_norm(): argument 'normalized_shape' (position 2) must be tuple of "
                        "ints, not int")
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    if input.dim() < k or input._shape[input.dim() - k:] != normalized_shape:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with "
                           f"shape [*{', '.join(map(str, normalized_shape))}], but got input of "
                           f"size{list(input._shape)}")
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f"\"rms_norm\" not implemented for "
                                  f"'{D.TYPE_NAMES[input._dtype.name]}'")
    if eps is None:
        eps = float(D.finfo(input._dtype).eps)
    dims = tuple(range(input.dim() - k, input.dim()))
    batch_dims = tuple(range(input.dim() - k))
    track = _tracking(input, weight)

    def forward():
        rstd = E.rsqrt((input * input).mean(dims, keepdim=True) + eps)
        y = input * rstd
        return (y if weight is None else y * weight), rstd
    out, rstd = _untracked(forward, track)
    if not track:
        return out
    need_x = input._requires_grad
    need_w = weight is not None and weight._requires_grad

    def backward(g, input, rstd, *w):
        if GradMode.enabled:  # a gradient with a graph: the scale again, recorded
            rstd = E.rsqrt((input * input).mean(dims, keepdim=True) + eps)
        y = input * rstd
        grad_x = grad_w = None
        if need_x:
            grad_x = standardised_grad(g * w[0] if w else g, y, rstd, dims, centred=False)
        if need_w:
            gw = g * y
            grad_w = gw.sum(batch_dims) if batch_dims else gw
        return grad_x, grad_w
    saved = (input, rstd) + ((weight,) if weight is not None else ())
    return record("MulBackward0", out, (input, weight), backward, saved)


# --- local_response_norm ---------------------------------------------------------------

def _window_sum(x, size, before):
    """The sum over channels c - before ... c - before + size - 1 of x (N, C, *), zero
    outside [0, C)."""
    c = x._shape[1]
    flat = x.reshape(x._shape[0], c, -1)
    padded = pad(flat, (0, 0, before, size - 1 - before))
    total = padded[:, 0:c]
    for j in range(1, size):
        total = total + padded[:, j:j + c]
    return total.reshape(x._shape)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha / size * sum of x² over `size` neighbouring channels) ** beta."""
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          "
                         f"input (got {input.dim()} dimensions)")
    if input.numel() == 0:
        return input
    track = _tracking(input)

    def forward():
        div = _window_sum(input * input, size, size // 2) * (alpha / size) + k
        return input / div ** beta, div
    out, div = _untracked(forward, track)
    if not track:
        return out

    def backward(g, input, div):
        if GradMode.enabled:  # a gradient with a graph: the divisor again, recorded
            div = _window_sum(input * input, size, size // 2) * (alpha / size) + k
        scaled = div ** -beta
        # each x[c] also enters the divisors of the channels whose window holds it
        spread = _window_sum(g * input * scaled / div, size, (size - 1) // 2)
        return (g * scaled - spread * input * (2 * alpha * beta / size),)
    return record("DivBackward0", out, (input,), backward, (input, div))
