"""Parameter: a leaf tensor that a Module registers as one of its parameters. It lives
beside the Tensor, below nn, so that tm.load can rebuild one without nn."""
from . import _tensor as T
from .creation import empty


class Parameter(T.Tensor):
    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = empty(0)
        p = T._new(data._storage, data._shape, data._stride, data._offset, cls)
        p.requires_grad_(requires_grad)
        return p

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__
