"""The host buffer pool: a large storage that dies unshared lends its buffer to the next
allocation of its size; one that anything still references is never reused."""
import gc

import numpy as np
import pytest

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


def test_a_storage_the_cycle_collector_finalises_is_not_pooled():
    """A finaliser may resurrect what the collector was about to free: such memory must
    not be lent out."""
    cpu_memory.release()
    kept = []

    class Holder:
        def __del__(self):
            kept.append(self.t)

    holder = Holder()
    holder.t = tm.full((BIG,), 1.0)
    holder.me = holder
    del holder
    gc.collect()
    others = [tm.full((BIG,), 7.0) for _ in range(3)]
    assert float(kept[0][0]) == 1.0
    del others


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_an_unpickled_storage_dies_quietly():
    import pickle
    storage = pickle.loads(pickle.dumps(tm.ones(BIG).untyped_storage()))
    assert storage.size() == BIG
    del storage
    gc.collect()


def test_old_pickles_find_the_rebuild_function():
    from tensorrt_mini import _tensor, creation
    assert _tensor._rebuild is creation.rebuild
