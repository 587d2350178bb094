"""Whole-tensor comparisons and membership: isclose, allclose, equal, isin,
count_nonzero; written with the elementwise ops and reductions, on every device."""
from .. import dtypes as D
from . import elementwise as E
from .elementwise import _TORCH_TYPE_NAMES
from .ordering import searchsorted, sort


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other| elementwise; infinities close only to
    themselves, nan only to nan with equal_nan."""
    if input._dtype is not other._dtype:
        raise RuntimeError(f"{_TORCH_TYPE_NAMES[input._dtype.name]} did not match "
                           f"{_TORCH_TYPE_NAMES[other._dtype.name]}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    same = E.eq(input, other)
    if equal_nan and input._dtype.is_floating_point:
        same = E.logical_or(same, E.logical_and(E.isnan(input), E.isnan(other)))
    if input._dtype is D.bool_ or (rtol == 0 and atol == 0):
        return same
    compute = input._dtype if input._dtype.is_floating_point else D.get_default_dtype()
    a, b = E.to_dtype(input, compute), E.to_dtype(other, compute)
    near = E.le(E.abs(E.sub(a, b)), E.add(E.mul(E.abs(b), rtol), atol))
    if compute.is_floating_point:  # inf - inf is nan: an infinity is close only to itself
        near = E.logical_and(near, E.logical_and(E.isfinite(a), E.isfinite(b)))
    return E.logical_or(same, near)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(input, other, rtol, atol, equal_nan).all().item())


def equal(input, other):
    """Same shape and equal values (after type promotion; nan never equals)."""
    if input._shape != other._shape:
        return False
    return bool(E.eq(input, other).all().item())


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each of elements occurs in test_elements (either may be a number)."""
    from ..creation import full, tensor
    scalar = not E.is_tensor(elements)
    device = (test_elements if scalar else elements).device
    if scalar:
        elements = tensor(elements, device=device)
    if not E.is_tensor(test_elements):
        test_elements = tensor(test_elements, device=device)
    common = E.result_type(elements, test_elements)
    x, pool = E.to_dtype(elements, common), E.to_dtype(test_elements, common).reshape(-1)
    if not pool.numel():
        found = full(x._shape, False, dtype=D.bool_, device=device)
    else:  # each element against its insertion point in the sorted pool
        pool = sort(pool)[0]
        at = E.clamp(searchsorted(pool, x), max=pool.numel() - 1)
        found = E.eq(pool[at], x)
    return E.logical_not(found) if invert else found


def count_nonzero(input, dim=None):
    return E.ne(input, 0).sum(dim) if dim is not None else E.ne(input, 0).sum()
