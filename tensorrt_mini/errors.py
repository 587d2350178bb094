"""Exception types of torch's that tm raises under the same names."""


class OutOfMemoryError(RuntimeError):
    """A device allocation failed even after the memory pool gave back its cached blocks
    (torch.OutOfMemoryError, also reachable as tm.cuda.OutOfMemoryError)."""


class LinAlgError(RuntimeError):
    """A linear-algebra routine could not complete for the input's values: a singular
    matrix, one that is not positive-definite (torch.linalg.LinAlgError, also reachable as
    tm.linalg.LinAlgError)."""
