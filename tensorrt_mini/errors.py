"""Exception types of torch's that tm raises under the same names."""


class OutOfMemoryError(RuntimeError):
    """A device allocation failed even after the memory pool gave back its cached blocks
    (torch.OutOfMemoryError, also reachable as tm.cuda.OutOfMemoryError)."""
