"""tm.finfo and tm.iinfo: the numeric limits of a dtype, with torch's attributes and reprs."""
import math

import numpy as np

from . import dtypes as D
from .names import NAMESPACE


def _short(value):
    # torch prints the limits with C's %g: six significant digits
    return f"{value:g}"


class finfo:
    """Limits of a floating dtype: bits, eps, max, min, tiny (= smallest_normal) and
    resolution; `dtype` is the dtype's name, as torch gives it."""

    def __init__(self, type=None):
        d = D.get_default_dtype() if type is None else type
        if not isinstance(d, D.dtype) or not d.is_floating_point:
            raise TypeError(f"{NAMESPACE}.finfo() requires a floating point input type. "
                            f"Use {NAMESPACE}.iinfo to handle '{NAMESPACE}.finfo'")
        info = D.finfo(d)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        # a power of ten, as torch gives it (numpy's float16 one is that number rounded)
        self.resolution = 10.0 ** round(math.log10(float(info.resolution)))
        self.dtype = d.name

    def __repr__(self):
        return (f"finfo(resolution={_short(self.resolution)}, min={_short(self.min)}, "
                f"max={_short(self.max)}, eps={_short(self.eps)}, "
                f"smallest_normal={_short(self.smallest_normal)}, tiny={_short(self.tiny)}, "
                f"dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype: bits, max and min; `dtype` is the dtype's name."""

    def __init__(self, type):
        if not isinstance(type, D.dtype) or type.category == 2:
            raise TypeError(f"{NAMESPACE}.iinfo() requires an integer input type. "
                            f"Use {NAMESPACE}.finfo to handle '{NAMESPACE}.iinfo'")
        if type is D.bool_:
            raise TypeError(f"{type!r} is not supported by {NAMESPACE}.iinfo")
        info = np.iinfo(type.np)
        self.bits = int(info.bits)
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = type.name

    def __repr__(self):
        return f"iinfo(min={_short(self.min)}, max={_short(self.max)}, dtype={self.dtype})"
