"""`tm.cuda`: the questions PyTorch users ask of `torch.cuda` before choosing a device.

    device = "cuda" if tm.cuda.is_available() else "cpu"

tensorrt_mini runs on one CUDA device, cuda:0, so at most one device is counted. Nothing
here imports CuPy or numba.cuda until a function is called.
"""
from .amp import deprecated_cuda as amp  # noqa: F401  (torch.cuda.amp: GradScaler, autocast)
from .backends import cuda_runtime
from .errors import OutOfMemoryError  # noqa: F401  (torch.cuda.OutOfMemoryError)


def is_available():
    """Whether device='cuda' can run here (a GPU with CuPy, or Numba's CUDA simulator).
    Never raises: cuda_runtime.unavailable() says what is missing."""
    return cuda_runtime.is_available()


def device_count():
    return 1 if is_available() else 0


def current_device():
    cuda_runtime.runtime()  # raises, saying what is missing, when there is no device
    return 0


def get_device_name(device=None):
    return cuda_runtime.runtime().device_name()


def synchronize(device=None):
    """Wait for every kernel queued so far (ops return before the GPU has run them)."""
    cuda_runtime.runtime().synchronize()
