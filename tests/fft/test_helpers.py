"""tm.fft's helpers (fft/helpers.py) against torch.fft."""
import pytest

from tests.oracle import same_as_torch


@pytest.mark.parametrize("expr", [
    "lib.fft.fftfreq(4)", "lib.fft.fftfreq(5, 0.1)", "lib.fft.fftfreq(1)", "lib.fft.fftfreq(0)",
    "lib.fft.fftfreq(4, dtype=lib.float64)", "lib.fft.fftfreq(4, dtype=lib.int64)",
    "lib.fft.fftfreq(3, requires_grad=True)",
    "lib.fft.rfftfreq(5, 0.1)", "lib.fft.rfftfreq(6)", "lib.fft.rfftfreq(1, dtype=lib.float64)",
    "lib.fft.fftshift(lib.arange(5))", "lib.fft.ifftshift(lib.arange(5))",
    "lib.fft.fftshift(lib.arange(12).reshape(3, 4))",
    "lib.fft.ifftshift(lib.arange(12).reshape(3, 4), dim=1)",
    "lib.fft.fftshift(lib.arange(12).reshape(3, 4).t(), dim=(0,))",
    "lib.fft.fftshift(lib.tensor(3.))", "lib.fft.ifftshift(lib.fft.fftshift(lib.arange(7)))",
    "lib.fft.fftshift(lib.fft.fftfreq(6))",
])
def test_as_torch(expr):
    same_as_torch(expr)
