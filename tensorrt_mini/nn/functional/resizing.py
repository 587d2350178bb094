"""Resizing: interpolate (nearest, nearest-exact, linear, bilinear, trilinear, bicubic, area)
and pixel shuffling.

Interpolation is separable: each spatial dim is resized in turn, last dim first, by
gathering source rows along it (index_select) and, for the linear modes, blending two of them
with weights (bicubic four, its border rows repeated). Source indices and weights are
computed on the host in torch's precision and order (float for float32 tensors), so the
results are torch's (the blends to an ulp or two).
One graph node per call: its backward runs the transposed gathers along the dims in reverse
(for each input position, the outputs that read it, gathered and weighted), with no scatter.
"""
import math

import numpy as np

from ... import creation
from ... import dtypes as D
from ...autograd.graph import record
from ...ops.autocast import autocast_op
from ...ops.fused import elementwise
from ...ops.padding import pad
from .core import _tracking, _untracked
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"


def _blend_grad_a(a, b, wa, wb, g):
    return g * wa


def _blend_grad_b(a, b, wa, wb, g):
    return g * wb


# (the gradients serve a backward that records a graph: create_graph=True)
@elementwise(grads=[_blend_grad_a, _blend_grad_b, None, None])
def _blend(a, b, wa, wb):
    return a * wa + b * wb


def _output_and_scales(input, size, scale_factor, recompute_scale_factor):
    """torch's reading of size / scale_factor: (output sizes, scales or None)."""
    dim = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {list(input.shape[2:])} and output size of "
                    f"{size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                    "output size in (o1, o2, ...,oK) format.")
            if not all(isinstance(v, (int, np.integer)) for v in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                                "Tuple[int, int, int], but got size with types "
                                f"{[type(v) for v in size]}")
            out = [int(v) for v in size]
        else:
            out = [int(size)] * dim
        scales = None
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {list(input.shape[2:])} and "
                    f"scale_factor of shape {scale_factor}. Please provide input tensor in "
                    "(N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            scales = [float(v) for v in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
        out = [int(math.floor(input._shape[2 + i] * scales[i])) for i in range(dim)]
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if recompute_scale_factor:
        scales = None  # the kernels then use input / output sizes
    return out, scales


def _scale(in_len, out_len, scale, ftype):
    """torch's compute_scales_value: 1/scale_factor when given, else in/out, in ftype."""
    if scale is not None and scale > 0:
        return ftype(1.0 / scale)
    return ftype(in_len) / ftype(out_len)


def _nearest_indices(in_len, out_len, scale, exact):
    if out_len == in_len and not exact:
        return np.arange(out_len)
    if out_len == 2 * in_len and not exact:
        return np.arange(out_len) >> 1
    s = _scale(in_len, out_len, scale, np.float32)  # float in torch whatever the dtype
    i = np.arange(out_len, dtype=np.float32)
    src = np.floor((i + np.float32(0.5)) * s if exact else i * s)
    return np.minimum(src.astype(np.int64), in_len - 1)


def _linear_weights(in_len, out_len, scale, align_corners, ftype):
    """(index0, index1, lambda0, lambda1) per output position, as torch's cpu kernel."""
    i = np.arange(out_len)
    if out_len == in_len:
        return i, i, np.ones(out_len, ftype), np.zeros(out_len, ftype)
    if align_corners:
        ratio = ftype(in_len - 1) / ftype(out_len - 1) if out_len > 1 else ftype(0)
        real = ratio * i.astype(ftype)
    else:
        ratio = _scale(in_len, out_len, scale, ftype)
        real = np.maximum(ratio * (i.astype(ftype) + ftype(0.5)) - ftype(0.5), ftype(0))
    i0 = np.minimum(np.floor(real).astype(np.int64), in_len - 1)
    l1 = np.minimum(np.maximum(real - i0.astype(ftype), ftype(0)), ftype(1))
    i1 = i0 + (i0 < in_len - 1)
    return i0, i1, ftype(1) - l1, l1


def _cubic_taps(in_len, out_len, scale, align_corners, ftype):
    """Four (index, weight) taps per output position, as torch's cpu kernel: the cubic
    convolution kernel (A = -0.75) at the source coordinate's distance to the four inputs
    around it, indices past the border clamped to it (the edge value repeats)."""
    i = np.arange(out_len).astype(ftype)
    if align_corners:
        real = (ftype(in_len - 1) / ftype(out_len - 1) if out_len > 1 else ftype(0)) * i
    else:  # (not clamped at 0 as the linear modes' coordinate is)
        real = _scale(in_len, out_len, scale, ftype) * (i + ftype(0.5)) - ftype(0.5)
    base = np.minimum(np.floor(real).astype(np.int64), in_len - 1)
    t = np.minimum(np.maximum(real - base.astype(ftype), ftype(0)), ftype(1))
    a = ftype(-0.75)

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    weights = (far(t + 1), near(t), near(1 - t), far(2 - t))
    return [(np.clip(base - 1 + j, 0, in_len - 1), w.astype(ftype)) for j, w in enumerate(weights)]


def _along(shape_len, d, values, dtype, device):
    """A 1-D host array as a tensor broadcasting along dim d of a shape_len-D tensor."""
    view = [1] * shape_len
    view[d] = len(values)
    return creation.tensor(values, dtype=dtype, device=device).view(view)


@autocast_op
def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    out, scales = _output_and_scales(input, size, scale_factor, recompute_scale_factor)
    nd = input.dim()
    _check_antialias(mode, nd, align_corners, antialias)
    if mode == "area" and nd in (3, 4, 5):
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[nd - 3](input, out)
    if nd not in _RANKS.get(mode, ()):
        wanted = {"linear": 3, "bilinear": 4, "trilinear": 5}.get(mode)
        if wanted is not None and nd in (3, 4, 5):
            raise NotImplementedError(f"Got {nd}D input, but {mode} mode needs {wanted}D input")
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                                  f"{nd}D) for the modes: {_MODES} (got {mode})")
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f"tensorrt_mini's interpolate supports floating point inputs "
                                  f"only, not {input._dtype}")
    if any(v <= 0 for v in out) or 0 in input._shape[2:]:
        names = "DHW"[5 - nd:]

        def sizes(values):
            return ", ".join(f"{c}: {v}" for c, v in zip(names, values))
        joint = " and" if nd == 3 else ""  # (torch's 1-D message has it, the others not)
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({sizes(input._shape[2:])}){joint} output ({sizes(out)})")
    return _resize(input, out, scales, mode, align_corners)


# the input ranks each mode (but area) resizes
_RANKS = {"nearest": (3, 4, 5), "nearest-exact": (3, 4, 5), "linear": (3,), "bilinear": (4,),
          "bicubic": (4,), "trilinear": (5,)}


def _check_antialias(mode, nd, align_corners, antialias):
    """torch's refusals of antialias (and of lanczos, which needs it); tm has no
    anti-aliased kernels, so a call torch would run with antialias=True is refused too."""
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and nd == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes "
                         "and requires a 4-D tensor as input")
    if mode == "lanczos" and nd == 4:
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
    if antialias:
        raise NotImplementedError(f"tensorrt_mini's interpolate does not support antialias=True "
                                  f"(mode {mode!r}); antialias=False resizes without it")


def _resize(input, out, scales, mode, align_corners):
    ftype = np.float32 if input._dtype is D.float32 else np.float64
    nd, dev, dtype = input.dim(), input.device, input._dtype
    steps = []  # per spatial dim, last first: (dim, input length, taps (index, weight or None))
    for i in reversed(range(nd - 2)):
        d, in_len = 2 + i, input._shape[2 + i]
        scale = None if scales is None else scales[i]
        if mode in ("nearest", "nearest-exact"):
            taps = [(_nearest_indices(in_len, out[i], scale, mode == "nearest-exact"), None)]
        elif mode == "bicubic":
            taps = _cubic_taps(in_len, out[i], scale, align_corners, ftype)
        else:
            i0, i1, l0, l1 = _linear_weights(in_len, out[i], scale, align_corners, ftype)
            taps = [(i0, l0), (i1, l1)]
        steps.append((d, in_len, taps))
    track = _tracking(input)
    forward_steps = [(d, _device_taps(taps, nd, d, dtype, dev)) for d, _, taps in steps]
    result = _untracked(lambda: _gather_taps(input, forward_steps), track)
    if not track:
        return result
    backward_steps = [(d, _device_taps(_transposed(taps, in_len), nd, d, dtype, dev))
                      for d, in_len, taps in reversed(steps)]

    def backward(g):
        for d, taps in backward_steps:
            # the transposed taps read a zero appended to g along d where they pad
            g = _gather_taps(pad(g, (0, 0) * (nd - 1 - d) + (0, 1)), [(d, taps)])
        return (g,)
    name = {"nearest": "UpsampleNearest", "nearest-exact": "UpsampleNearestExact",
            "linear": "UpsampleLinear", "bilinear": "UpsampleBilinear",
            "trilinear": "UpsampleTrilinear", "bicubic": "UpsampleBicubic"}[mode]
    return record(f"{name}{nd - 2}DBackward0", result, (input,), backward)


def _device_taps(taps, nd, d, dtype, device):
    return [(creation.tensor(idx, device=device),
             None if w is None else _along(nd, d, w, dtype, device)) for idx, w in taps]


def _gather_taps(x, steps):
    """Along each (dim, taps): the sum over taps of x's rows at the tap's indices times its
    weights, accumulated tap by tap in order."""
    for d, taps in steps:
        acc = None
        for idx, w in taps:
            rows = x.index_select(d, idx)
            if acc is None:
                acc = rows if w is None else rows * w
            else:
                acc = acc + rows if w is None else _blend(acc, rows, 1.0, w)
        x = acc
    return x


def _transposed(taps, in_len):
    """The taps of the gradient: for each input position, the outputs that read it (in
    output order, as torch's backward adds them) and their weights; positions read fewer
    times than the most read one take the zero at index out_len."""
    out_len = len(taps[0][0])
    src = np.concatenate([idx for idx, _ in taps])
    dst = np.tile(np.arange(out_len), len(taps))
    tap = np.repeat(np.arange(len(taps)), out_len)
    weights = np.concatenate([np.ones(out_len) if w is None else w for _, w in taps])
    order = np.lexsort((tap, dst, src))
    src, dst, weights = src[order], dst[order], weights[order]
    counts = np.bincount(src, minlength=in_len)
    rank = np.arange(len(src)) - np.repeat(np.cumsum(counts) - counts, counts)
    fan_in = int(counts.max()) if len(src) else 0
    index = np.full((fan_in, in_len), out_len)
    index[rank, src] = dst
    weight = np.zeros((fan_in, in_len), dtype=weights.dtype)
    weight[rank, src] = weights
    unweighted = all(w is None for _, w in taps)
    return [(index[f], None if unweighted else weight[f]) for f in range(fan_in)]


# --- pixel shuffle ------------------------------------------------------------------

def _check_shuffle_rank(name, input):
    if input.dim() < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got input "
                           f"with {input.dim()} dimension(s)")


def pixel_shuffle(input, upscale_factor):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r): a view and one reshape."""
    _check_shuffle_rank("pixel_shuffle", input)
    r = int(upscale_factor)
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *batch, c, h, w = input._shape
    if c % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be divisible "
                           f"by the square of upscale_factor, but input.size(-3)={c} is not "
                           f"divisible by {r * r}")
    nb = len(batch)
    y = input.reshape(*batch, c // (r * r), r, r, h, w)
    order = list(range(nb)) + [nb, nb + 3, nb + 1, nb + 4, nb + 2]
    return y.permute(order).reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W): a view and one reshape."""
    _check_shuffle_rank("pixel_unshuffle", input)
    r = int(downscale_factor)
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *batch, c, h, w = input._shape
    if h % r:
        raise RuntimeError("pixel_unshuffle expects height to be divisible by downscale_factor, "
                           f"but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError("pixel_unshuffle expects width to be divisible by downscale_factor, "
                           f"but input.size(-1)={w} is not divisible by {r}")
    nb = len(batch)
    y = input.reshape(*batch, c, h // r, r, w // r, r)
    order = list(range(nb)) + [nb, nb + 2, nb + 4, nb + 1, nb + 3]
    return y.permute(order).reshape(*batch, c * r * r, h // r, w // r)
