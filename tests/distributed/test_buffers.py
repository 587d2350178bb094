"""HostBuffer: what the MPI backend reads and writes for a tensor (no MPI needed)."""
import numpy as np

import tensorrt_mini as tm
from tensorrt_mini.distributed.buffers import HostBuffer


def test_a_contiguous_cpu_tensor_is_passed_zero_copy():
    t = tm.arange(12, dtype=tm.float32).reshape(3, 4)[1:]  # contiguous, at an offset
    buf = HostBuffer(t)
    assert not buf.staged
    assert np.shares_memory(buf.array, t._storage.array)
    version = t._version
    buf.array[:] = 7  # what MPI writes
    buf.written()
    assert t.tolist() == [[7.0] * 4] * 2 and t._version > version


def test_other_strides_go_through_a_copy_written_back():
    base = tm.arange(12, dtype=tm.int64).reshape(3, 4)
    t = base.t()[::2]  # (2, 3), stepped and transposed
    buf = HostBuffer(t)
    assert buf.staged and not np.shares_memory(buf.array, base._storage.array)
    assert buf.array.tolist() == [0, 4, 8, 2, 6, 10]
    buf.array *= 10
    buf.written()
    assert t.tolist() == [[0, 40, 80], [20, 60, 100]]
    assert base.tolist() == [[0, 1, 20, 3], [40, 5, 60, 7], [80, 9, 100, 11]]


def test_half_dtypes_reduce_as_float32_and_move_as_their_bits():
    t = tm.tensor([1.5, -2.25, 3.0], dtype=tm.bfloat16)
    moved = HostBuffer(t)
    assert moved.array.dtype == np.uint16 and not moved.staged  # the stored bits, zero-copy
    reduced = HostBuffer(t, compute=True)
    assert reduced.staged and reduced.array.dtype == np.float32
    assert reduced.array.tolist() == [1.5, -2.25, 3.0]
    reduced.array *= 2
    reduced.written()
    assert t.tolist() == [3.0, -4.5, 6.0]
    h = tm.tensor([0.5, 1.0], dtype=tm.float16)
    assert HostBuffer(h, compute=True).array.dtype == np.float32
    assert HostBuffer(tm.ones(2), compute=True).staged is False  # float32: zero-copy


def test_a_cuda_tensor_is_staged_through_the_host():
    from tensorrt_mini.backends import cuda_runtime
    if not cuda_runtime.is_available():
        import pytest
        pytest.skip("no cuda device, simulated or real")
    t = tm.arange(6, dtype=tm.float32, device="cuda").reshape(2, 3)
    buf = HostBuffer(t)
    assert buf.staged and buf.array.tolist() == [0, 1, 2, 3, 4, 5]
    buf.array[:] = -1
    buf.written()
    assert t.device.type == "cuda" and t.tolist() == [[-1.0] * 3] * 2
