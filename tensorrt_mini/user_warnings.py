"""Warnings attributed to the user's line, however deep inside tm they are raised (ops
reach their checks through autograd's wrappers, so a fixed stacklevel would point into
tensorrt_mini on one path or another)."""
import sys
import warnings

_PACKAGE = __name__.split(".")[0]


def warn(message, category=UserWarning):
    frame, level = sys._getframe(1), 2  # stacklevel 2: warn()'s caller
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] == _PACKAGE:
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
