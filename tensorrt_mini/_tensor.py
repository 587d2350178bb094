"""The Tensor: sizes, strides and a storage offset over a flat Storage.

Everything here is device-agnostic metadata; data ops go through `ops/` to the backend
of the tensor's device.
"""
import math

from . import backends
from . import dtypes as D
from .device import CPU, as_device
from .layout import contiguous_strides, dense_strides_like, is_contiguous, wrap_dim
from .names import NAMESPACE
from .printing import format_tensor
from .size import Size


class Tensor:
    # Set only where autograd needs them, and read with a default: _port, where the
    # gradient of an output of a node with several outputs enters (autograd.Function);
    # _custom_view, why an autograd.Function output that is a view may not be written in
    # place; _view_version, the storage version a view's grad_fn was made at;
    # _grad_acc, a leaf's AccumulateGrad (weakly); _hooks, a leaf's hooks
    # _post_acc_hooks, a leaf's hooks run after its gradient is accumulated into .grad
    __slots__ = ("_storage", "_shape", "_stride", "_offset", "_dtype", "_requires_grad",
                 "_grad", "grad_fn", "_retains_grad", "_base", "_port", "_custom_view",
                 "_post_acc_hooks",
                 "_view_version", "_grad_acc", "_hooks", "__weakref__")

    # --- metadata ----------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._shape)
        return self._shape[wrap_dim(dim, len(self._shape))]

    def stride(self, dim=None):
        if dim is None:
            return self._stride
        return self._stride[wrap_dim(dim, len(self._shape))]

    def storage_offset(self):
        return self._offset

    def storage(self):
        return self._storage

    def untyped_storage(self):
        return self._storage

    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return self._storage.device

    @property
    def is_cuda(self):
        return self._storage.device.type == "cuda"

    @property
    def is_cpu(self):
        return self._storage.device.type == "cpu"

    @property
    def ndim(self):
        return len(self._shape)

    def dim(self):
        return len(self._shape)

    ndimension = dim

    def numel(self):
        return math.prod(self._shape)

    nelement = numel

    def element_size(self):
        return self._dtype.itemsize

    def is_floating_point(self):
        return self._dtype.is_floating_point

    def is_contiguous(self, memory_format=None):
        return is_contiguous(self._shape, self._stride)

    def data_ptr(self):
        return self._storage.data_ptr() + self._offset * self._dtype.itemsize

    def __len__(self):
        if not self._shape:
            raise TypeError("len() of a 0-d tensor")
        return self._shape[0]

    # --- autograd-facing attributes (the graph itself lives in tensorrt_mini.autograd) ---
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a "
                    "computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach().")
            return self
        if requires_grad and self._dtype.category < 2:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            _check_grad(self, value)
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def data(self):
        """The values without autograd: a detached tensor sharing the memory."""
        return self.detach()

    @data.setter
    def data(self, value):
        """Points this tensor at another tensor's memory, sizes and dtype, keeping its
        autograd identity (a Parameter stays a leaf that requires grad)."""
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__}")
        self._storage = value._storage
        self._shape = value._shape
        self._stride = value._stride
        self._offset = value._offset
        self._dtype = value._dtype

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def detach(self):
        return _new(self._storage, self._shape, self._stride, self._offset)

    def detach_(self):
        if self._base is not None and self._base._requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def _version(self):
        return self._storage._version

    # --- printing ------------------------------------------------------------------------
    def __repr__(self):
        return format_tensor(self)

    __str__ = __repr__

    def __format__(self, spec):
        if not self._shape:
            return format(self.item(), spec)
        return repr(self)

    def _gather_host(self, index_lists):
        """The values at index_lists, as numbers (bfloat16 bits become float32)."""
        return D.host_values(backends.get(self._storage.device.type).gather_host(self, index_lists),
                             self._dtype)

    def _host_values(self):
        """The values as a numpy array of numbers (bfloat16 bits become float32)."""
        return D.host_values(backends.get(self._storage.device.type).to_host(self), self._dtype)

    # --- interop -------------------------------------------------------------------------
    def numpy(self, *, force=False):
        if self._dtype is D.bfloat16:  # numpy has no bfloat16
            raise TypeError("Got unsupported ScalarType BFloat16")
        if self._storage.device.type != "cpu":
            if not force:
                raise TypeError(
                    f"can't convert {self._storage.device.type}:{self._storage.device.index} device "
                    "type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.")
            return backends.get(self._storage.device.type).to_host(self)
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        view = backends.get("cpu").numpy_view(self)
        if self._storage.read_only:  # shared with a read-only owner: numpy may not write it
            view.flags.writeable = False
        return view

    # __array__, __array_interface__, __array_wrap__, __dlpack__ and
    # __cuda_array_interface__ are bound by tensorrt_mini.interop

    def tolist(self):
        return self._host_values().tolist()

    def item(self):
        n = self.numel()
        if n != 1:
            raise RuntimeError(f"a Tensor with {n} elements cannot be converted to Scalar")
        return self._host_values().reshape(()).item()

    def __bool__(self):
        n = self.numel()
        if n != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous"
                               if n > 1 else "Boolean value of Tensor with no values is ambiguous")
        return bool(self.item())

    def __float__(self):
        return float(self._scalar())

    def __int__(self):
        return int(self._scalar())

    def _scalar(self):
        if self.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.item()

    def __index__(self):
        if self._dtype.category != 1 or self._shape:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __hash__(self):
        return id(self)

    def __iter__(self):
        if not self._shape:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    # --- conversion (`to`, `contiguous`, `clone` and `copy_` are bound in tensor_methods) --
    def cpu(self):
        return self.to(CPU)

    def cuda(self, device=None, non_blocking=False):
        return self.to("cuda" if device is None else as_device(device if not isinstance(device, int)
                                                                else f"cuda:{device}"),
                       non_blocking=non_blocking)

    def type(self, dtype=None):
        if dtype is None:
            prefix = "cuda." if self.is_cuda else ""
            return f"{NAMESPACE}.{prefix}{D.TYPE_NAMES[self._dtype.name]}Tensor"
        return self.to(dtype)

    def float(self):
        return self.to(D.float32)

    def double(self):
        return self.to(D.float64)

    def long(self):
        return self.to(D.int64)

    def int(self):
        return self.to(D.int32)

    def short(self):
        return self.to(D.int16)

    def char(self):
        return self.to(D.int8)

    def byte(self):
        return self.to(D.uint8)

    def bool(self):
        return self.to(D.bool_)

    def half(self):
        return self.to(D.float16)

    def bfloat16(self):
        return self.to(D.bfloat16)




# C++'s names of the element types, which torch's grad-assignment errors print
_CPP_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
              "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
              "bool": "bool", "float16": "c10::Half", "bfloat16": "c10::BFloat16"}


def _check_grad(t, g):
    """torch's checks on `t.grad = g`: a kernel that reads .grad (an optimizer's step) may
    then trust its size, dtype and device."""
    if not isinstance(g, Tensor):
        raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                        f"{type(g).__name__}")
    if g._dtype is not t._dtype:
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{_CPP_NAMES[g._dtype.name]}' to a "
            f"tensor with grad_dtype '{D.TYPE_NAMES[t._dtype.name]}'. The gradient must match "
            f"the tensor's grad_dtype (defaults to the tensor's dtype).")
    if g._storage.device != t._storage.device:
        raise RuntimeError(
            f"attempting to assign a gradient with device type '{g._storage.device.type}' to a "
            f"tensor with device type '{t._storage.device.type}'. Please ensure that the "
            f"gradient and the tensor are on the same device")
    if g._shape != t._shape:
        raise RuntimeError(
            f"attempting to assign a gradient of size '{list(g._shape)}' to a tensor of size "
            f"'{list(t._shape)}'. Please ensure that the gradient and the tensor are the same "
            f"size")


# --- construction helpers used by every op --------------------------------------------

def _new(storage, shape, stride, offset=0, cls=Tensor):
    t = object.__new__(cls)
    t._storage = storage
    t._shape = shape
    t._stride = stride
    t._offset = offset
    t._dtype = storage.dtype
    t._requires_grad = False
    t._grad = None
    t.grad_fn = None
    t._retains_grad = False
    t._base = None
    return t


def make_view(base, shape, stride, offset):
    """A tensor sharing base's storage; `_base` points at the tensor that owns the memory."""
    t = _new(base._storage, tuple(shape), tuple(stride), offset)
    t._base = base._base if base._base is not None else base
    return t


def empty_tensor(shape, dtype, device):
    """A fresh contiguous tensor."""
    shape = tuple(shape)
    stride, n = contiguous_layouts.get(shape) or contiguous_layout(shape)
    storage = (backends.loaded.get(device.type) or backends.get(device.type)).empty(n, dtype, device)
    return _new(storage, shape, stride, 0)


def empty_strided_like(shape, dtype, device, like=None):
    """A fresh tensor of `shape`; when `like` has that shape, the result keeps like's memory
    order (a transposed input gives a transposed output), as PyTorch's ops do."""
    stride, n = contiguous_layouts.get(shape) or contiguous_layout(shape)
    storage = (backends.loaded.get(device.type) or backends.get(device.type)).empty(n, dtype, device)
    if like is not None and like._stride != stride and n > 1:
        stride = dense_strides_like(like._shape, like._stride)
    return _new(storage, shape, stride, 0)


# shape -> (contiguous strides, numel): every op allocates, and most shapes repeat. Hot
# paths read the dict first and call contiguous_layout() only on a miss.
contiguous_layouts = {}


def contiguous_layout(shape):
    """(contiguous strides, numel) of shape (a tuple)."""
    layout = contiguous_layouts.get(shape)
    if layout is None:
        layout = (contiguous_strides(shape), math.prod(shape))
        if len(contiguous_layouts) < 4096:
            contiguous_layouts[shape] = layout
    return layout


def clone_raw(t):
    """A copy of t's values in a fresh tensor with t's memory order (no autograd)."""
    out = empty_strided_like(t._shape, t._dtype, t._storage.device, t)
    backends.get(t._storage.device.type).copy_(out, t)
    return out


def transfer_raw(t, device, non_blocking=False):
    """t's values on another device (contiguous), through host memory; non_blocking: a copy
    to the GPU may still run when this returns (from pinned memory, as in torch)."""
    host = backends.get(t._storage.device.type).to_host(t)
    storage = backends.get(device.type).from_host(host.reshape(-1), device, non_blocking,
                                                  dtype=t._dtype)
    return _new(storage, tuple(t._shape), contiguous_strides(t._shape), 0)

