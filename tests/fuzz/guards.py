"""Where torch's own result is undefined, so there is nothing to compare tm against.

A guard is drawn with its step and looks at torch's variables before the step runs. When
it fires, the case ends there: if torch raises, tm must raise too (that is still
defined); otherwise whatever both computed is unspecified. `unsafe` guards stop the case
before either library runs the step, because running it could kill the process.
"""
from typing import NamedTuple

import torch

from . import compare


class Undefined(NamedTuple):
    reason: str
    unsafe: bool = False


class Invalid(Exception):
    """An expression of the step raises: the step is invalid (torch will say so), which is
    not the same as undefined."""


def _value(ns, code):
    try:
        return eval(code, ns)
    except Exception as e:  # noqa: BLE001
        raise Invalid(code) from e


def int_min_truncation(x_code, y_code):
    """torch's div(rounding_mode='trunc') of INT_MIN by -1 traps on x86 (SIGFPE) and kills
    the process (its floor_divide, remainder and fmod define it: INT_MIN, 0, 0)."""
    def check(ns):
        x, y = _value(ns, x_code), _value(ns, y_code)
        dtype = torch.result_type(x, y)
        if dtype not in (torch.int32, torch.int64):
            return None
        lowest = torch.iinfo(dtype).min
        if bool((torch.as_tensor(x) == lowest).any()) and bool((torch.as_tensor(y) == -1).any()):
            return Undefined("INT_MIN divided by -1 traps", unsafe=True)
        return None
    return check


def float_into_int(value_code, dtype):
    """A float written into an integer dtype: C++ leaves nan, inf and values outside the
    dtype's range undefined (torch gives whatever the CPU's conversion gives)."""
    def check(ns):
        if dtype == "bool" or dtype.startswith("float"):
            return None
        v = torch.as_tensor(_value(ns, value_code))
        if not v.is_floating_point():
            return None
        info = torch.iinfo(getattr(torch, dtype))
        v = v.double().trunc()
        # both bounds are powers of two (or 0), exact in float64: no rounding here
        low, high = float(info.min), float(info.max + 1)
        if bool((~v.isfinite() | (v < low) | (v >= high)).any()):
            return Undefined(f"float -> {dtype} of a value it cannot hold")
        return None
    return check


def nan_sign(code):
    """signbit and copysign read a NaN's sign, which depends on the path that made it (x86
    makes negative NaNs, constants are positive)."""
    def check(ns):
        v = torch.as_tensor(_value(ns, code))
        if v.is_floating_point() and bool(v.isnan().any()):
            return Undefined("the sign of a NaN")
        return None
    return check


def _offset_tensor(t):
    """An int64 tensor laid out as t, holding each element's offset in t's storage."""
    size = t.untyped_storage().nbytes() // t.element_size()
    return torch.arange(size).as_strided(t.shape, t.stride(), t.storage_offset())


def storage_offsets(t):
    return _offset_tensor(t).reshape(-1)


def _offsets(ns, name, code):
    """The storage offsets of the elements of `code`, an expression of variable `name`."""
    return _value({**ns, name: _offset_tensor(ns[name])}, code).reshape(-1)


def overlap(name, dest_code, reads, constant=False):
    """An in-place write to `dest_code` (a view of variable `name`) is order-dependent when
    the view maps one element twice (unless every write stores one constant), or when an
    operand shares memory with it without being the very same view; torch only detects
    some of these and runs the rest in whatever order its kernel takes."""
    def check(ns):
        try:
            dest, view = _offsets(ns, name, dest_code), _value(ns, dest_code)
        except Invalid:
            # an index torch rejects: torch may first reject any operand sharing memory
            # with the whole variable (index_put_ does), so its error depends on the order
            dest, view = storage_offsets(ns[name]), None
        if not constant and dest.unique().numel() < dest.numel():
            return Undefined("the written view maps an element more than once")
        written = set(dest.tolist())
        for r in reads:
            other = ns[r]
            if not compare.shares_torch(other, ns[name]):
                continue
            same_view = view is not None and (
                other.shape, other.stride(), other.storage_offset()) == (
                view.shape, view.stride(), view.storage_offset())
            aliased = view is None and other is ns[name]  # rejected even when empty
            if aliased or not same_view and written & set(storage_offsets(other).tolist()):
                return Undefined(f"operand {r} overlaps the written view")
        return None
    return check
