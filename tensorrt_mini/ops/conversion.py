"""Dtype and device conversion, and copy_ across both."""
from .. import _tensor as T
from .dispatch import differentiable
from .elementwise import copy_into


@differentiable
def to_dtype(input, dtype):
    out = T.empty_strided_like(input._shape, dtype, input._storage.device, input)
    T.backends.get(input._storage.device.type).copy_(out, input)
    return out


@differentiable
def to_device(input, device):
    return T.transfer_raw(input, device)


@differentiable(writes=0)
def copy_(self, src):
    return copy_into(self, src)
