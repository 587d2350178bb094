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

    from numpy import arccos as acos, arccosh as acosh, arcsin as asin, arcsinh as asinh
    from numpy import arctan as atan, arctan2 as atan2, arctanh as atanh
    from numpy import cosh, hypot, nextafter, sinh

    def erf(x):
        # numpy has no erf; math.erf is total on floats (nan and inf included)
        return type(x)(math.erf(x))

    def erfc(x):
        return type(x)(math.erfc(x))
else:
    from math import (acos, acosh, asin, asinh, atan, atan2, atanh, ceil, copysign, cos,  # noqa: F401
                      cosh, erf, erfc, exp, expm1, fabs, floor, fmod, hypot, isfinite, isinf,
                      isnan, log, log1p, log2, log10, nextafter, pow, sin, sinh, sqrt, tan,
                      tanh, trunc)


# `math` as a scalar body sees it on this device (kernels.scalar.prepare binds it)
MATH = math_namespace("cuda", {name: globals()[name] for name in (
    "acos acosh asin asinh atan atan2 atanh ceil copysign cos cosh erf erfc exp expm1 fabs floor "
    "fmod hypot isfinite isinf isnan log log1p log2 log10 nextafter pow sin sinh sqrt tan tanh "
    "trunc").split()})
