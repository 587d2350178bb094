"""Parameter: a leaf tensor that a Module registers as one of its parameters."""
from .. import _tensor as T
from ..torch_format import register_parameter_type


class Parameter(T.Tensor):
    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from ..creation import empty
            data = empty(0)
        p = T._new(data._storage, data._shape, data._stride, data._offset, cls)
        p.requires_grad_(requires_grad)
        return p

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__


register_parameter_type(Parameter)
