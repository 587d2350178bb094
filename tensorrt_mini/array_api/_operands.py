"""Operands of the namespace's functions: Python scalars become arrays, and arrays are cast
to the dtype the standard's promotion gives (tm's own functions keep torch's rules)."""
from .. import creation
from .._tensor import Tensor
from ._dtypes import result_type


def cast(x, dtype):
    return x if x.dtype is dtype else x.to(dtype)


def promoted(*operands):
    """The operands as arrays of their common dtype; scalars go to the device of the
    first array."""
    arrays = [x for x in operands if isinstance(x, Tensor)]
    if not arrays:
        raise TypeError("at least one operand must be an array")
    dtype = result_type(*operands)
    device = arrays[0].device
    return tuple(cast(x, dtype) if isinstance(x, Tensor)
                 else creation.tensor(x, dtype=dtype, device=device) for x in operands)
