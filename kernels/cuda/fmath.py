"""Float math that gives the GPU's IEEE results both compiled and simulated.

Compiled kernels use `math.*`, which numba.cuda lowers to libdevice (float32 stays
float32). The simulator runs kernels as Python on numpy scalars, where `math.log(0)` or
`math.sqrt(-1)` raise and results turn into Python floats; numpy's ufuncs return the
GPU's inf/nan and keep the dtype.
"""
import math

from ..scalar import math_namespace
from .compiler import SIMULATOR

if SIMULATOR:
    import numpy as np
    from numpy import (ceil, copysign, cos, exp, expm1, fabs, floor, fmod, isfinite, isinf,
                       isnan, log, log1p, log2, log10, sin, sqrt, tan, tanh, trunc)

    def pow(a, b):  # noqa: A001
        # on arrays: numpy turns a scalar power of 0.5 into sqrt (sqrt(-inf) is nan where
        # C's pow(-inf, 0.5), libdevice's too, is inf)
        return np.power(np.array([a]), np.array([b]))[0]

    def erf(x):
        # numpy has no erf; math.erf is total on floats (nan and inf included)
        return type(x)(math.erf(x))
else:
    from math import (ceil, copysign, cos, erf, exp, expm1, fabs, floor, fmod, isfinite,  # noqa: F401
                      isinf, isnan, log, log1p, log2, log10, pow, sin, sqrt, tan, tanh, trunc)


# `math` as a scalar body sees it on this device (kernels.scalar.prepare binds it)
MATH = math_namespace("cuda", {name: globals()[name] for name in (
    "ceil copysign cos erf exp expm1 fabs floor fmod isfinite isinf isnan log log1p log2 log10 "
    "pow sin sqrt tan tanh trunc").split()})
