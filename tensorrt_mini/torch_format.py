"""torch's names in a saved file, and tm's counterparts that tm.load reads them as.

tm.save writes a `Global` by its name (torch.load looks it up); tm.load gives its `value`.
"""
import codecs
from collections import OrderedDict

from . import creation
from . import dtypes as D
from ._tensor import Tensor
from .device import device
from .parameter import Parameter
from .size import Size


class Global:
    """A global of torch's that a file names: tm.save writes its name (torch.load looks it
    up); tm.load reads it as `value`, tm's counterpart."""
    __slots__ = ("module", "name", "value")

    def __init__(self, path, value):
        self.module, _, self.name = path.rpartition(".")
        self.value = value


class StorageType:
    """What tm.load reads for torch.<X>Storage: the element type of a saved storage, or None
    for torch's types that tm does not have, so that loading one can say which."""
    __slots__ = ("dtype", "name")

    def __init__(self, dtype, name):
        self.dtype = dtype
        self.name = name


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       metadata=None):
    # torch saves no hooks (backward_hooks is always empty); metadata carries conjugate and
    # negative bits, which tm does not have
    if metadata:
        raise RuntimeError(f"tm.load: a saved tensor has metadata {metadata!r} (conjugate or "
                           f"negative bits), which tensorrt_mini does not support")
    return creation.rebuild_view(Tensor, storage, storage_offset, size, stride, requires_grad)


def _rebuild_parameter(data, requires_grad, backward_hooks):
    if not isinstance(data, Tensor):
        raise TypeError(f"a Parameter's data must be a tensor, not {type(data).__name__}")
    return Parameter(data, requires_grad)


REBUILD_TENSOR = Global("torch._utils._rebuild_tensor_v2", _rebuild_tensor_v2)
REBUILD_PARAMETER = Global("torch._utils._rebuild_parameter", _rebuild_parameter)
STORAGE_TYPES = {d: Global(f"torch.{D.TYPE_NAMES[d.name]}Storage",
                            StorageType(d, f"torch.{D.TYPE_NAMES[d.name]}Storage"))
                 for d in D.ALL}
_MISSING_STORAGES = [Global(path, StorageType(None, path))
                     for path in ("torch.ComplexFloatStorage", "torch.ComplexDoubleStorage",
                                  "torch.storage.UntypedStorage")]
DTYPES = {d: Global(f"torch.{d.name}", d) for d in D.ALL}
SIZE = Global("torch.Size", Size)
DEVICE = Global("torch.device", device)

# What a file may name: torch's names, read as tm's, and the builtins through which
# protocol 2 pickles bytes, sets and complex numbers. weights_only=True allows these only.
ALLOWED = {f"{g.module}.{g.name}": g.value
           for g in (REBUILD_TENSOR, REBUILD_PARAMETER, SIZE, DEVICE,
                     *STORAGE_TYPES.values(), *_MISSING_STORAGES, *DTYPES.values())}
ALLOWED.update({"collections.OrderedDict": OrderedDict, "_codecs.encode": codecs.encode,
                "builtins.set": set, "builtins.complex": complex})
