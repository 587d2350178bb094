"""Interop with the Python array ecosystem: DLPack (`tm.from_dlpack`,
`Tensor.__dlpack__`), NumPy's protocols and the CUDA array interface. Importing the
package binds the protocols onto Tensor."""
from .._tensor import Tensor
from . import cuda_array_interface as _cai
from . import dlpack as _dlpack
from . import numpy_protocols as _np


def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    return _dlpack.to_dlpack(self, stream=stream, max_version=max_version,
                             dl_device=dl_device, copy=copy)


def __dlpack_device__(self):
    return _dlpack.dlpack_device(self)


def __array__(self, dtype=None, copy=None):
    return _np.array(self, dtype, copy)


def __array_wrap__(self, array, context=None, return_scalar=False):
    return _np.array_wrap(self, array, context, return_scalar)


Tensor.__dlpack__ = __dlpack__
Tensor.__dlpack_device__ = __dlpack_device__
Tensor.__array__ = __array__
Tensor.__array_wrap__ = __array_wrap__
Tensor.__array_interface__ = property(_np.array_interface)
Tensor.__array_priority__ = 1000  # numpy scalars on the left defer to the tensor, as torch's
Tensor.__cuda_array_interface__ = property(_cai.cuda_array_interface)
