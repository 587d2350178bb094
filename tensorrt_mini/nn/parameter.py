"""Parameter: a leaf tensor that a Module registers as one of its parameters."""
from .. import _tensor as T


class Parameter(T.Tensor):
    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from ..creation import empty
            data = empty(0)
        p = object.__new__(cls)
        T._init(p, data._storage, data._shape, data._stride, data._offset)
        p.requires_grad_(requires_grad)
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__
