"""Bucket assignment (tensorrt_mini/nn/parallel/buckets.py) against torch's, and DDP's
error without a process group; neither needs more than this process."""
import random

import pytest

import tensorrt_mini as tm
from tensorrt_mini.nn.parallel import DistributedDataParallel
from tensorrt_mini.nn.parallel.buckets import assign, byte_caps
from oracle import needs_torch


def test_buckets_are_torchs():
    torch = needs_torch()
    dist = pytest.importorskip("torch.distributed")
    rng = random.Random(0)
    for _ in range(40):
        shapes = [rng.randint(1, 3000) for _ in range(rng.randint(1, 12))]
        kinds = [rng.choice(("float32", "float64")) for _ in shapes]
        caps = [rng.choice((4000, 10000, 30000)) for _ in range(2)]
        ref = dist._compute_bucket_assignment_by_size(
            [torch.zeros(n, dtype=getattr(torch, k)) for n, k in zip(shapes, kinds)], caps)
        ours = assign([tm.zeros(n, dtype=getattr(tm, k)) for n, k in zip(shapes, kinds)], caps)
        assert ours == [list(b) for b in ref[0]], (shapes, kinds, caps)


def test_byte_caps_are_torchs_defaults():
    assert byte_caps(None) == (1024 * 1024, 25 * 1024 * 1024)
    assert byte_caps(2) == (2 * 1024 * 1024,) * 2


def test_without_a_process_group_ddp_raises_torchs_error():
    torch = needs_torch()
    with pytest.raises(ValueError) as expected:
        torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError) as raised:
        DistributedDataParallel(tm.nn.Linear(2, 2))
    assert str(raised.value) == str(expected.value)
