"""Derivative formulas, one module per ops module; importing them registers every formula
into ops.dispatch.DERIVATIVES."""
from . import (conversion, diagonals, elementwise, factorizations, fused, inplace,  # noqa: F401
               joining, linalg, reduction, scans, scattering, views)
from . import activations  # noqa: F401
from . import complex  # noqa: F401
