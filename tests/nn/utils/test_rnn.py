"""nn.utils.rnn against torch's: padding, packing and unpacking sequences (values, batch
sizes, sort orders, gradients) and their errors."""
import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import expr_outcome, needs_torch
from tensorrt_mini.backends import cuda_runtime
from tensorrt_mini.nn.utils import rnn

SEQS = "[L.tensor([1., 2, 3]), L.tensor([4., 5]), L.tensor([6.])]"
UNSORTED = "[L.tensor([4., 5]), L.tensor([1., 2, 3]), L.tensor([6.])]"
ROWS = "[L.arange(6.).reshape(3, 2), L.arange(4.).reshape(2, 2) + 10, L.ones(3, 2)]"

EXPRESSIONS = [
    f"L.nn.utils.rnn.pad_sequence({SEQS})",
    f"L.nn.utils.rnn.pad_sequence({ROWS}, batch_first=True, padding_value=-1)",
    f"L.nn.utils.rnn.pad_sequence({SEQS}, batch_first=True, padding_value=-1, "
    "padding_side='left')",
    f"L.nn.utils.rnn.pad_sequence({SEQS}, padding_side='middle')",
    "L.nn.utils.rnn.pad_sequence([])",
    f"L.nn.utils.rnn.pack_sequence({SEQS})",
    f"L.nn.utils.rnn.pack_sequence({UNSORTED})",
    f"L.nn.utils.rnn.pack_sequence({UNSORTED}, enforce_sorted=False)",
    f"L.nn.utils.rnn.pack_sequence({ROWS}, enforce_sorted=False)",
    "L.nn.utils.rnn.pack_padded_sequence(L.arange(6.).reshape(3, 2), [3, 0])",
    "L.nn.utils.rnn.pack_padded_sequence(L.zeros(3, 2), [3, 2, 1])",
    "L.nn.utils.rnn.pack_padded_sequence(L.arange(6.).reshape(3, 2), L.tensor([3, 4]))",
    "L.nn.utils.rnn.pack_padded_sequence(L.arange(24.).reshape(3, 4, 2), L.tensor([2, 3, 3, 1]), "
    "enforce_sorted=False)",
    "L.nn.utils.rnn.pack_padded_sequence(L.arange(12.).reshape(4, 3), [3, 3, 2, 1], "
    "batch_first=True)",
    f"L.nn.utils.rnn.pad_packed_sequence(L.nn.utils.rnn.pack_sequence({SEQS}), total_length=2)",
    f"L.nn.utils.rnn.pad_packed_sequence(L.nn.utils.rnn.pack_sequence({SEQS}), total_length=5, "
    "batch_first=True, padding_value=9)",
    f"L.nn.utils.rnn.pad_packed_sequence(L.nn.utils.rnn.pack_sequence({ROWS}, "
    "enforce_sorted=False))",
    f"L.nn.utils.rnn.unpack_sequence(L.nn.utils.rnn.pack_sequence({UNSORTED}, "
    "enforce_sorted=False))",
    "L.nn.utils.rnn.unpad_sequence(L.arange(6.).reshape(3, 2), L.tensor([3, 1]))",
    "L.nn.utils.rnn.invert_permutation(L.tensor([2, 0, 3, 1]))",
    "L.nn.utils.rnn.PackedSequence(L.zeros(3))",
]


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_results_and_errors_as_torch(expr):
    torch = needs_torch()
    assert expr_outcome(tm, expr) == expr_outcome(torch, expr)


def test_packed_sequence_is_a_namedtuple_of_four():
    packed = rnn.PackedSequence(tm.ones(3), tm.tensor([2, 1]))
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    assert packed._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert sorted_indices is None and unsorted_indices is None
    moved = rnn.PackedSequence(tm.ones(3), tm.tensor([2, 1]), tm.tensor([1, 0])).double()
    assert moved.data.dtype is tm.float64 and moved.unsorted_indices.tolist() == [1, 0]
    assert not moved.is_cuda and moved.batch_sizes.tolist() == [2, 1]


def test_gradients_through_pack_and_pad_as_torch():
    torch = needs_torch()
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((n, 2)) for n in (2, 4, 3)]
    grads = []
    for lib in (torch, tm):
        seqs = [lib.tensor(a, requires_grad=True) for a in arrays]
        padded = lib.nn.utils.rnn.pad_sequence(seqs, batch_first=True)
        packed = lib.nn.utils.rnn.pack_padded_sequence(padded, [2, 4, 3], batch_first=True,
                                                       enforce_sorted=False)
        out, _ = lib.nn.utils.rnn.pad_packed_sequence(packed, total_length=5)
        (out * lib.arange(1.0, out.numel() + 1, dtype=out.dtype).reshape(out.shape)).sum() \
            .backward()
        grads.append([s.grad.numpy() for s in seqs])
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)


def test_cuda_pack_and_unpack():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    seqs = [tm.arange(float(n), device="cuda") for n in (2, 3)]
    packed = rnn.pack_sequence(seqs, enforce_sorted=False)
    assert packed.data.device.type == "cuda" and packed.batch_sizes.tolist() == [2, 2, 1]
    assert packed.is_cuda and packed.cpu().cuda().sorted_indices.device.type == "cuda"
    assert [s.tolist() for s in rnn.unpack_sequence(packed)] == [[0.0, 1.0], [0.0, 1.0, 2.0]]
