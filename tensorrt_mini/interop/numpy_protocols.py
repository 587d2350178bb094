"""NumPy's protocols on Tensor: `__array__`, `__array_interface__`, `__array_wrap__` and
`__array_priority__`, decided as torch 2.13 decides them.

- `np.asarray(t)` of a cpu tensor shares t's memory whatever its strides (transposed,
  stepped, expanded), through `__array_interface__`; `__array__` follows NumPy 2's copy
  rules. Neither hands out a tensor that requires grad, nor a cuda tensor's memory: those
  raise torch's errors (a cuda tensor is never copied to the host behind the user's back).
- Tensor has no `__array_ufunc__`, as torch has none, and a high `__array_priority__`: a
  NumPy scalar on the left (`np.float32(2) * t`) defers to the tensor, which takes it as a
  Python number; a ufunc (`np.add(t, 1)`) computes in NumPy on the shared memory and
  `__array_wrap__` turns its result into a tensor (bool results as uint8, as torch's).
- A binary operator with an ndarray operand returns NotImplemented (tensor_methods), so
  `t + ndarray` is computed by NumPy's reflected operator and wrapped (NumPy's promotion:
  float32 + float64 array -> float64), and `ndarray + t` raises TypeError, as in torch.
"""
import numpy as np

from .. import dtypes as D

_GRAD = ("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
         "instead.")


def _host_view(t, copy):
    """t's memory as a numpy array, or torch's error for a tensor numpy may not read."""
    if t._storage.device.type != "cpu":
        if copy is False:
            raise ValueError(f"Unable to avoid copy while creating an array as requested: "
                             f"the tensor is on {t.device}, and NumPy reads host memory")
        dev = t._storage.device
        raise TypeError(f"can't convert {dev.type}:{dev.index} device type tensor to numpy. Use "
                        "Tensor.cpu() to copy the tensor to host memory first.")
    if t._requires_grad:
        raise RuntimeError(_GRAD)
    if t._dtype is D.bfloat16:  # numpy has no bfloat16
        raise TypeError("Got unsupported ScalarType BFloat16")
    from ..backends import cpu
    view = cpu.numpy_view(t)
    if t._storage.read_only:
        view = view.view()
        view.flags.writeable = False
    return view


def array(t, dtype=None, copy=None):
    """Tensor.__array__: t's memory (copy=None), a copy (copy=True), or ValueError where
    sharing is impossible and copy=False (a cuda tensor, another dtype)."""
    view = _host_view(t, copy)
    if dtype is not None and np.dtype(dtype) != view.dtype:
        if copy is False:
            raise ValueError(f"Unable to avoid copy while creating an array as requested: "
                             f"{t.dtype} values converted to {np.dtype(dtype)}")
        return view.astype(dtype)
    return view.copy() if copy else view


def array_interface(t):
    """Tensor.__array_interface__ (version 3) of a cpu tensor: its own strides, so that
    np.asarray of any view shares its memory. A cuda or bfloat16 tensor has none."""
    if t._storage.device.type != "cpu":
        raise AttributeError(f"a tensor on {t.device} has no __array_interface__ (NumPy reads "
                             "host memory): call .cpu() first")
    if t._dtype is D.bfloat16:
        raise AttributeError("a bfloat16 tensor has no __array_interface__: NumPy has no "
                             "bfloat16")
    if t._requires_grad:
        raise RuntimeError(_GRAD)
    item = t._dtype.itemsize
    data = t.data_ptr() if 0 not in t._shape else t._storage.data_ptr()
    return {"shape": tuple(t._shape), "typestr": t._dtype.np.str,
            "strides": tuple(s * item for s in t._stride),
            "data": (data, t._storage.read_only), "version": 3}


def array_wrap(t, array, context=None, return_scalar=False):
    """Tensor.__array_wrap__: a ufunc's result as a tensor sharing its memory (a 0-d
    result stays a 0-d tensor). Bool becomes uint8, as torch's wrap does."""
    from ..creation import from_numpy
    array = np.asarray(array)
    return from_numpy(array.astype(np.uint8) if array.dtype == np.bool_ else array)
