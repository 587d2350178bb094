"""tensorrt_mini: a small tensor runtime with PyTorch's tensor model, on cpu and cuda."""
import inspect as _inspect

from . import dtypes as _D
from .kernels import catalog as _catalog
from .ops import elementwise as _E
from .creation import (arange, as_tensor, empty, empty_like, empty_strided, eye, from_numpy, full,
                       full_like, linspace, ones, ones_like, rand, rand_like, randint, randint_like,
                       randn, randn_like, randperm, tensor, zeros, zeros_like)
from .device import device
from .errors import OutOfMemoryError
from .dtypes import (bool_ as bool, double, float, float32, float64, get_default_dtype, int, int8,
                     int16, int32, int64, long, set_default_dtype, short, uint8)
from .dtypes import bfloat16, float16, half
from .dtypes import dtype, promote_types
from .dtypes import cdouble, cfloat, complex64, complex128
from .ops.complex import (complex, conj, imag, is_conj, polar, real, resolve_conj, view_as_complex,
                          view_as_real)
from .ops.elementwise import (abs, add, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, ceil,
                              clamp, cos, div, eq, erf, exp, expm1, floor, floor_divide, ge, gt,
                              isfinite, isinf, isnan, le, log, log1p, log2, log10, logical_and,
                              logical_not, logical_or, logical_xor, lt, maximum, minimum, mul, ne,
                              neg, pow, reciprocal, relu, remainder, round, rsqrt, sigmoid, sign,
                              sin, sqrt, sub, tan, tanh, trunc, result_type)
from .ops.elementwise import (addcdiv, addcmul, bitwise_left_shift, bitwise_right_shift,
                              heaviside, lerp, logit, nan_to_num, positive, square)
from .ops.activations import celu, celu_, prelu, rrelu, rrelu_, selu, selu_, threshold, threshold_
from .ops.indexing import nonzero
from .ops.comparison import allclose, count_nonzero, equal, isclose, isin
from .ops.einsum import einsum
from .ops.out_arg import with_out as _with_out
from .ops.joining import (atleast_1d, atleast_2d, atleast_3d, cartesian_prod, cat, column_stack,
                          dstack, hstack, meshgrid, row_stack, stack, tile, vstack)
from .ops.ordering import (argsort, bincount, bucketize, histc, kthvalue, median, mode, msort,
                           searchsorted, sort, topk, unique, unique_consecutive)
from .ops.scans import cummax, cummin, cumprod, cumsum, diff, logcumsumexp
from .ops.scattering import (argwhere, index_add, index_copy, index_fill, index_put, masked_scatter,
                             masked_select, put, scatter, scatter_add, scatter_reduce, take,
                             take_along_dim)
from .ops.scattering import where as _where
from .ops.selecting import (flip, fliplr, flipud, gather, index_select, masked_fill, roll, rot90,
                            tril, triu)
from .ops.linalg import bmm, dot, matmul, mm, mv
from .ops.products import (addmm, addmv, addr, baddbmm, cross, ger, kron, outer, tensordot,
                           vdot)
from .ops.diagonals import diag, diag_embed, diagflat, trace, tril_indices, triu_indices
from .ops.factorizations import linalg_det as det, linalg_inv as inverse
from .linalg_spellings import logdet, matrix_power, norm, pinverse, slogdet
from . import linalg  # noqa: F401  (tm.linalg; linalg_spellings has imported it)
from .ops.reduction import (all, amax, amin, any, argmax, argmin, max, mean, min, prod, std, sum,
                            var)
from .ops.views import (as_strided, broadcast_tensors, broadcast_to, chunk, diagonal, dsplit, expand,
                        flatten, hsplit, movedim, narrow, permute, reshape, select, split, squeeze,
                        t, tensor_split, transpose, unbind, unflatten, unsqueeze, vsplit)
from .printing import set_printoptions
from .explainer import explain
from .ops.sampling import bernoulli, multinomial
from .random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,
                     set_rng_state)
from .serialization import load, save
from .size import Size
from .layout import broadcast_shapes as _broadcast_shapes
from .storage import Storage
from ._tensor import Tensor
from . import tensor_methods  # noqa: F401  (binds the op methods onto Tensor)
from . import interop  # noqa: F401  (binds DLPack, NumPy and CUDA array protocols onto Tensor)
from .interop.dlpack import from_dlpack
from . import array_api_methods  # noqa: F401  (Tensor.__array_namespace__, to_device)
from .type_info import finfo, iinfo
from . import autograd
from .autograd import (enable_grad, inference_mode, is_grad_enabled,
                       is_inference_mode_enabled, no_grad, set_grad_enabled)
from . import amp
from . import fft  # noqa: F401  (tm.fft)
from .amp.autocast_mode import (autocast, autocast_decrement_nesting, autocast_increment_nesting,
                                clear_autocast_cache, get_autocast_dtype, is_autocast_cache_enabled,
                                is_autocast_enabled, set_autocast_cache_enabled,
                                set_autocast_dtype, set_autocast_enabled)

# every public op of the elementwise catalog is a function here
for _op in _catalog.OPS.values():
    if _op.public:
        globals()[_op.name] = getattr(_E, _op.name)

where = _where  # (the catalog's where above takes three arguments; this one also one)

_OUT_FUNCTIONS = (
    "where", "clamp", "sum", "mean", "prod", "amax", "amin", "max", "min", "argmax", "argmin",
    "std", "var", "all", "any", "cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "diff",
    "cat", "stack", "hstack", "vstack", "dstack", "column_stack", "matmul", "mm", "bmm", "mv",
    "dot", "index_select", "gather", "masked_select", "take", "take_along_dim", "nonzero",
    "tril", "triu", "sort", "topk", "kthvalue", "mode", "searchsorted", "bucketize", "isin",
    "arange", "zeros", "ones", "full", "empty", "linspace", "eye", "rand", "randn", "randint",
    "randperm", "bernoulli", "multinomial")

# torch's out= keyword, on the functions that have it (and do not take it themselves)
for _name in [*(_op.name for _op in _catalog.OPS.values() if _op.public), *_OUT_FUNCTIONS]:
    if "out" not in _inspect.signature(globals()[_name]).parameters:
        globals()[_name] = _with_out(globals()[_name], _name)
clip = clamp
concat = concatenate = cat
negative = neg
multiply = mul
divide = true_divide = div
subtract = sub
swapaxes = swapdims = transpose
moveaxis = movedim

__version__ = "0.1.0"



def __getattr__(name):
    # nn, optim, cuda and utils load on first use: code that only computes on tensors skips them;
    # so do the user kernels (tm.elementwise, tm.reduction), which bring Numba's compiler
    import importlib
    if name in ("nn", "optim", "cuda", "utils"):
        return importlib.import_module(f".{name}", __name__)
    if name == "distributed":  # tm.distributed, as torch.distributed: mpi4py loads at init
        return importlib.import_module(".distributed", __name__)
    if name in ("elementwise", "reduction"):
        return getattr(importlib.import_module(".ops.fused", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def broadcast_shapes(*shapes):
    return Size(_broadcast_shapes(*(tuple(s) if isinstance(s, (tuple, list, Size)) else (s,)
                                    for s in shapes)))


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


def clone(input):
    return input.clone()


def softmax(input, dim, dtype=None):
    from .nn import functional as F
    return F.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, dtype=None):
    from .nn import functional as F
    return F.log_softmax(input, dim, dtype=dtype)
