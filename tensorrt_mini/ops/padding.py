"""F.pad: constant, reflect, replicate and circular padding of the last dims.

Constant padding writes input into a filled tensor (a negative pad crops first); the
other modes gather each padded dim's positions with index_select, so they run on every
device and autograd differentiates them through it.
"""
from . import elementwise as E
from .selecting import index_select

_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input, pad, mode="constant", value=None):
    """pad = (left, right) for the last dim, then (left, right) for the one before, ..."""
    pad = tuple(pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    n = len(pad) // 2
    if n > input.dim():
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           "dimension but got padding length {} and input of dimension {}"
                           .format(len(pad), input.dim()))
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode == "constant":
        return _constant(input, pad, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if not input.dim() - 2 <= n <= input.dim() - 1 and not (n == input.dim() and mode == "circular"):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.dim()}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    out = input
    for k in range(n):
        d = input.dim() - 1 - k
        out = index_select(out, d, _positions(mode, input, d, pad[2 * k], pad[2 * k + 1]))
    return out


def _positions(mode, input, d, left, right):
    """The input position each output position along d reads."""
    from ..creation import arange
    size = input._shape[d]
    if mode == "reflect" and (left >= size or right >= size):
        raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding "
                           f"input dimension, but got: padding ({left}, {right}) at dimension {d} "
                           f"of input {list(input._shape)}")
    if mode == "circular" and (left > size or right > size):
        raise RuntimeError("Padding value causes wrapping around more than once.")
    if mode == "replicate" and not size:
        raise RuntimeError(f"padding size should be less than the corresponding input dimension, "
                           f"but got input size {size}")
    at = arange(-left, size + right, device=input.device)
    if mode == "replicate":
        return E.clamp(at, 0, size - 1)
    if mode == "circular":
        return E.remainder(at, size)
    # reflect: mirror about the first and the last element, each not repeated
    period = 2 * (size - 1) if size > 1 else 1
    folded = E.remainder(at, period)
    return E.where(E.ge(folded, size), E.sub(period, folded), folded)


def _constant(input, pad, value):
    """input cropped by negative pads, written into a tensor filled with value."""
    from ..creation import full
    view = input
    shape = list(input._shape)
    inner = []
    for k in range(len(pad) // 2):
        d = input.dim() - 1 - k
        left, right = pad[2 * k], pad[2 * k + 1]
        start, stop = max(-left, 0), input._shape[d] - max(-right, 0)
        if stop < start:
            raise RuntimeError("narrow(): length must be non-negative.")
        view = view.narrow(d, start, stop - start)
        shape[d] = max(view._shape[d] + max(left, 0) + max(right, 0), 0)
        inner.append((d, max(left, 0), view._shape[d]))
    if any(n < 0 for n in shape):
        raise RuntimeError(f"The input size {list(input._shape)}, plus negative padding "
                           f"{list(pad)} resulted in a negative output size, which is invalid.")
    out = full(shape, value, dtype=input._dtype, device=input.device)
    place = out
    for d, start, n in inner:
        place = place.narrow(d, start, n)
    place.copy_(view)  # (recorded under autograd: input's gradient is out's at place)
    return out
