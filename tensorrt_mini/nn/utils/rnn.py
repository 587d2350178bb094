"""Variable-length sequences for the recurrent layers: padding and packing.

A PackedSequence holds the steps of a batch of sequences, sorted by decreasing length,
one after another: step t's rows are the `batch_sizes[t]` sequences still running.
Packing and unpacking are one gather each (advanced indexing), so autograd comes with them.
"""
from collections import namedtuple

import numpy as np

from ... import creation
from ... import dtypes as D
from ...ops.joining import cat
from ...ops.ordering import sort

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]

_PackedSequence = namedtuple("PackedSequence_",
                             ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


class PackedSequence(_PackedSequence):
    """(data, batch_sizes, sorted_indices, unsorted_indices), as torch's: batch_sizes is an
    int64 cpu tensor; the indices are None for a batch that was packed already sorted."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # torch's form PackedSequence((data, batch_sizes))
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """The data moved or cast as Tensor.to does; the indices follow the data's device,
        batch_sizes stays on the cpu."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        indices = (None if t is None else t.to(data.device) for t in
                   (self.sorted_indices, self.unsorted_indices))
        return type(self)(data, self.batch_sizes, *indices)

    def cuda(self, *args, **kwargs):
        # where Tensor.cuda's arguments put a tensor, found with an empty one
        target = creation.empty(0, dtype=self.data.dtype).cuda(*args, **kwargs).device
        return self.to(target)

    def cpu(self):
        return self.to("cpu")

    def double(self):
        return self.to(dtype=D.float64)

    def float(self):
        return self.to(dtype=D.float32)

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return self.data.is_pinned()


def invert_permutation(permutation):
    """The permutation that undoes `permutation` (None for None)."""
    if permutation is None:
        return None
    inverse = creation.empty_like(permutation)
    inverse[permutation] = creation.arange(permutation.numel(), device=permutation.device)
    return inverse


def _host_lengths(lengths):
    if hasattr(lengths, "cpu"):
        return [int(v) for v in lengths.cpu().numpy().reshape(-1)]
    return [int(v) for v in lengths]


def _batch_sizes(sorted_lengths):
    """Rows per step of sequences of these lengths (decreasing)."""
    lengths = np.asarray(sorted_lengths, np.int64)
    steps = int(lengths[0]) if lengths.size else 0
    return (lengths[None, :] > np.arange(steps)[:, None]).sum(1)


def _packed_rows(batch_sizes, batch):
    """Which row of a (T * batch) padded layout each packed row is."""
    return np.concatenate([t * batch + np.arange(n) for t, n in enumerate(batch_sizes)]
                          or [np.zeros(0, np.int64)]).astype(np.int64)


def packed_from_padded(padded, batch_sizes):
    """The packed data of padded (T, B, *) (sorted by decreasing length) at batch_sizes."""
    steps, batch = padded.shape[:2]
    rows = creation.tensor(_packed_rows(batch_sizes, batch), device=padded.device)
    return padded.reshape((steps * batch,) + tuple(padded.shape[2:]))[rows]


def padded_from_packed(data, batch_sizes, padding_value=0.0, steps=None):
    """(steps, B, *) of packed data (B = batch_sizes[0]), padding_value where no row runs."""
    batch = int(batch_sizes[0])
    steps = len(batch_sizes) if steps is None else steps
    where = np.full(steps * batch, data.shape[0], np.int64)  # the padding row, appended
    where[_packed_rows(batch_sizes, batch)] = np.arange(data.shape[0])
    pad = creation.full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype,
                        device=data.device)
    rows = creation.tensor(where, device=data.device)
    return cat([data, pad])[rows].reshape((steps, batch) + tuple(data.shape[1:]))


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    if padding_side not in ("left", "right"):
        raise RuntimeError("Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    longest = max(s.shape[0] for s in sequences)
    rest = tuple(sequences[0].shape[1:])
    rows = []
    for s in sequences:
        if tuple(s.shape[1:]) != rest:
            raise RuntimeError(f"output with shape {list(rest)} doesn't match the broadcast "
                               f"shape {list(s.shape[1:])}")
        pad = creation.full((longest - s.shape[0],) + rest, padding_value, dtype=s.dtype,
                            device=s.device)
        rows.append(cat([s, pad] if padding_side == "right" else [pad, s]).unsqueeze(0))
    out = cat(rows)
    return out if batch_first else out.transpose(0, 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i][:n] for i, n in enumerate(_host_lengths(lengths))]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    host = _host_lengths(lengths)
    if enforce_sorted:
        if any(a < b for a, b in zip(host, host[1:])):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
        sorted_indices = None
    else:
        ordered, sorted_indices = sort(creation.tensor(host, dtype=D.int64), descending=True,
                                       stable=True)
        host = [int(v) for v in ordered.numpy()]
        sorted_indices = sorted_indices.to(input.device)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if batch_first:
        input = input.transpose(0, 1)
    if len(host) != input.shape[1]:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(host)} (batch_size={input.shape[1]})")
    if host and host[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    batch_sizes = _batch_sizes(host)
    data = packed_from_padded(input[:len(batch_sizes)], batch_sizes)
    return PackedSequence(data, creation.tensor(batch_sizes, dtype=D.int64), sorted_indices,
                          None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    batch_sizes = [int(v) for v in sequence.batch_sizes.numpy()]
    steps = len(batch_sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {steps}")
        steps = total_length
    padded = padded_from_packed(sequence.data, batch_sizes, padding_value, steps)
    lengths = (np.asarray(batch_sizes)[None, :] > np.arange(batch_sizes[0])[:, None]).sum(1)
    lengths = creation.tensor(lengths, dtype=D.int64)
    if batch_first:
        padded = padded.transpose(0, 1)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(0 if batch_first else 1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices.cpu()]
    return padded, lengths


def pack_sequence(sequences, enforce_sorted=True):
    lengths = creation.tensor([s.shape[0] for s in sequences], dtype=D.int64)
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
