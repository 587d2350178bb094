"""Tensor and storage reprs, character for character what PyTorch prints.

The layout rules (column width, integer mode, scientific mode, summarization, line
wrapping, suffix placement) follow PyTorch's printer, quirks included, because lessons
compare printed output. Only the shown elements are fetched from the tensor: summarizing a
10^8-element tensor reads (2 * edgeitems) ** ndim values.
"""
import contextlib
import math

import numpy as np

from .dtypes import TYPE_NAMES, get_default_dtype
from .names import NAMESPACE

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


class _Options:
    def __init__(self):
        self.__dict__.update(_PROFILES["default"], sci_mode=None)


_OPTS = _Options()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """PyTorch's set_printoptions: a profile first, then the named options over it.

    As in PyTorch, sci_mode is always overwritten, so a call without it returns to automatic,
    and an unknown profile name changes nothing.
    """
    if profile is not None:
        _OPTS.__dict__.update(_PROFILES.get(profile, {}))
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(_OPTS, name, value)
    _OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current options, as keyword arguments that set_printoptions accepts."""
    return dict(_OPTS.__dict__)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Set print options for the duration of a with-block."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Formatter:
    """One column width and number style for every element, chosen from the shown ones."""

    def __init__(self, flat, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        if not floating:
            self.width = max([1] + [len(str(v)) for v in flat.tolist()])
            return
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return  # only zeros, nan and inf: printed as integers ("0.", "nan")
        absvals = np.abs(vals).astype(np.float64)
        lo, hi = float(absvals.min()), float(absvals.max())
        self.int_mode = bool((vals == np.ceil(vals)).all())
        p = _OPTS.precision
        if _OPTS.sci_mode is None:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        else:
            self.sci_mode = _OPTS.sci_mode
        if self.sci_mode:
            lengths = (len(f"{v:.{p}e}") for v in vals.tolist())
        elif self.int_mode:
            lengths = (len(f"{v:.0f}") + 1 for v in vals.tolist())  # +1: the trailing "."
        else:
            lengths = (len(f"{v:.{p}f}") for v in vals.tolist())
        # Non-finite values and zeros do not count, so "nan" may overflow a narrow column.
        self.width = max(self.width, max(lengths))

    def format(self, value):
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{_OPTS.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{_OPTS.precision}f}"
        return text.rjust(self.width)


class _ComplexFormatter:
    """torch's complex style: the real and the imaginary parts each with their own
    _Formatter, joined as `1.+2.j` (the imaginary part's padding dropped, its sign kept)."""

    def __init__(self, flat):
        self.real = _Formatter(flat.real, True)
        self.imag = _Formatter(flat.imag, True)
        self.width = self.real.width + self.imag.width + 1  # (+1: the "j")

    def format(self, value):
        value = complex(value)
        imag = (self.imag.format(value.imag) + "j").lstrip()
        sep = "" if imag[0] in "+-" else "+"
        return self.real.format(value.real) + sep + imag


def _shown_indices(shape, summarize, edgeitems):
    """Per dim, the indices the printout shows: all, or `edgeitems` at each end."""
    out = []
    for n in shape:
        if summarize and n > 2 * edgeitems:
            out.append(list(range(edgeitems)) + list(range(n - edgeitems, n)))
        else:
            out.append(list(range(n)))
    return out


def _format_body(values, full_shape, floating, summarize, indent):
    """Bracketed text of `values`, the shown sub-grid of a tensor of shape `full_shape`."""
    flat = values.reshape(-1)
    fmt = _ComplexFormatter(flat) if flat.dtype.kind == "c" else _Formatter(flat, floating)
    items = values.tolist()
    if not full_shape:
        return fmt.format(items)
    return _nested(items, full_shape, fmt, summarize, indent)


def _nested(items, full_shape, fmt, summarize, indent):
    edge = _OPTS.edgeitems
    cut = summarize and full_shape[0] > 2 * edge
    if len(full_shape) == 1:
        return _vector(items, cut, fmt, indent)
    parts = [_nested(row, full_shape[1:], fmt, summarize, indent + 1) for row in items]
    if cut:
        parts.insert(edge, "...")
    sep = "," + "\n" * (len(full_shape) - 1) + " " * (indent + 1)
    return "[" + sep.join(parts) + "]"


def _vector(items, cut, fmt, indent):
    data = [fmt.format(v) for v in items]
    if cut:
        data.insert(_OPTS.edgeitems, " ...")
    per_line = max(1, math.floor((_OPTS.linewidth - indent) / (fmt.width + 2)))
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _add_suffixes(text, suffixes, indent):
    """Append `, suffix` items, each on a new line when it would pass the line width."""
    parts = [text]
    # PyTorch counts two more than the last line's length; we match its wrapping points.
    last_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_len + len(suffix) + 2 > _OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def format_tensor(t):
    """repr(t) and str(t), as PyTorch prints a tensor with the same data and state."""
    prefix = "tensor("
    indent = len(prefix)
    shape = tuple(int(n) for n in t.shape)
    default_name = get_default_dtype().name
    suffixes = []
    if t.device.type != "cpu":
        suffixes.append(f"device='{t.device}'")
    if t.numel() == 0:
        if len(shape) != 1:
            suffixes.append(f"size={shape}")
        # No elements show the dtype, so even int64 and bool name it.
        if t.dtype.name != default_name:
            suffixes.append(f"dtype={t.dtype!r}")
        body = "[]"
    else:
        if not _OPTS.edgeitems:
            suffixes.append(f"size={shape}")
        default_complex = "complex128" if default_name == "float64" else "complex64"
        if t.dtype.name not in (default_name, default_complex, "int64", "bool"):
            suffixes.append(f"dtype={t.dtype!r}")
        body = _tensor_body(t, shape, indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)


def _tensor_body(t, shape, indent):
    summarize = t.numel() > _OPTS.threshold
    if summarize and not _OPTS.edgeitems and shape:
        return "[...]"
    values = t._gather_host(_shown_indices(shape, summarize, _OPTS.edgeitems))
    return _format_body(values, shape, t.dtype.is_floating_point, summarize, indent)


def format_storage(dtype, device, values):
    """A storage in PyTorch 1.1's style: one ` value` line per element, then its type and size.

    Elements print as Python scalars, so a float32 0.1 shows its exact value 0.10000000149011612.
    """
    space = f"{NAMESPACE}.cuda" if device.type == "cuda" else NAMESPACE
    footer = f"[{space}.{TYPE_NAMES[dtype.name]}Storage of size {len(values)}]"
    return "\n".join([" " + str(v) for v in values.tolist()] + [footer])
