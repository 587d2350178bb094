"""Derivative formulas, one module per ops module; importing them registers every formula
into ops.dispatch.DERIVATIVES."""
from . import conversion, elementwise, inplace, joining, linalg, reduction, views  # noqa: F401
