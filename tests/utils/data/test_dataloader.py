"""DataLoader in the main process (tensorrt_mini/utils/data/dataloader.py): batching,
lengths, orders and the option errors, against torch's."""
import warnings

import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime
from tensorrt_mini.utils import data as D
from tensorrt_mini.utils.data import pin_memory as pinning
from oracle import expr_outcome, needs_torch


def dataset(lib):
    return lib.utils.data.TensorDataset(lib.arange(20.0).reshape(10, 2), lib.arange(10))


def batches(loader):
    return [[t.tolist() for t in b] if isinstance(b, list) else b.tolist() for b in loader]


def test_tm_utils_data_is_reachable_from_the_package():
    assert tm.utils.data.DataLoader is D.DataLoader


@pytest.mark.parametrize("kwargs", [{"batch_size": 4}, {"batch_size": 4, "drop_last": True},
                                    {"batch_size": None}, {"batch_size": 3, "shuffle": True}])
def test_batches_and_lengths_match_torch(kwargs):
    torch = needs_torch()
    tm.manual_seed(7)
    torch.manual_seed(7)
    ours = D.DataLoader(dataset(tm), **kwargs)
    theirs = torch.utils.data.DataLoader(dataset(torch), **kwargs)
    assert len(ours) == len(theirs)
    for _ in range(2):  # a shuffled loader reshuffles each epoch, as torch's
        assert batches(ours) == batches(theirs)


def test_generator_and_batch_sampler_match_torch():
    torch = needs_torch()
    g, gt = tm.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    assert batches(D.DataLoader(dataset(tm), batch_size=4, shuffle=True, generator=g)) == \
        batches(torch.utils.data.DataLoader(dataset(torch), batch_size=4, shuffle=True,
                                            generator=gt))
    # whole batches through one fetch each: a batch sampler and batch_size=None
    ours = D.DataLoader(D.TensorDataset(tm.arange(10)), batch_size=None,
                        sampler=D.BatchSampler(D.SequentialSampler(range(10)), 4, False))
    assert [b[0].tolist() for b in ours] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


class Stream(D.IterableDataset):
    def __iter__(self):
        return iter(range(7))

    def __len__(self):
        return 7


def test_iterable_dataset_batches_and_length():
    loader = D.DataLoader(Stream(), batch_size=3)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]] and len(loader) == 3
    loader = D.DataLoader(Stream(), batch_size=3, drop_last=True)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5]] and len(loader) == 2


@pytest.mark.parametrize("expr", [
    "L.utils.data.DataLoader(ds, num_workers=-1)",
    "L.utils.data.DataLoader(ds, timeout=-1)",
    "L.utils.data.DataLoader(ds, prefetch_factor=2)",
    "L.utils.data.DataLoader(ds, num_workers=1, prefetch_factor=-1)",
    "L.utils.data.DataLoader(ds, persistent_workers=True)",
    "L.utils.data.DataLoader(ds, shuffle=True, sampler=[0, 1])",
    "L.utils.data.DataLoader(ds, batch_sampler=[[0]], batch_size=2)",
    "L.utils.data.DataLoader(ds, batch_sampler=[[0]], drop_last=True)",
    "L.utils.data.DataLoader(ds, batch_size=None, drop_last=True)",
    "L.utils.data.DataLoader(ds, multiprocessing_context='fork')",
    "L.utils.data.DataLoader(ds, num_workers=1, multiprocessing_context='nope')",
    "L.utils.data.DataLoader(stream, shuffle=True)",
    "L.utils.data.DataLoader(stream, sampler=[0])",
    "L.utils.data.DataLoader(stream, batch_sampler=[[0]])",
    "setattr(L.utils.data.DataLoader(ds), 'batch_size', 3)",
])
def test_option_errors_match_torch(expr):
    torch = needs_torch()

    class TorchStream(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert expr_outcome(tm, expr, ds=dataset(tm), stream=Stream()) == \
            expr_outcome(torch, expr, ds=dataset(torch), stream=TorchStream())


def test_pin_memory_without_cuda_warns_and_does_not_pin(monkeypatch):
    monkeypatch.setattr(cuda_runtime, "is_available", lambda: False)  # a cpu-only machine
    loader = D.DataLoader(dataset(tm), batch_size=4, pin_memory=True)
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no "
                                         "accelerator is found, then device pinned memory "
                                         "won't be used."):
        x, y = next(iter(loader))
    assert not x.is_pinned() and y.tolist() == [0, 1, 2, 3]
    with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is "
                                           "available."):
        x.pin_memory()  # as torch without an accelerator


def test_pin_memory_pins_every_tensor_of_a_batch():
    if not pinning.pinning_available():
        pytest.skip("no cuda device (nor the simulator) to pin memory for")
    loader = D.DataLoader([{"x": tm.ones(2), "n": (1, "a")}] * 3, batch_size=2, pin_memory=True)
    batch = next(iter(loader))
    assert batch["x"].is_pinned() and batch["n"][0].is_pinned() and batch["n"][1] == ["a", "a"]
    assert batch["x"].tolist() == [[1.0, 1.0]] * 2


def test_a_pinned_batch_goes_to_cuda_without_blocking():
    if not pinning.pinning_available():
        pytest.skip("no cuda device (nor the simulator)")
    x, y = next(iter(D.DataLoader(dataset(tm), batch_size=4, pin_memory=True)))
    on_gpu = x.to("cuda", non_blocking=True), y.cuda(non_blocking=True)
    assert x.is_pinned() and on_gpu[0].device.type == "cuda"
    assert on_gpu[0].tolist() == x.tolist() and on_gpu[1].tolist() == [0, 1, 2, 3]
    del x  # the pinned block may go back to the pool: the copy holds its own reference
    assert on_gpu[0].cpu().tolist() == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0]]
