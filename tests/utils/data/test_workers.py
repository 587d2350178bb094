"""DataLoader with worker processes (worker.py, worker_pool.py): results in sampler order,
worker info and seeds, iterable sharding, persistent workers, and the failures: a worker's
exception with its traceback, a timeout, a killed worker. Few and tiny (each loader
starts processes)."""
import os
import signal
import time

import pytest

import tensorrt_mini as tm
from tensorrt_mini.utils import data as D

pytestmark = pytest.mark.filterwarnings("ignore:This DataLoader will create")


class WhoLoads(D.Dataset):
    """Sample i: (i, the id of the worker that loaded it, that worker's draw from tm's
    default generator after seeding)."""

    def __len__(self):
        return 12

    def __getitem__(self, i):
        info = D.get_worker_info()
        return tm.tensor([i, info.id, int(tm.randint(0, 1 << 30, ()))])


def test_workers_give_batches_in_order_and_seed_each_worker():
    inits = []
    loader = D.DataLoader(WhoLoads(), batch_size=2, num_workers=2,
                          worker_init_fn=inits.append)  # runs in the workers: ours stays empty
    rows = [r for b in loader for r in b.tolist()]
    assert [r[0] for r in rows] == list(range(12))
    assert [r[1] for r in rows] == [0, 0, 1, 1] * 3  # round-robin, one batch each
    assert inits == [] and D.get_worker_info() is None
    # a worker's default generator is seeded with base_seed + its id
    first = {r[1]: r[2] for r in reversed(rows)}
    assert first[0] != first[1]


class Shards(D.IterableDataset):
    def __iter__(self):
        info = D.get_worker_info()
        assert info.num_workers == 2 and isinstance(info.dataset, Shards)
        with pytest.raises(Exception, match="cannot assign"):
            info.id = 5
        return iter(range(info.id, 7, info.num_workers))


def test_iterable_dataset_shards_through_worker_info_with_persistent_workers():
    loader = D.DataLoader(Shards(), batch_size=2, num_workers=2, persistent_workers=True)
    for _ in range(2):  # the second epoch reuses the workers, which start their iterators over
        assert [b.tolist() for b in loader] == [[0, 2], [1, 3], [4, 6], [5]]
    pids = {w.pid for w in loader._iterator._pool._workers}
    list(loader)
    assert {w.pid for w in loader._iterator._pool._workers} == pids


class Fails(D.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 3:
            raise ValueError(f"bad sample {i}")
        return i


def test_a_worker_exception_is_raised_again_with_its_traceback():
    loader = D.DataLoader(Fails(), batch_size=2, num_workers=2)
    it = iter(loader)
    assert next(it).tolist() == [0, 1]
    with pytest.raises(ValueError) as e:
        next(it)
    message = str(e.value)
    assert message.startswith("Caught ValueError in DataLoader worker process 1.\n"
                              "Original Traceback (most recent call last):\n")
    assert "in __getitem__" in message and message.endswith("ValueError: bad sample 3\n")


class Slow(D.Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        time.sleep(1.0)
        return i


def test_timeout_raises_torchs_error():
    loader = D.DataLoader(Slow(), batch_size=1, num_workers=2, timeout=0.1)
    with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0.1 seconds$"):
        next(iter(loader))


class Dies(D.Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        os.kill(os.getpid(), signal.SIGKILL)


def test_a_killed_worker_raises_instead_of_hanging():
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid \d+\) is killed by signal: "
                                           r"Killed"):
        next(iter(D.DataLoader(Dies(), batch_size=1, num_workers=2)))
    assert time.monotonic() - start < 10


class Seeds:
    """Sample: the loading worker's id and seed, and a draw from its default generator."""

    def __init__(self, lib):
        self.lib = lib

    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = self.lib.utils.data.get_worker_info()
        return self.lib.tensor([info.id, info.seed % (1 << 62), int(self.lib.randint(0, 1000, ()))])


def test_worker_seeds_and_their_draws_match_torchs():
    torch = pytest.importorskip("torch")
    got = {}
    for lib in (tm, torch):
        lib.manual_seed(0)
        got[lib] = [b.tolist() for b in lib.utils.data.DataLoader(Seeds(lib), batch_size=2,
                                                                  num_workers=2)]
    assert got[tm] == got[torch]


def test_exception_wrapper_keeps_the_type_or_falls_back_to_runtime_error():
    from tensorrt_mini.utils.data.worker import ExceptionWrapper

    class TwoArgs(Exception):
        def __init__(self, a, b):
            super().__init__(a, b)

    for error, raised in ((KeyError("k"), KeyError), (TwoArgs(1, 2), RuntimeError)):
        try:
            raise error
        except Exception:
            wrapped = ExceptionWrapper(where="in DataLoader worker process 0")
        with pytest.raises(raised) as e:
            wrapped.reraise()
        text = str(e.value)  # a KeyError prints its message as is, not its repr
        assert text.startswith(f"Caught {type(error).__name__} in DataLoader worker process 0."
                               "\nOriginal Traceback (most recent call last):\n")


def test_out_of_order_results_when_asked():
    loader = D.DataLoader(Slowest(), batch_size=1, num_workers=2, in_order=False)
    assert [b.item() for b in loader][0] == 1  # the quick sample 1 arrives first


class Slowest(D.Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        time.sleep(0.5 if i == 0 else 0)
        return i


def test_workers_started_by_a_forkserver():
    # Python 3.14's default on Linux: the workers' parent is the server, not this process
    loader = D.DataLoader(D.TensorDataset(tm.arange(6)), batch_size=2, num_workers=2,
                          multiprocessing_context="forkserver")
    assert [b[0].tolist() for b in loader] == [[0, 1], [2, 3], [4, 5]]
