"""The host buffer pool: a large storage that dies unshared lends its buffer to the next
allocation of its size; one that anything still references is never reused."""
import gc

import numpy as np

import tensorrt_mini as tm
from tensorrt_mini.backends import cpu_memory

BIG = cpu_memory.POOL_MIN // 4  # float32 elements in one pooled buffer


def _address(t):
    return t.data_ptr()


def test_a_dead_large_buffer_is_reused():
    cpu_memory.release()
    a = tm.empty(BIG)
    where = _address(a)
    del a
    gc.collect()
    b = tm.ones(BIG)
    assert _address(b) == where
    assert float(b.sum()) == BIG  # a reused buffer holds what was written to it


def test_a_buffer_with_a_numpy_view_is_not_reused():
    cpu_memory.release()
    a = tm.full((BIG,), 3.0)
    view = a.numpy()
    where = _address(a)
    del a
    gc.collect()
    b = tm.zeros(BIG)
    assert _address(b) != where
    assert (view == 3.0).all()  # the view's memory was left alone


def test_small_storages_are_not_pooled():
    cpu_memory.release()
    small = tm.empty(16)
    assert type(small.untyped_storage()) is not cpu_memory.PooledStorage
    del small
    assert cpu_memory._held == 0


def test_the_pool_is_bounded(monkeypatch):
    cpu_memory.release()
    monkeypatch.setattr(cpu_memory, "POOL_MAX", cpu_memory.POOL_MIN)
    tensors = [tm.empty(BIG) for _ in range(3)]
    del tensors
    gc.collect()
    assert cpu_memory._held == cpu_memory.POOL_MIN
    cpu_memory.release()
    assert cpu_memory._held == 0 and not any(cpu_memory._free.values())


def test_pooled_results_are_right_across_ops():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(BIG).astype(np.float32)
    t = tm.from_numpy(x)
    for _ in range(3):  # each result lands in the buffer the previous one freed
        np.testing.assert_allclose(np.asarray(tm.exp(t)), np.exp(x), rtol=4e-7)
        np.testing.assert_array_equal(np.asarray(t + t), x + x)
