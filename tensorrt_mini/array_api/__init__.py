"""tm's Array API namespace (the Python array API standard, 2024.12).

    xp = t.__array_namespace__()      # or: import tensorrt_mini.array_api as xp

tm's top level keeps PyTorch's names and semantics; this namespace has the standard's
(`axis`, `keepdims`, `concat`, `permute_dims`, `astype`, ...) and its type promotion, over
the same tensors and ops. Its functions work on cpu and cuda arrays, and results stay on
their device. `linalg` and `fft` are the standard's extensions.
"""
import math

from . import fft, linalg  # noqa: F401
from ._creation import (arange, asarray, empty, empty_like, eye, full, full_like, linspace,
                        meshgrid, ones, ones_like, tril, triu, zeros, zeros_like)
from ._dtypes import (astype, bool, can_cast, complex64, complex128, finfo, float32, float64,
                      iinfo, int8, int16, int32, int64, isdtype, result_type, uint8)
from . import _elementwise
from ..interop.dlpack import from_dlpack  # the standard's signature: (x, *, device, copy)
from ._info import __array_namespace_info__
from ._manipulation import (broadcast_arrays, broadcast_to, concat, expand_dims, flip,
                            moveaxis, permute_dims, repeat, reshape, roll, squeeze, stack, tile,
                            unstack)
from ._products import matmul, matrix_transpose, tensordot, vecdot
from ._searching import (argmax, argmin, argsort, count_nonzero, nonzero, searchsorted, sort,
                         take, take_along_axis, where)
from ._sets import unique_all, unique_counts, unique_inverse, unique_values
from ._statistical import (all, any, cumulative_prod, cumulative_sum, diff, max, mean, min, prod,
                           std, sum, var)

# the element-wise functions (_elementwise makes most of them from tables of tm's ops)
_ELEMENTWISE = _elementwise.__all__
globals().update((name, getattr(_elementwise, name)) for name in _ELEMENTWISE)

__array_api_version__ = "2024.12"

e = math.e
inf = math.inf
nan = math.nan
pi = math.pi
newaxis = None

__all__ = [
    "__array_api_version__", "__array_namespace_info__", "fft", "linalg",
    "e", "inf", "nan", "pi", "newaxis",
    "bool", "int8", "int16", "int32", "int64", "uint8", "float32", "float64",
    "complex64", "complex128",
    "astype", "can_cast", "finfo", "iinfo", "isdtype", "result_type",
    "arange", "asarray", "empty", "empty_like", "eye", "from_dlpack", "full", "full_like",
    "linspace",
    "meshgrid", "ones", "ones_like", "tril", "triu", "zeros", "zeros_like",
    *_ELEMENTWISE,
    "broadcast_arrays", "broadcast_to", "concat", "expand_dims", "flip", "moveaxis",
    "permute_dims", "repeat", "reshape", "roll", "squeeze", "stack", "tile", "unstack",
    "matmul", "matrix_transpose", "tensordot", "vecdot",
    "argmax", "argmin", "argsort", "count_nonzero", "nonzero", "searchsorted", "sort", "take",
    "take_along_axis", "where",
    "unique_all", "unique_counts", "unique_inverse", "unique_values",
    "all", "any", "cumulative_prod", "cumulative_sum", "diff", "max", "mean", "min", "prod",
    "std", "sum", "var",
]
