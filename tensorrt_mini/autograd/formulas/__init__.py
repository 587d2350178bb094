"""Derivative formulas, one module per ops module; importing them registers every formula
into ops.dispatch.DERIVATIVES."""
from . import conversion, elementwise, fused, inplace, joining, linalg, reduction, views  # noqa: F401
from . import diagonals, factorizations  # noqa: F401
