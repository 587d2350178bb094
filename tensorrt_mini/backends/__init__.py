"""Device backends: one op table per device type, with the same op names.

The Tensor front end checks devices, broadcasts, promotes dtypes and allocates outputs,
then calls the backend of the tensors' device. A backend never sees autograd and never
allocates a result the caller did not ask for (``binary_contig_new`` aside: it allocates
its own, to save a tiny op the calls). Every backend module provides:

Storage
- ``empty(numel, dtype, device) -> Storage``: uninitialised storage.
- ``from_host(array, device) -> Storage``: storage holding a contiguous 1-D numpy array
  (zero-copy where the device is the host).
- ``to_host(t) -> np.ndarray``: the values of view ``t`` as a fresh, C-contiguous numpy
  array of ``t.shape``.
- ``gather_host(t, index_lists) -> np.ndarray``: ``to_host(t)[np.ix_(*index_lists)]``,
  copying only those elements (printing uses it).

Data ops. Operands are Tensors (views); outputs are allocated by the caller and may be
strided (in-place ops write through views). Shapes already agree (inputs are expanded to
the output's shape with stride 0 where they broadcast); inputs share one compute dtype.
- ``copy_(dst, src)``: elementwise copy with dtype conversion.
- ``fill_(dst, value)``.
- ``unary(name, out, x)``.
- ``binary(name, out, a, b)``; ``binary_scalar(name, out, a, value)`` with a Python scalar
  already converted to the compute dtype.
- ``binary_contig_new(name, a, b, n) -> Storage``: fresh storage holding ``binary``'s
  result where a and b are C-contiguous with ``n`` elements each (any storage offsets),
  of one dtype that the result keeps: the tiny-op hot path, the one op that allocates.
- ``where(out, cond, a, b)``.
- ``reduce(name, out, x, dims)`` and ``arg_reduce(name, values, indices, x, dim)``.
- ``matmul(out, a, b)``: batched (..., n, k) @ (..., k, m), batch dims already expanded.
- ``take(out, x, offsets)`` / ``put_(x, offsets, values, accumulate)``: gather and scatter
  through int64 storage offsets (advanced indexing).
- ``uniform_(t, low, high, generator)`` / ``normal_(t, mean, std, generator)``.

Op names are the ones in ``tensorrt_mini.ops.elementwise``.
"""
import importlib

_MODULES = {"cpu": "tensorrt_mini.backends.cpu", "cuda": "tensorrt_mini.backends.cuda"}
loaded = {}  # device type -> backend module, once imported (hot paths read it directly)


def get(device_type):
    """The backend module for a device type; cuda is imported on first use."""
    module = loaded.get(device_type)
    if module is None:
        module = loaded[device_type] = importlib.import_module(_MODULES[device_type])
    return module
