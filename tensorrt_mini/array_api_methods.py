"""The Array API standard's methods of Tensor: __array_namespace__, to_device and
__complex__ (`.mT` and `.device` are Tensor's own). Bound onto Tensor by
tensorrt_mini/__init__.py."""
from ._tensor import Tensor

_VERSIONS = ("2021.12", "2022.12", "2023.12", "2024.12")


def __array_namespace__(self, /, *, api_version=None):
    """tm's Array API namespace, tensorrt_mini.array_api."""
    if api_version is not None and api_version not in _VERSIONS:
        raise ValueError(f"unsupported Array API version {api_version!r}; "
                         f"this namespace follows {', '.join(_VERSIONS)}")
    from . import array_api
    return array_api


def to_device(self, device, /, *, stream=None):
    """The array on `device` (itself when it is there already)."""
    if stream is not None:
        raise ValueError("to_device(): tm takes no stream; its cuda work runs on one stream")
    return self.to(device)


def __complex__(self):
    """complex(t) of a one-element tensor, as torch's (any dtype)."""
    return complex(self._scalar())


Tensor.__array_namespace__ = __array_namespace__
Tensor.__complex__ = __complex__
Tensor.to_device = to_device
