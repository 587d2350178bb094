"""nn.Parameter (defined beside the Tensor: see tensorrt_mini/parameter.py), and the
uninitialized parameters and buffers of lazy modules (nn/modules/lazy.py).

An uninitialized tensor holds no elements and has no shape yet; `materialize(shape)` gives
it memory in place (the same object, so optimizers and modules that hold it see the
change) and makes it a plain Parameter or Tensor.
"""
from .. import _tensor as T
from .. import creation
from ..parameter import Parameter


class _Uninitialized:
    __slots__ = ()  # the same layout as the classes they become
    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None):
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        fresh = creation.empty(shape, device=self.device if device is None else device,
                               dtype=self._dtype if dtype is None else dtype)
        self._storage, self._shape = fresh._storage, fresh._shape
        self._stride, self._offset = fresh._stride, fresh._offset
        self._dtype = fresh._dtype
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually "
            "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
            "initialized one. Call `forward` to initialize the parameters before accessing their "
            "attributes.")

    def size(self, dim=None):
        return self.shape

    def __repr__(self):
        return f"<{type(self).__name__}>"

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (type(self), (self._requires_grad, self.device, self._dtype))


class UninitializedParameter(_Uninitialized, Parameter):
    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        p = Parameter.__new__(cls, creation.empty(0, device=device, dtype=dtype), requires_grad)
        return p


class UninitializedBuffer(_Uninitialized, T.Tensor):
    __slots__ = ()
    cls_to_become = T.Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None):
        data = creation.empty(0, device=device, dtype=dtype)
        b = T._new(data._storage, data._shape, data._stride, data._offset, cls)
        b.requires_grad_(requires_grad)
        return b


def is_lazy(param):
    """Whether param is a lazy module's uninitialized parameter or buffer."""
    return isinstance(param, _Uninitialized)
