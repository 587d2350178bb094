"""`math` as a scalar body sees it on the CPU (kernels.scalar.prepare binds it): Python's
math functions, which Numba compiles, with numpy's where Numba's differ from the other
devices' (math.floor, ceil and trunc return integers, which breaks on inf, NaN and -0.)
or are missing (fmod)."""
import numpy as np
from numba.extending import register_jitable

from ..scalar import math_namespace


def _jitable(fn):
    return register_jitable(inline="always")(fn)


@_jitable
def floor(x):
    return np.floor(x)


@_jitable
def ceil(x):
    return np.ceil(x)


@_jitable
def trunc(x):
    return np.trunc(x)


@_jitable
def fmod(a, b):
    return np.fmod(a, b)


MATH = math_namespace("cpu", {"floor": floor, "ceil": ceil, "trunc": trunc, "fmod": fmod})
