"""Namespace calls on cuda arrays (the simulator in CI): results stay on the device."""
import numpy as np
import pytest

import tensorrt_mini.array_api as xp
from tensorrt_mini.backends import cuda_runtime

pytestmark = pytest.mark.cuda


@pytest.fixture
def cuda():
    if not cuda_runtime.is_available():
        pytest.skip("no cuda device (nor the simulator)")
    return "cuda"


def on_cuda(t):
    return t.device.type == "cuda"


def test_creation_and_promotion_on_cuda(cuda):
    x = xp.asarray([1, 2, 3], dtype=xp.int8, device=cuda)
    assert on_cuda(x) and x.__array_namespace__() is xp
    out = xp.add(x, xp.asarray(5, dtype=xp.int64, device=cuda))
    assert on_cuda(out) and out.dtype is xp.int64 and out.tolist() == [6, 7, 8]
    assert on_cuda(xp.multiply(x, 2)) and xp.multiply(x, 2).tolist() == [2, 4, 6]
    eye = xp.eye(2, 3, k=1, device=cuda)
    assert on_cuda(eye) and eye.tolist() == np.eye(2, 3, 1).tolist()
    assert on_cuda(xp.arange(3, 1, device=cuda))  # the empty range too


def test_reductions_and_searches_on_cuda(cuda):
    x = xp.asarray([[3.0, -1.0], [2.0, 8.0]], device=cuda)
    s = xp.sum(x, axis=0, keepdims=True)
    assert on_cuda(s) and s.tolist() == [[5.0, 7.0]]
    a = xp.argmax(x, keepdims=True)
    assert on_cuda(a) and a.tolist() == [[3]]
    t = xp.take(x, xp.asarray([-1], device=cuda), axis=1)
    assert on_cuda(t) and t.tolist() == [[-1.0], [8.0]]
    c = xp.concat([x, xp.ones((1, 2), dtype=xp.float64, device=cuda)], axis=0)
    assert on_cuda(c) and c.dtype is xp.float64 and c.shape == (3, 2)


def test_sets_and_repeat_return_to_cuda(cuda):
    x = xp.asarray([2, 1, 2], device=cuda)
    values, indices, inverse, counts = xp.unique_all(x)
    assert all(on_cuda(t) for t in (values, indices, inverse, counts))
    assert values.tolist() == [1, 2] and counts.tolist() == [1, 2]
    r = xp.repeat(x, 2)
    assert on_cuda(r) and r.tolist() == [2, 2, 1, 1, 2, 2]
