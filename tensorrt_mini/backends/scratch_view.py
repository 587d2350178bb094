"""A backend's own view of a storage: the attributes and methods of a Tensor that backends
read, for the scratch buffers and re-shaped views they make themselves, without a Tensor's
cost."""
import math

from ..layout import is_contiguous


class View:
    __slots__ = ("_storage", "_shape", "_stride", "_offset", "_dtype")

    def __init__(self, storage, shape, stride, offset=0):
        self._storage = storage
        self._shape = tuple(shape)
        self._stride = tuple(stride)
        self._offset = offset
        self._dtype = storage.dtype

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)
    device = property(lambda self: self._storage.device)

    def numel(self):
        return math.prod(self._shape)

    def dim(self):
        return len(self._shape)

    def is_contiguous(self):
        return is_contiguous(self._shape, self._stride)
