"""`Size`: the tuple of a tensor's sizes, printed as PyTorch prints it."""
from .names import NAMESPACE


class Size(tuple):
    __slots__ = ()

    def __repr__(self):
        return f"{NAMESPACE}.Size({list(self)})"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, i):
        out = tuple.__getitem__(self, i)
        return Size(out) if isinstance(i, slice) else out

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))
