"""`tm.utils.dlpack`, as torch.utils.dlpack: to_dlpack (a legacy capsule) and
from_dlpack."""
from ..interop.dlpack import from_dlpack
from ..interop.dlpack_abi import DLDeviceType


def to_dlpack(tensor):
    """A legacy ("dltensor") DLPack capsule sharing tensor's memory: consume it once, with
    from_dlpack of this or another library."""
    return tensor.__dlpack__()


__all__ = ["DLDeviceType", "from_dlpack", "to_dlpack"]
