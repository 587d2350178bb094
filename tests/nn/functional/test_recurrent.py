"""One recurrent layer as one graph node: its hand-written backward through time against
finite differences (float64, no torch needed), packed and reversed included."""
import pytest

import tensorrt_mini as tm
from tensorrt_mini.nn.functional import recurrent


def _inputs(mode, batch=3, size=2, hidden=3, proj=None):
    gen = tm.Generator().manual_seed(0)
    out = proj or hidden
    g = {"LSTM": 4, "GRU": 3}.get(mode, 1) * hidden

    def leaf(*shape):
        return (tm.rand(*shape, generator=gen, dtype=tm.float64) - 0.5).requires_grad_()
    weights = (leaf(g, size), leaf(g, out), leaf(g), leaf(g),
               leaf(proj, hidden) if proj else None)
    c0 = leaf(batch, hidden) if mode == "LSTM" else None
    return leaf(3, batch, size), leaf(batch, out), c0, weights


@pytest.mark.parametrize("mode,proj,batch_sizes,reverse", [
    ("RNN_TANH", None, None, True),
    ("RNN_RELU", None, [3, 2, 1], False),
    ("LSTM", 2, [3, 3, 1], True),
    ("LSTM", None, None, False),
    ("GRU", None, [3, 2, 2], True),
])
def test_backward_through_time_matches_finite_differences(mode, proj, batch_sizes, reverse):
    x, h0, c0, weights = _inputs(mode, proj=proj)
    leaves = [t for t in (x, h0, c0, *weights) if t is not None]

    def run(*args):
        it = iter(args)
        x, h0 = next(it), next(it)
        c0 = next(it) if mode == "LSTM" else None
        ws = tuple(next(it) if w is not None else None for w in weights)
        y, h, c = recurrent.layer(mode, x, h0, c0, ws, batch_sizes, reverse)
        return (y, h) if c is None else (y, h, c)
    assert tm.autograd.gradcheck(run, leaves)
