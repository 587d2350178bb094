"""nn.Parameter (defined beside the Tensor: see tensorrt_mini/parameter.py)."""
from ..parameter import Parameter  # noqa: F401
