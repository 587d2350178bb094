"""CUDA kernels written in Python (shipped as tensorrt_mini.kernels.cuda).

Compute only: these modules import numpy, numba and (through `compiler`, the only module
that imports numba.cuda) numba-cuda, never tensorrt_mini or CuPy. Each kernel factory
returns a `compiler.Kernel`; `compiler.ptx` turns it into PTX for CuPy to launch, and
`compiler.simulate` runs it under Numba's CUDA simulator.

- elementwise: out = op(a, b, c) over contiguous, strided and tiled (transposed) layouts
- ops: the scalar ops, with PyTorch's semantics; fmath: float math for both modes
- reduce, argreduce: reductions over one dimension, with split-and-combine passes
- index: gather/scatter through storage offsets; philox: uniform_ and normal_
- flash_attention: fused attention forward and backward (FlashAttention-2's scheme)
- intrinsics: vector loads/stores and pointer-or-scalar operands; geometry: block shapes
"""
