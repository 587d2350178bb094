"""Comparing one step's outcome on tm with torch's: errors, result types, dtypes, shapes,
values, strides and aliasing. Each function returns a list of (category, detail).

Strides are compared only where torch defines them (strides_defined):
- a view (the result shares memory with an operand): all strides and the storage offset;
- a fresh result of contiguous operands (with contiguous() strides on size-1 dims too:
  torch orders a result's dims by all its operands' strides), or of a `contiguous()`
  call: the strides of the dims with more than one element (torch leaves the others to
  each op's bookkeeping);
- a fresh result of a layout-preserving op (elementwise unary, clone, to) on one operand
  that is non-overlapping and dense: the same, since torch keeps that operand's layout.
Elsewhere (fresh results of non-dense or mixed-layout operands) torch's strides are
whatever its TensorIterator picks, which it does not promise. Empty results have no
memory layout to observe, and torch's strides there are its allocation path's leftovers
(0s from TensorIterator), so they are never compared.

Aliasing (is the result, or does it share memory with, each earlier variable, on both
sides alike) is compared where the operands' layouts agree: whether reshape, flatten or
contiguous can return a view depends on them.
"""
import math

import numpy as np
import torch

import tensorrt_mini as tm

RTOL = {"float32": 1e-5, "float64": 1e-12}


def builtin_base(exc):
    """The first builtin exception class torch's error is an instance of."""
    return next(c for c in type(exc).__mro__ if c.__module__ == "builtins")


def errors(tm_exc, torch_exc, any_type=False):
    """Both raise or neither does; tm's error is an instance of the builtin class of
    torch's. torch's NotImplementedError ("... not implemented for 'Bool'") counts as the
    RuntimeError it derives from: which of an op's checks runs first is not specified.
    `any_type`: where torch's result would be undefined, that both raise is enough (the
    error then depends on which check each library makes first)."""
    if tm_exc is None and torch_exc is None:
        return []
    if torch_exc is None:
        return [("tm raises", f"{type(tm_exc).__name__}: {tm_exc}")]
    if tm_exc is None:
        return [("torch raises", f"{type(torch_exc).__name__}: {torch_exc}")]
    base = builtin_base(torch_exc)
    if base is NotImplementedError:
        base = RuntimeError
    if any_type or isinstance(tm_exc, base):
        return []
    return [("error type", f"torch {type(torch_exc).__name__} ({torch_exc}); "
                           f"tm {type(tm_exc).__name__} ({tm_exc})")]


def host(t):
    """A numpy copy of a tm or torch tensor's values."""
    if isinstance(t, torch.Tensor):
        return t.detach().numpy().copy()
    return np.array(t.detach().cpu())  # numpy takes no cuda tensor, as with torch


def same_values(array, t):
    """A numpy array and a tensor hold the same values, bit for bit (NaNs alike)."""
    b = host(t)
    return array.shape == b.shape and bool(((array == b) | ((array != array) & (b != b))).all())


def dtype_name(t):
    return str(t.dtype).removeprefix("torch.")


def tolerance(step, dtype, scale):
    """(rtol, atol) for a float result of `step`: a few ulps for one rounding, growing with
    the number of terms a reduction or product combines in some unspecified order."""
    r = RTOL[dtype]
    n = max(step.terms, 1)
    return {"exact": (0.0, 0.0),
            "elementwise": (4 * r, 4 * r),
            "sum": (r * n, r * n * scale),
            "prod": (2 * r * n, 0.0),
            "dot": (r * n, r * n * scale * scale),
            "var": (r * n, r * n * scale * scale),
            "std": (r * n, math.sqrt(r * n) * scale)}[step.tol]


def values(tm_t, torch_t, rtol=0.0, atol=0.0):
    """Same values: exactly for ints and bools; floats within tolerance, nan where torch
    has nan, infinities equal. Zeros compare equal whatever their sign: torch's own
    vectorised and scalar paths disagree on it (max(-0.0, 0.0), sums of zeros)."""
    a, b = host(tm_t), host(torch_t)
    if a.shape != b.shape:
        return []  # reported as a shape difference
    if b.dtype.kind != "f":
        bad = a != b
    else:
        a = a.astype(np.float64)
        b = b.astype(np.float64)
        with np.errstate(invalid="ignore"):
            close = np.abs(a - b) <= atol + rtol * np.abs(b)
        bad = ~(close | (a == b) | (np.isnan(a) & np.isnan(b)))
    if not bad.any():
        return []
    at = tuple(int(i) for i in np.argwhere(bad)[0])
    return [("values", f"{int(bad.sum())}/{bad.size} differ; at {list(at)} "
                       f"tm {a[at]!r} torch {b[at]!r}")]


def _strides(t, keep_ones):
    pairs = zip(t.shape, t.stride())
    return tuple(s for n, s in pairs if keep_ones or n != 1)


def _canonical(t):
    """Contiguous, with size-1 dims' strides as contiguous() makes them: torch orders a
    result's dims by its operands' strides, size-1 dims' included."""
    expected, step = [], 1
    for n in reversed(t.shape):
        expected.append(step)
        step *= max(n, 1)
    return t.stride() == tuple(reversed(expected))


def _dense(t):
    """Non-overlapping and dense: some order of the dims has contiguous strides."""
    expected = 1
    for s, n in sorted((s, n) for n, s in zip(t.shape, t.stride()) if n != 1):
        if s != expected:
            return False
        expected *= n
    return True


def _geometry(t, keep_ones=True):
    return _strides(t, keep_ones), t.storage_offset() if keep_ones else 0


def same_layouts(operands, keep_ones=True):
    """Each (tm, torch) pair of operands has the same strides and storage offset (only the
    strides of dims with more than one element, without `keep_ones`)."""
    return all(_geometry(a, keep_ones) == _geometry(b, keep_ones) for a, b in operands)


def strides_defined(step, torch_result, operands):
    """How strides are compared (see the module's docstring): "all", "sized" or None.
    `operands`: (tm, torch) pairs of the step's tensor variables. Where an operand's own
    layout already differs (in a way that was allowed), a result derived from it is
    excused too."""
    if not torch_result.numel():
        return None
    bases = [(a, b) for a, b in operands if shares_torch(torch_result, b)]
    if bases:
        return "all" if same_layouts(bases) else None
    if not same_layouts(operands, keep_ones=False):
        return None
    torch_operands = [b for _, b in operands]
    if step.layout == "contiguous" or all(_canonical(o) for o in torch_operands):
        return "sized"
    if step.layout == "dense" and len(operands) == 1 and _dense(torch_operands[0]):
        return "sized"
    return None


def layout(tm_t, torch_t, rule):
    if rule is None:
        return []
    keep = rule == "all"
    got, want = _strides(tm_t, keep), _strides(torch_t, keep)
    diffs = []
    if got != want:
        diffs.append(("strides", f"tm {tm_t.stride()} torch {torch_t.stride()} "
                                 f"for shape {list(torch_t.shape)}"))
    if keep and tm_t.storage_offset() != torch_t.storage_offset():
        diffs.append(("storage offset", f"tm {tm_t.storage_offset()} "
                                        f"torch {torch_t.storage_offset()}"))
    return diffs


def tensors(tm_t, torch_t, tol=(0.0, 0.0)):
    """Type, dtype, shape and values of one result."""
    if not isinstance(tm_t, tm.Tensor):
        return [("result type", f"tm {type(tm_t).__name__}, torch Tensor")]
    if dtype_name(tm_t) != dtype_name(torch_t):
        return [("dtype", f"tm {dtype_name(tm_t)} torch {dtype_name(torch_t)}")]
    if tuple(tm_t.shape) != tuple(torch_t.shape):
        return [("shape", f"tm {list(tm_t.shape)} torch {list(torch_t.shape)}")]
    return values(tm_t, torch_t, *tol)


def shares_tm(a, b):
    return a.storage() is b.storage()


def shares_torch(a, b):
    return a.untyped_storage()._cdata == b.untyped_storage()._cdata


def aliasing(tm_r, torch_r, before):
    """Whether the result is, or shares memory with, each variable from before the step,
    on both sides alike. `before`: name -> (tm tensor, torch tensor)."""
    diffs = []
    for name, (tm_v, torch_v) in before.items():
        want = (torch_r is torch_v, shares_torch(torch_r, torch_v))
        got = (tm_r is tm_v, shares_tm(tm_r, tm_v))
        if got != want:
            diffs.append(("aliasing", f"with {name}: tm {_alias_text(got)}, "
                                      f"torch {_alias_text(want)}"))
    return diffs


def _alias_text(pair):
    same, shares = pair
    return "the same tensor" if same else "a view" if shares else "no shared memory"
