"""DistributedSampler (tensorrt_mini/utils/data/distributed.py): each rank's indices, the
lengths and the errors as torch's. Its defaults from a live process group are checked in
the launched DDP runs (tests/nn/parallel/)."""
import itertools

import pytest

import tensorrt_mini as tm
from tensorrt_mini.utils.data import DataLoader, DistributedSampler, TensorDataset
from oracle import needs_torch


@pytest.mark.parametrize("length,replicas", [(10, 3), (13, 4), (2, 5), (8, 4), (0, 2)])
def test_every_rank_gets_torchs_indices(length, replicas):
    torch = needs_torch()
    for shuffle, drop_last, epoch in itertools.product((True, False), (True, False), (0, 3)):
        shares = []
        for rank in range(replicas):
            ours = DistributedSampler(range(length), replicas, rank, shuffle, 7, drop_last)
            ref = torch.utils.data.distributed.DistributedSampler(
                range(length), replicas, rank, shuffle, 7, drop_last)
            ours.set_epoch(epoch)
            ref.set_epoch(epoch)
            assert list(ours) == list(ref) and len(ours) == len(ref)
            shares.append(list(ours))
        if drop_last:  # disjoint shares, as many as divide evenly
            flat = sum(shares, [])
            assert len(set(flat)) == len(flat) == replicas * (length // replicas)


def test_an_epoch_reshuffles_and_the_seed_fixes_the_order():
    a, b = DistributedSampler(range(20), 2, 0), DistributedSampler(range(20), 2, 0, seed=1)
    first = list(a)
    assert first == list(a) and first != list(b)
    a.set_epoch(1)
    assert list(a) != first


def test_a_rank_outside_the_world_is_refused_as_in_torch():
    torch = needs_torch()
    for rank in (2, -1):
        with pytest.raises(ValueError) as expected:
            torch.utils.data.distributed.DistributedSampler(range(4), 2, rank)
        with pytest.raises(ValueError, match=f"^{expected.value}$".replace("[", r"\[")):
            DistributedSampler(range(4), 2, rank)


def test_a_data_loader_reads_its_share_in_batches():
    data = TensorDataset(tm.arange(10.0))
    sampler = DistributedSampler(data, num_replicas=2, rank=1, shuffle=False)
    batches = [b.tolist() for (b,) in DataLoader(data, batch_size=2, sampler=sampler)]
    assert batches == [[1.0, 3.0], [5.0, 7.0], [9.0]]


def test_without_a_process_group_the_defaults_raise_torchs_error():
    torch = needs_torch()
    with pytest.raises(ValueError) as expected:
        torch.utils.data.distributed.DistributedSampler(range(4))
    with pytest.raises(ValueError) as raised:
        DistributedSampler(range(4))
    assert str(raised.value) == str(expected.value)
