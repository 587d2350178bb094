"""tm.nn.parallel: data parallelism over processes (DistributedDataParallel)."""
from .distributed import DistributedDataParallel  # noqa: F401
