"""Utilities beside the tensor library: `tm.utils.data` (datasets, samplers, DataLoader),
`tm.utils.dlpack` (to_dlpack, from_dlpack)."""
from . import data  # noqa: F401  (tm.utils.data, as torch.utils.data)
from . import dlpack  # noqa: F401  (tm.utils.dlpack, as torch.utils.dlpack)
