"""The namespace that reprs print.

Reprs mirror PyTorch's text exactly (`torch.Size([2, 2])`, `torch.float32`,
`[torch.FloatStorage of size 6]`), so that a lesson written for PyTorch prints the same
output with tensorrt_mini: that is the project's compatibility promise.
"""
NAMESPACE = "torch"
