"""Padding layers: each keeps its padding as a tuple of 2, 4 or 6 ints (an int repeated) and
calls F.pad with its mode."""
from collections.abc import Iterable

from ...ops.padding import pad
from ..module import Module


def _padding(value, count):
    return tuple(value) if isinstance(value, Iterable) else (value,) * count


class _PadNd(Module):
    _mode = None
    _sides = 2  # ints in the padding: two per padded dim

    def __init__(self, padding):
        super().__init__()
        self.padding = _padding(padding, self._sides)

    def forward(self, input):
        return pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    _mode = "constant"

    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    pass


class ConstantPad2d(_ConstantPadNd):
    _sides = 4


class ConstantPad3d(_ConstantPadNd):
    _sides = 6


class _ZeroPad:
    """ConstantPadNd with value 0.0, shown as its padding alone."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad1d(_ZeroPad, ConstantPad1d):
    pass


class ZeroPad2d(_ZeroPad, ConstantPad2d):
    pass


class ZeroPad3d(_ZeroPad, ConstantPad3d):
    pass


class ReflectionPad1d(_PadNd):
    _mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    _sides = 4


class ReflectionPad3d(ReflectionPad1d):
    _sides = 6


class ReplicationPad1d(_PadNd):
    _mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    _sides = 4


class ReplicationPad3d(ReplicationPad1d):
    _sides = 6


class _CircularPadNd(_PadNd):
    """torch checks the input's rank here: the padded dims, and an optional batch dim."""
    _mode = "circular"

    def forward(self, input):
        dims = self._sides // 2
        if input.dim() not in (dims + 1, dims + 2):
            raise ValueError(f"expected {dims + 1}D or {dims + 2}D input (got {input.dim()}D "
                             "input)")
        return super().forward(input)


class CircularPad1d(_CircularPadNd):
    pass


class CircularPad2d(_CircularPadNd):
    _sides = 4


class CircularPad3d(_CircularPadNd):
    _sides = 6
