"""Derivative formulas, one module per ops module; importing them registers every formula
into ops.dispatch.DERIVATIVES."""
from . import (conversion, elementwise, fused, inplace, joining, linalg, reduction,  # noqa: F401
               scans, scattering, views)
