"""torch's top-level and Tensor-method spellings of tm.linalg functions: torch.norm (the
older norm, whose numeric p is always a vector norm), matrix_power, slogdet, logdet and
pinverse, and the in-place forms of the scaled-accumulate products."""
from collections import namedtuple

from . import linalg
from .ops import products
from .ops.elementwise import where
from .ops.autocast import autocast_op

SlogdetResult = namedtuple("slogdet", ["sign", "logabsdet"])


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    if p == "nuc":
        return linalg.matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim,
                                  dtype=dtype)
    return linalg.vector_norm(input, 2 if p == "fro" else p, dim, keepdim, dtype=dtype)


def matrix_power(input, n):
    return linalg.matrix_power(input, n)


def slogdet(input):
    return SlogdetResult(*linalg.slogdet(input))


def logdet(input):
    """log det: NaN where det < 0, -inf where it is 0."""
    sign, logabsdet = linalg.slogdet(input)
    return where(sign < 0, float("nan"), logabsdet)


@autocast_op
def pinverse(input, rcond=1e-15):
    return linalg.pinv(input, rtol=rcond)


def _in_place(fn):
    def method(self, *args, **kwargs):
        return self.copy_(fn(self, *args, **kwargs))
    method.__name__ = fn.__name__ + "_"
    return method


addmm_ = _in_place(products.addmm)
addmv_ = _in_place(products.addmv)
addr_ = _in_place(products.addr)
baddbmm_ = _in_place(products.baddbmm)
