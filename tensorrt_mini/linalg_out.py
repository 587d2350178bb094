"""The `out=` keyword of tm.linalg's functions, with torch.linalg's rules, which are
stricter than the rest of torch's: an out tensor must have the result's dtype exactly (a
few functions cast, as torch's do), and each function reports a refused case in its own
words, which name the op torch runs underneath.

The result is computed as without out, then written into out (resized as torch resizes,
with its warning) and out is returned: a tensor, or the result's named tuple of the outs.
"""
import functools
from collections import namedtuple

from . import _tensor as T
from .ops.dispatch import GradMode
from .ops.elementwise import _TORCH_TYPE_NAMES, C_NAMES
from .ops.out_arg import _any_requires_grad, _write


def _plain(name, result, out):
    return f"Expected out tensor to have dtype {C_NAMES[result.name]}, but got " \
           f"{C_NAMES[out.name]} instead"


def _norm(name):
    return lambda _, result, out: (f"linalg.{name} expected out tensor dtype "
                                   f"{_TORCH_TYPE_NAMES[result.name]} but got: "
                                   f"{_TORCH_TYPE_NAMES[out.name]}")


def _multi_dot(name, result, out):
    return (f"multi_dot(): expected out tensor to have dtype {C_NAMES[result.name]} but got "
            f"{C_NAMES[out.name]}")


def _vecdot(name, result, out):
    return (f"linalg.vecdot: Expected out of dtype{_TORCH_TYPE_NAMES[result.name]} but found "
            f"{_TORCH_TYPE_NAMES[out.name]}")


# name: (the op torch names when an argument requires grad, or None where torch records
# the write into out instead; the message for an out of another dtype, or None where
# torch casts into it)
RULES = {
    "cholesky": ("linalg_cholesky_ex", _plain), "cross": ("linalg_cross", _plain),
    "det": ("_linalg_det", _plain), "eigh": ("_linalg_eigh", _plain),
    "eigvalsh": ("_linalg_eigh", _plain), "inv": ("linalg_inv_ex", _plain),
    "matmul": ("matmul", _plain), "matrix_norm": (None, _norm("matrix_norm")),
    "matrix_power": ("matmul", _plain), "matrix_rank": (None, None),
    "multi_dot": ("mm", _multi_dot), "norm": (None, _norm("norm")),
    "pinv": ("linalg_pinv", None), "qr": ("linalg_qr", _plain),
    "slogdet": ("_linalg_slogdet", _plain), "solve": ("_linalg_solve_ex", _plain),
    "svd": ("_linalg_svd", _plain), "svdvals": ("_linalg_svd", _plain),
    "vecdot": ("sum", _vecdot), "vector_norm": ("linalg_vector_norm", _plain),
}


def with_linalg_out(fn, name):
    """fn(..., out=None) with torch.linalg.<name>'s rules for out."""
    grad_op, dtype_message = RULES[name]

    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if grad_op is not None and GradMode.enabled and _any_requires_grad(args, kwargs):
            raise RuntimeError(f"{grad_op}(): functions with out=... arguments don't support "
                               "automatic differentiation, but one of the arguments requires "
                               "grad.")
        result = fn(*args, **kwargs)
        results, outs = _pairs(name, result, out)
        for value, target in zip(results, outs):
            if dtype_message is not None and target._dtype is not value._dtype:
                raise RuntimeError(dtype_message(name, value._dtype, target._dtype))
        for value, target in zip(results, outs):
            _write(f"linalg_{name}", target, value)
        return _out_type(type(result))(*outs) if isinstance(result, tuple) else out
    return wrapper


@functools.lru_cache(maxsize=None)
def _out_type(result_type):
    """torch.return_types' `<name>_out`: the result's named tuple, for the outs."""
    return namedtuple(result_type.__name__ + "_out", result_type._fields)


def _pairs(name, result, out):
    if not isinstance(result, tuple):
        if not isinstance(out, T.Tensor):
            raise TypeError(f"linalg_{name}(): argument 'out' must be Tensor, not "
                            f"{type(out).__name__}")
        return (result,), (out,)
    if not isinstance(out, (tuple, list)) or not all(isinstance(o, T.Tensor) for o in out):
        raise TypeError(f"linalg_{name}(): argument 'out' must be tuple of Tensors, not "
                        f"{type(out).__name__}")
    if len(out) != len(result):
        raise TypeError(f"expected tuple of {len(result)} elements but got {len(out)}")
    return result, tuple(out)
