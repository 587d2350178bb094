"""Tensors past 2^31 elements: element offsets must be 64-bit in every kernel family
(elementwise contiguous and strided, the tiled transpose, reductions, gather and scatter).

A 32-bit index wraps at 2^31, so each check reads or writes elements beyond that point
and compares them with values placed there. They take several GiB, so the CPU run (int8:
2 GiB a tensor) is part of the slow sweep, and the GPU run (float32: 8.6 GB a tensor)
part of bench/gpu_check.sh.
"""
import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime

ROWS, COLS = 32769, 65536  # a matrix view of the whole tensor, for the transpose
N = ROWS * COLS  # 2^31 + 2^16
FAR = (1 << 31) + 5  # an element past int32's reach


def _check_past_int32(device, dtype):
    x = tm.zeros(N, dtype=dtype, device=device)
    x[N - 1] = 3
    x[FAR] = 2
    y = x + 1  # contiguous elementwise
    assert (y[0].item(), y[FAR].item(), y[N - 1].item()) == (1, 3, 4)
    del y
    z = x[1::2] * 2  # strided elementwise: N - 1 and FAR are odd, so both are in the view
    assert z[-1].item() == 6 and z[(FAR - 1) // 2].item() == 4 and z[FAR // 2 + 1].item() == 0
    del z
    assert x.sum().item() == 5
    m = x.view(ROWS, COLS)
    rows = m.sum(1)  # the last row holds both placed values
    assert rows[-1].item() == 5 and rows[-2].item() == 0 and x.amax().item() == 3 and x.argmax().item() == N - 1
    t = m.t().contiguous()  # the tiled transpose
    assert t[COLS - 1, ROWS - 1].item() == 3 and t[FAR % COLS, FAR // COLS].item() == 2
    del t
    picked = x[tm.tensor([N - 1, FAR, 0], device=device)]  # gather
    assert picked.tolist() == [3, 2, 0]
    x[tm.tensor([N - 2], device=device)] = 7  # scatter
    assert x[N - 2].item() == 7 and x.sum().item() == 12


@pytest.mark.slow
def test_cpu_int8_tensor_past_int32_elements():
    _check_past_int32("cpu", tm.int8)


def _real_gpu():
    from tensorrt_mini.kernels.cuda import compiler
    return cuda_runtime.is_available() and not compiler.SIMULATOR


@pytest.mark.gpu
@pytest.mark.skipif(not _real_gpu(), reason="needs a real GPU (NUMBA_ENABLE_CUDASIM=0)")
def test_gpu_float32_tensor_past_int32_elements():
    _check_past_int32("cuda", tm.float32)
