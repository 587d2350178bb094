"""kernels/rnn.py on its own: buffers that do not fit refuse to run, and one step of each
mode against the formulas written out in numpy (the layer tests compare with torch)."""
import numpy as np
import pytest

from tensorrt_mini.kernels import rnn


def _buffers(mode, steps=2, batch=3, size=2, hidden=4, proj=None):
    rng = np.random.default_rng(0)
    out = proj or hidden
    g = rnn.GATES[mode] * hidden
    x = rng.standard_normal((steps, batch, size))
    w_ih, w_hh = rng.standard_normal((g, size)), rng.standard_normal((g, out))
    b_ih, b_hh = rng.standard_normal(g), rng.standard_normal(g)
    w_hr = rng.standard_normal((proj, hidden)) if proj else None
    h0, c0 = rng.standard_normal((batch, out)), rng.standard_normal((batch, hidden))
    y = np.empty((steps, batch, out))
    ws = np.empty((steps, batch, rnn.workspace_width(mode, hidden, out)))
    return x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, y, ws


@pytest.mark.parametrize("wrong", ["y", "ws", "batch_sizes"])
def test_buffers_that_do_not_fit_are_refused(wrong):
    x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, y, ws = _buffers("LSTM")
    batch_sizes = None
    if wrong == "y":
        y = np.empty((2, 3, 5))
    elif wrong == "ws":
        ws = ws[..., 1:]
    else:
        batch_sizes = [4, 3]  # more rows than the batch holds
    with pytest.raises(RuntimeError, match="rnn_layer: buffers of sizes"):
        rnn.forward(np, "LSTM", x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, batch_sizes, False,
                    y, np.empty_like(h0), np.empty_like(c0), ws)


def _sigmoid(v):
    return 1 / (1 + np.exp(-v))


@pytest.mark.parametrize("mode", ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"])
def test_one_step_follows_the_formulas(mode):
    x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, y, ws = _buffers(mode, steps=1)
    hn, cn = np.empty_like(h0), np.empty_like(c0)
    rnn.forward(np, mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, None, False, y, hn, cn, ws)
    xi, hh = x[0] @ w_ih.T + b_ih, h0 @ w_hh.T + b_hh
    if mode == "RNN_TANH":
        expected = np.tanh(xi + hh)
    elif mode == "RNN_RELU":
        expected = np.maximum(xi + hh, 0)
    elif mode == "LSTM":
        i, f, g, o = np.split(xi + hh, 4, axis=1)
        c = _sigmoid(f) * c0 + _sigmoid(i) * np.tanh(g)
        expected = _sigmoid(o) * np.tanh(c)
        np.testing.assert_allclose(cn, c, rtol=1e-12)
    else:
        (xr, xz, xn), (hr, hz, hn_) = np.split(xi, 3, axis=1), np.split(hh, 3, axis=1)
        r, z = _sigmoid(xr + hr), _sigmoid(xz + hz)
        n = np.tanh(xn + r * hn_)
        expected = (1 - z) * n + z * h0
    np.testing.assert_allclose(y[0], expected, rtol=1e-12)
    np.testing.assert_allclose(hn, expected, rtol=1e-12)
