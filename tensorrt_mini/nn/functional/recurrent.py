"""Recurrent layers: one layer in one direction as ONE graph node (the backend runs the
time loop and its backward through time, kernels/rnn.py), and the stacks of layers and
directions that nn.RNN, nn.LSTM and nn.GRU and their cells run.

torch has no public functional form of these layers; nn/modules/rnn.py calls `stack`.
"""
from ... import _tensor as T
from ... import dtypes as D
from ...autograd.graph import OutputPort, alias, edge, node_class
from ...kernels.rnn import workspace_width
from ...ops.dispatch import GradMode
from ...ops.joining import cat
from ...ops.joining import stack as stack_tensors
from .core import _tracking, dropout


def layer(mode, x, h0, c0, weights, batch_sizes=None, reverse=False):
    """(y, hn, cn) of one layer over x (T, B, I) from h0 (B, Hout) and c0 (B, H, LSTM only,
    else None); weights = (w_ih, w_hh, b_ih, b_hh, w_hr), None where absent. batch_sizes:
    a packed sequence's active rows per step (host ints), or None."""
    _check_operands(x, h0, c0, weights)
    x, h0 = x.contiguous(), h0.contiguous()
    c0 = None if c0 is None else c0.contiguous()
    weights = tuple(None if w is None else w.contiguous() for w in weights)
    w_ih, w_hh, _, _, w_hr = weights
    steps, batch = x._shape[:2]
    hidden = w_hh._shape[1] if w_hr is None else w_hr._shape[1]
    out_size = w_hh._shape[1]
    dev, dtype = x._storage.device, x._dtype
    y = T.empty_tensor((steps, batch, out_size), dtype, dev)
    hn = T.empty_tensor((batch, out_size), dtype, dev)
    cn = T.empty_tensor((batch, hidden), dtype, dev) if mode == "LSTM" else None
    ws = T.empty_tensor((steps, batch, workspace_width(mode, hidden, out_size)), dtype, dev)
    backend = T.backends.get(dev.type)
    backend.rnn_layer(mode, y, hn, cn, ws, x, h0, c0, weights, batch_sizes, reverse)
    inputs = (x, h0, c0) + weights
    if not _tracking(*inputs):
        return y, hn, cn
    need = [t is not None and t._requires_grad for t in inputs]

    def backward(grads, x, y, ws, w_ih, w_hh, *w_hr):
        if GradMode.enabled:
            raise NotImplementedError("the derivative of a recurrent layer's gradient "
                                      "(create_graph=True) is not implemented in tensorrt_mini")
        out = tuple(T.empty_tensor(t._shape, dtype, dev) if n else None
                    for t, n in zip(inputs, need))
        gy, ghn, gcn = (None if g is None else g.contiguous() for g in grads)
        backend.rnn_layer_backward(mode, out, x, (w_ih, w_hh, None, None) + (w_hr or (None,)),
                                   batch_sizes, reverse, y, ws, gy, ghn, gcn)
        return out

    outs = (y, hn, cn) if cn is not None else (y, hn)
    node = node_class("RnnLayerBackward0")(backward, tuple(edge(t) for t in inputs),
                                           (x, alias(y), ws, w_ih, w_hh)
                                           + ((w_hr,) if w_hr is not None else ()))
    for k, t in enumerate(outs):
        t.grad_fn = node
        t._requires_grad = True
        t._port = OutputPort(node, k, 3)
    return y, hn, cn


def _check_operands(x, h0, c0, weights):
    """One device and one dtype throughout, as torch requires (for dtypes its message
    names the first product whose operands differ)."""
    for kind, tensors in (("hidden", (h0, c0)), ("parameter", weights)):
        for t in tensors:
            if t is not None and t.device != x.device:
                raise RuntimeError(f"Input and {kind} tensors are not at the same device, "
                                   f"found input tensor at {x.device} and {kind} tensor at "
                                   f"{t.device}")
    w_ih, w_hh = weights[:2]
    for a, b in ((x, w_ih), (h0, w_hh), *((t, x) for t in (c0, *weights[2:]) if t is not None)):
        if a._dtype is not b._dtype:
            raise RuntimeError("mat1 and mat2 must have the same dtype, but got "
                               f"{D.TYPE_NAMES[a._dtype.name]} and {D.TYPE_NAMES[b._dtype.name]}")


def stack(mode, x, hx, cx, weights, num_layers, bidirectional, dropout_p, training,
          batch_sizes=None):
    """The layers of nn.RNN/LSTM/GRU over x (T, B, I): hx (L * D, B, Hout), cx (L * D, B, H)
    for LSTM (else None), weights one tuple per layer and direction (as `layer` takes them).
    Returns (output (T, B, D * Hout), h_n, c_n or None)."""
    directions = 2 if bidirectional else 1
    hs, cs = [], []
    for k in range(num_layers):
        if k and dropout_p and training:
            x = dropout(x, dropout_p, True)
        ys = []
        for d in range(directions):
            i = k * directions + d
            y, h, c = layer(mode, x, hx[i], None if cx is None else cx[i], weights[i],
                            batch_sizes, reverse=d == 1)
            ys.append(y)
            hs.append(h)
            cs.append(c)
        x = ys[0] if directions == 1 else cat(ys, 2)
    return x, stack_tensors(hs), None if cx is None else stack_tensors(cs)
