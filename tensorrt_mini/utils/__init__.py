"""Utilities beside the tensor library: `tm.utils.data` (datasets, samplers, DataLoader)."""
from . import data  # noqa: F401  (tm.utils.data, as torch.utils.data)
