"""Tensors from other libraries' arrays, for `tm.tensor` (which copies) and `tm.as_tensor`
(which shares where it can): torch and CuPy tensors, and anything with `__dlpack__`,
`__cuda_array_interface__`, `__array_interface__` or `__array__`."""
import numbers

import numpy as np

from .._tensor import Tensor
from .cuda_array_interface import from_cuda_array_interface
from .dlpack import from_dlpack


def is_foreign_array(data):
    """Whether `data` is another library's array (not a tm tensor, a number, a numpy array
    or scalar, or a Python sequence, which tm.tensor reads itself)."""
    if isinstance(data, (Tensor, np.ndarray, np.generic, numbers.Number, list, tuple, str,
                         bytes)):
        return False
    return any(hasattr(data, name) for name in (
        "__dlpack__", "__cuda_array_interface__", "__array_interface__", "__array__"))


def shared_tensor(data):
    """A tensor sharing data's memory where its protocols allow (DLPack first: it carries
    the device, bfloat16 and the read-only flag), else data as a numpy array (sharing
    its memory where __array_interface__ allows), which creation then reads."""
    if hasattr(data, "__dlpack__"):
        try:
            return from_dlpack(data)
        except BufferError:
            if not callable(getattr(data, "detach", None)):
                raise
            # a torch tensor that requires grad refuses DLPack; tm.tensor reads its values
            return from_dlpack(data.detach())
    if hasattr(data, "__cuda_array_interface__"):
        return from_cuda_array_interface(data)
    return np.asarray(data)
