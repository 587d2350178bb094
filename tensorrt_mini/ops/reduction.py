"""Reductions: sum, mean, prod, max/min, amax/amin, argmax/argmin, var/std, all/any.

The front end resolves dims and dtypes and allocates the output with the reduced dims
removed; `keepdim` is a view of that output. Backends reduce into it.
"""
import math
from operator import itemgetter

from .. import dtypes as D
from .. import _tensor as T
from ..layout import reduced_dims, wrap_dim
from ..names import NAMESPACE
from ..user_warnings import warn
from . import complex as C
from .dispatch import differentiable
from .elementwise import binary, check_not_complex, maximum, minimum, to_dtype
from .joining import cat


class _ValuesIndices(tuple):
    """(values, indices), printed as PyTorch's torch.return_types.max/min."""
    __slots__ = ()
    _name = ""

    def __new__(cls, values, indices):
        return tuple.__new__(cls, (values, indices))

    values = property(itemgetter(0))
    indices = property(itemgetter(1))

    def __repr__(self):
        return (f"{NAMESPACE}.return_types.{self._name}(\nvalues={self[0]!r},\n"
                f"indices={self[1]!r})")


class MaxResult(_ValuesIndices):
    __slots__ = ()
    _name = "max"


class MinResult(_ValuesIndices):
    __slots__ = ()
    _name = "min"


def _dims(x, dim):
    return reduced_dims(dim, x.dim())


def _reduce_all(name, x):
    """The reduction of every element of a contiguous, non-empty float cpu tensor as a 0-d
    tensor (the backend's reduce_all: a loss's sum or mean in ~4 us instead of ~8), or
    None where _reduce must run."""
    shape = x._shape
    stride, n = T.contiguous_layouts.get(shape) or T.contiguous_layout(shape)
    if (x._stride != stride or not n or not x._dtype.is_floating_point
            or x._storage.device.type != "cpu"):
        return None
    return T._new(T.backends.get("cpu").reduce_all(name, x, n), (), ())


def _reduce(name, x, dims, keepdim, out_dtype, **options):
    kept = tuple(n for d, n in enumerate(x._shape) if d not in dims)
    out = T.empty_tensor(kept, out_dtype, x._storage.device)
    T.backends.get(x._storage.device.type).reduce(name, out, x, dims, **options)
    return _keep(out, x, dims) if keepdim else out


def _keep(out, x, dims):
    shape = tuple(1 if d in dims else n for d, n in enumerate(x._shape))
    return out.view(shape)


def _accumulate_dtype(x, dtype, fn):
    if dtype is not None:
        return D.as_dtype(dtype, fn)
    return D.int64 if x._dtype.category < 2 else x._dtype


@differentiable
def sum(input, dim=None, keepdim=False, *, dtype=None):
    if dim is None and dtype is None:
        out = _reduce_all("sum", input)
        if out is not None:
            return _keep(out, input, range(input.dim())) if keepdim else out
    out_dtype = _accumulate_dtype(input, dtype, "sum")
    if out_dtype.is_complex:
        return _complex_sum(to_dtype(input, out_dtype), _dims(input, dim), keepdim)
    return _reduce("sum", to_dtype(input, out_dtype) if dtype is not None else input,
                   _dims(input, dim), keepdim, out_dtype)


@differentiable
def prod(input, dim=None, keepdim=False, *, dtype=None):
    out_dtype = _accumulate_dtype(input, dtype, "prod")
    dims = _dims(input, dim if dim is None else (dim,) if isinstance(dim, int) else dim)
    if out_dtype.is_complex:
        return _complex_prod(to_dtype(input, out_dtype), dims, keepdim)
    return _reduce("prod", to_dtype(input, out_dtype) if dtype is not None else input, dims,
                   keepdim, out_dtype)


@differentiable
def mean(input, dim=None, keepdim=False, *, dtype=None):
    out_dtype = D.as_dtype(dtype, "mean") if dtype is not None else input._dtype
    if out_dtype.category < 2:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {D.TYPE_NAMES[out_dtype.name]}")
    if out_dtype.is_half:  # as torch: summed and divided in float32, rounded once
        return to_dtype(mean.raw(input, dim, keepdim, dtype=D.float32), out_dtype)
    if dim is None and not keepdim and out_dtype is input._dtype:
        total = _reduce_all("sum", input)
        if total is not None:  # a fresh 0-d tensor: divided in place, rounded once
            array = total._storage.array
            array[0] = array[0] / out_dtype.np.type(input.numel())
            return total
    dims = _dims(input, dim)
    total = sum.raw(to_dtype(input, out_dtype), dims, keepdim)
    count = math.prod(input._shape[d] for d in dims)
    if not count:
        return binary("mul", total, math.nan)
    if out_dtype.is_complex:  # (complex numbers reach kernels as tensors: see binary)
        return binary("div", total, count)
    # divided in place: total is the fresh sum (the general binary path cost 5 us)
    T.backends.get(total._storage.device.type).binary_scalar(
        "div", total, total, out_dtype.np.type(count))
    return total


def _complex_sum(x, dims, keepdim):
    """A complex sum: the real and imaginary parts summed as floats (the backends'
    reduction kernels are real)."""
    parts = sum.raw(C.view_as_real.raw(x), dims, keepdim)
    return C.view_as_complex.raw(parts)


def _complex_prod(x, dims, keepdim):
    """A complex product: the reduced dims flattened last, then halved by multiplying
    pairs (log2 n elementwise steps)."""
    kept = [d for d in range(x.dim()) if d not in dims]
    kept_shape = tuple(x._shape[d] for d in kept)
    n = math.prod(x._shape[d] for d in dims)
    y = x.permute(kept + list(dims)).reshape(kept_shape + (n,))
    while n > 1:
        if n % 2:
            y = cat([y, _ones(kept_shape + (1,), x)], -1)
            n += 1
        n //= 2
        y = binary("mul", y[..., :n], y[..., n:])
    out = y.reshape(kept_shape) if n else _ones(kept_shape, x)
    return _keep(out, x, dims) if keepdim else out


def _ones(shape, like):
    out = T.empty_tensor(shape, like._dtype, like._storage.device)
    T.backends.get(like._storage.device.type).fill_(out, like._dtype.np.type(1))
    return out


@differentiable
def var(input, dim=None, *, correction=None, keepdim=False, unbiased=None):
    return _moment("var", input, dim, correction, keepdim, unbiased)


@differentiable
def std(input, dim=None, *, correction=None, keepdim=False, unbiased=None):
    return _moment("std", input, dim, correction, keepdim, unbiased)


def _moment(name, x, dim, correction, keepdim, unbiased):
    if not x._dtype.is_floating_point:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    dims, correction = _moment_args(x, dim, correction, unbiased)
    n = math.prod(x._shape[d] for d in dims) if x.dim() else 1
    if n - correction <= 0:
        warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than "
             "the reduction factor (input numel divided by output numel).")
    return _reduce(name, x, dims, keepdim, x._dtype, correction=correction)


def _moment_args(x, dim, correction, unbiased):
    """(reduced dims, correction) from var/std's arguments."""
    if isinstance(dim, bool):  # var(x, False) is var(x, unbiased=False)
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None else int(unbiased)
    return _dims(x, dim), correction


def _bool_reduce(name, x, dim, keepdim):
    if dim is not None and not isinstance(dim, int) and not len(dim):
        out = binary("ne", x, 0)  # torch's all/any over no dims: each element's truth
    else:
        out = _reduce(name, x, _dims(x, dim), keepdim, D.bool_)
    return to_dtype(out, D.uint8) if x._dtype is D.uint8 else out  # torch keeps uint8


def all(input, dim=None, keepdim=False):
    return _bool_reduce("all", input, dim, keepdim)


def any(input, dim=None, keepdim=False):
    return _bool_reduce("any", input, dim, keepdim)


@differentiable
def amax(input, dim=(), keepdim=False):
    return _extreme("amax", input, dim, keepdim)


@differentiable
def amin(input, dim=(), keepdim=False):
    return _extreme("amin", input, dim, keepdim)


def _extreme(name, x, dim, keepdim):
    check_not_complex(name, x._dtype)
    if dim in ((), [], None) and not keepdim:
        out = _reduce_all(name, x)
        if out is not None:
            return out
    if x.numel() == 0 and dim in ((), [], None):
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                           f"== 0. Specify the reduction dim with the 'dim' argument.")
    for d in (dim,) if isinstance(dim, int) else dim:  # before the repeated-dim check
        d = wrap_dim(d, x.dim())
        if x.dim() and x._shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    dims = _dims(x, dim)
    return _reduce(name, x, dims, keepdim, x._dtype)


def _check_arg_dim(name, x, d):
    if x.dim() and x._shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _arg_reduce(name, x, dim, keepdim):
    """(values, indices) along one dim."""
    check_not_complex(name, x._dtype)
    nd = x.dim()
    d = wrap_dim(dim, nd)
    _check_arg_dim(name, x, d)
    kept = tuple(n for k, n in enumerate(x._shape) if k != d) if nd else ()
    values = T.empty_tensor(kept, x._dtype, x._storage.device)
    indices = T.empty_tensor(kept, D.int64, x._storage.device)
    src = x if nd else x.view(1)
    T.backends.get(x._storage.device.type).arg_reduce(
        "max" if name in ("max", "argmax") else "min", values, indices, src, d)
    if keepdim and nd:
        values = _keep(values, x, (d,))
        indices = _keep(indices, x, (d,))
    return values, indices


@differentiable
def max_dim(input, dim, keepdim=False):
    values, indices = _arg_reduce("max", input, dim, keepdim)
    return MaxResult(values, indices)


@differentiable
def min_dim(input, dim, keepdim=False):
    values, indices = _arg_reduce("min", input, dim, keepdim)
    return MinResult(values, indices)


def max(input, dim=None, keepdim=False):
    """max(t), max(t, dim, keepdim) -> (values, indices), or max(t, other) -> maximum."""
    if dim is None:
        check_not_complex("max_all", input._dtype)
        if input.numel() == 0:
            raise RuntimeError("max(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        return amax(input)
    if isinstance(dim, T.Tensor):
        return maximum(input, dim)
    return max_dim(input, dim, keepdim)


def min(input, dim=None, keepdim=False):
    if dim is None:
        check_not_complex("min_all", input._dtype)
        if input.numel() == 0:
            raise RuntimeError("min(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        return amin(input)
    if isinstance(dim, T.Tensor):
        return minimum(input, dim)
    return min_dim(input, dim, keepdim)


def argmax(input, dim=None, keepdim=False):
    return _argx("argmax", input, dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    return _argx("argmin", input, dim, keepdim)


def _argx(name, x, dim, keepdim):
    check_not_complex(name, x._dtype)
    if x._dtype is D.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if x.numel() == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        flat = x.reshape(-1)
        _, idx = _arg_reduce(name, flat, 0, False)
        return idx.view((1,) * x.dim()) if keepdim else idx
    return _arg_reduce(name, x, dim, keepdim)[1]
