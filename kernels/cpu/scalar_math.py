"""`math` as a scalar body sees it on the CPU (kernels.scalar.prepare binds it): Python's
math functions, which Numba compiles, plus the ones its CPU target lacks."""
import numpy as np
from numba.extending import register_jitable

from ..scalar import math_namespace


@register_jitable(inline="always")
def fmod(a, b):
    return np.fmod(a, b)


MATH = math_namespace("cpu", {"fmod": fmod})
