"""Copying a batch into page-locked host memory (DataLoader(pin_memory=True)), so that its
copies to the GPU can run asynchronously. Without a usable cuda device nothing is pinned
(the DataLoader warns, as torch's does)."""
import collections.abc
import copy

from ..._tensor import Tensor
from ...backends import cuda_runtime


def pinning_available():
    return cuda_runtime.is_available()


def pin_memory(data):
    """data with every tensor in it pinned, through the containers default_collate makes."""
    if isinstance(data, Tensor):
        return data.pin_memory()
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        pinned = {k: pin_memory(v) for k, v in data.items()}
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update(pinned)
                return clone
            return type(data)(pinned)
        except TypeError:
            return pinned
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(pin_memory(d) for d in data))
    if isinstance(data, tuple):
        return [pin_memory(d) for d in data]
    if isinstance(data, collections.abc.Sequence):
        pinned = [pin_memory(d) for d in data]
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                clone[:] = pinned
                return clone
            return type(data)(pinned)
        except TypeError:
            return pinned
    if hasattr(data, "pin_memory"):
        return data.pin_memory()
    return data
