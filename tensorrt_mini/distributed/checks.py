"""Argument checks shared by the collectives, and the cross-rank mismatch check.

The mismatch check (TORCH_DISTRIBUTED_DEBUG=DETAIL, as in torch) all-gathers a small
fingerprint of each collective (which one, dtype, shape) before running it, so ranks that
call different collectives, or the same one with different shapes or dtypes, all raise an
error naming both ranks' shapes instead of corrupting memory or waiting for the timeout.
It costs one small all-gather per collective (see the README for the measured cost), which
is why it is off unless asked for.
"""
import numpy as np

from .._tensor import Tensor
from .. import dtypes as D

_OPS = ("all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor", "gather",
        "scatter", "reduce_scatter", "reduce_scatter_tensor", "all_to_all_single")
_DIMS = 8


def check_tensor(t, name="tensor"):
    if not isinstance(t, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"torch.Tensor but got {type(t)} instead.")


def check_tensor_list(ts, name):
    if not isinstance(ts, (list, tuple)) or not all(isinstance(t, Tensor) for t in ts):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"List[torch.Tensor] but got {type(ts)} instead.")


def _fingerprint(what, t, with_shape):
    shape = t._shape
    fp = np.full(3 + _DIMS, -1, np.int64)
    fp[0] = _OPS.index(what)
    fp[1] = D.ALL.index(t._dtype)
    if not with_shape:
        return fp
    fp[2] = len(shape)
    dims = shape[:_DIMS - 1] + ((int(np.prod(shape[_DIMS - 1:])),) if len(shape) >= _DIMS else ())
    fp[3:3 + len(dims)] = dims
    return fp


def _describe(fp):
    what, dtype, ndim = _OPS[fp[0]], D.ALL[fp[1]].name, int(fp[2])
    if ndim < 0:
        return f"{what} with dtype {dtype}"
    dims = [int(d) for d in fp[3:3 + min(ndim, _DIMS)]]
    return f"{what} with shape {dims} and dtype {dtype}"


def check_across_ranks(pg, what, t, with_shape=True):
    """Raise on every rank when the ranks' fingerprints of this collective differ (the
    dtype only where shapes may differ: all_to_all_single's uneven splits)."""
    mine = _fingerprint(what, t, with_shape)
    every = pg.host.all_gather_small(mine, f"{what} (mismatch check)")
    odd = [r for r in range(len(every)) if not np.array_equal(every[r], every[0])]
    if odd:
        r = odd[0]
        raise RuntimeError(
            f"Detected mismatch between collectives on ranks: rank {pg.ranks[0]} called "
            f"{_describe(every[0])}, rank {pg.ranks[r]} called {_describe(every[r])}")
