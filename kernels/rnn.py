"""One recurrent layer in one direction (RNN tanh/relu, LSTM with an optional projection,
GRU), forward and backward through time, over raw arrays of either device: `xp` is numpy
on the cpu and CuPy on a GPU (numpy again under the simulator).

The input's contribution to every gate is one GEMM over the whole sequence; each step then
adds one GEMM of the previous hidden state and applies the gates pointwise. Backward runs
the steps in reverse, gathering each step's gate gradients, and ends with one GEMM per
weight over the whole sequence. The gates' pointwise work stays in xp's array ops: a
one-pass Numba kernel of an LSTM step (scalar_math's float32 exp and tanh, 32 x 1024
gates) took 2.0 ms against numpy's SIMD loops' 0.6, as it did not vectorise.

Packed sequences: `batch_sizes[t]` rows are active at step t (rows sorted by decreasing
length), the others keep their state, so that the final state of a row is the state after
its last step and, run in reverse, a row starts from h0 at its own last step.

Workspace `ws` (T, B, K), written forward and read backward, per step and row:
  h_prev (Hout) | gate activations (G*H) | LSTM: c_prev, c_t (H each), h before the
  projection (H, with a projection) | GRU: the hidden part of the new gate, h W_hn + b_hn (H).
"""
GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def workspace_width(mode, hidden, out):
    extra = {"LSTM": 2 * hidden + (hidden if out != hidden else 0), "GRU": hidden}
    return out + GATES[mode] * hidden + extra.get(mode, 0)


def _steps(length, reverse):
    return range(length - 1, -1, -1) if reverse else range(length)


def _active(batch_sizes, t, batch):
    return batch if batch_sizes is None else int(batch_sizes[t])


def _sigmoid(xp, x, out):
    xp.negative(x, out=out)
    xp.exp(out, out=out)
    out += 1
    xp.reciprocal(out, out=out)
    return out


def check(mode, x, w_ih, w_hh, w_hr, batch_sizes, y, ws):
    """The buffers fit one another: a wrong size raises instead of writing out of place."""
    steps, batch, size = x.shape
    hidden = w_hh.shape[1] if w_hr is None else w_hr.shape[1]
    out_size = w_hh.shape[1]
    g = GATES[mode] * hidden
    if (w_ih.shape != (g, size) or w_hh.shape != (g, out_size)
            or y.shape != (steps, batch, out_size)
            or ws.shape != (steps, batch, workspace_width(mode, hidden, out_size))
            or batch_sizes is not None and (len(batch_sizes) != steps or max(
                batch_sizes, default=0) > batch)):
        raise RuntimeError(f"rnn_layer: buffers of sizes {list(y.shape)} and {list(ws.shape)} "
                           f"for a {mode} layer over input {list(x.shape)} with weights "
                           f"{list(w_ih.shape)} and {list(w_hh.shape)}")


def forward(xp, mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, batch_sizes, reverse,
            y, hn, cn, ws):
    """y (T, B, Hout), hn (B, Hout), cn (B, H) (LSTM) and ws from x (T, B, I) and the
    initial states; every output array is C-contiguous."""
    check(mode, x, w_ih, w_hh, w_hr, batch_sizes, y, ws)
    steps, batch = x.shape[:2]
    hidden = w_hh.shape[1] if w_hr is None else w_hr.shape[1]
    out_size = hn.shape[1]
    g = GATES[mode] * hidden
    # every step's input part of the gates at once (GRU adds b_hh per step: its new gate's
    # part sits inside r * (h W_hn + b_hn))
    xg = xp.matmul(x.reshape(steps * batch, x.shape[2]), w_ih.T).reshape(steps, batch, g)
    if b_ih is not None:
        xg += b_ih
        if mode != "GRU":
            xg += b_hh
    h = hn
    h[...] = h0
    if mode == "LSTM":
        c = cn
        c[...] = c0
    y[...] = 0
    if batch_sizes is not None:
        ws[...] = 0  # inactive rows take part in backward's GEMMs (times zero gradients)
    a0 = out_size
    for t in _steps(steps, reverse):
        n = _active(batch_sizes, t, batch)
        w = ws[t, :n]
        hp = h[:n]
        w[:, :out_size] = hp
        acts = w[:, a0:a0 + g]
        if mode == "GRU":
            hn_part = w[:, a0 + g:]
            acts[...] = hp @ w_hh.T  # r, z, n parts (acts is strided: no out=)
            if b_hh is not None:
                acts += b_hh
            hn_part[...] = acts[:, 2 * hidden:]
            rz = acts[:, :2 * hidden]
            rz += xg[t, :n, :2 * hidden]
            _sigmoid(xp, rz, rz)
            nn = acts[:, 2 * hidden:]
            xp.multiply(acts[:, :hidden], hn_part, out=nn)
            nn += xg[t, :n, 2 * hidden:]
            xp.tanh(nn, out=nn)
            z = acts[:, hidden:2 * hidden]
            # h' = n + z (h - n)
            hp -= nn
            hp *= z
            hp += nn
        else:
            acts[...] = hp @ w_hh.T
            acts += xg[t, :n]
            if mode == "LSTM":
                c_prev = w[:, a0 + g:a0 + g + hidden]
                c_new = w[:, a0 + g + hidden:a0 + g + 2 * hidden]
                raw = hp if w_hr is None else w[:, a0 + g + 2 * hidden:]
                _lstm_forward(xp, acts, c[:n], c_prev, c_new, raw)
                if w_hr is not None:
                    xp.matmul(raw, w_hr.T, out=hp)
            elif mode == "RNN_TANH":
                xp.tanh(acts, out=hp)
            else:
                xp.maximum(acts, 0, out=hp)
        y[t, :n] = hp


def _lstm_forward(xp, acts, c, c_prev, c_new, h):
    """acts (n, 4H): the pre-activations of i, f, g, o in, their activations out; c (n, H)
    the cell state, updated in place; c_prev and c_new receive it before and after;
    h = o * tanh(c) (before any projection)."""
    hidden = c.shape[1]
    if_ = acts[:, :2 * hidden]
    _sigmoid(xp, if_, if_)
    gg = acts[:, 2 * hidden:3 * hidden]
    xp.tanh(gg, out=gg)
    o = acts[:, 3 * hidden:]
    _sigmoid(xp, o, o)
    c_prev[...] = c
    c *= acts[:, hidden:2 * hidden]
    c += acts[:, :hidden] * gg
    c_new[...] = c
    xp.tanh(c, out=h)
    h *= o


def _lstm_backward(xp, dh, dc, acts, c_prev, c_new, grad_gates):
    """From dh (n, H), the gradient of h = o * tanh(c) (before any projection), and dc
    (n, H), the cell state's from the later step: grad_gates (n, 4H) of the gates'
    pre-activations, and dc becomes the gradient of the previous step's cell state."""
    hidden = dc.shape[1]
    i, f = acts[:, :hidden], acts[:, hidden:2 * hidden]
    g, o = acts[:, 2 * hidden:3 * hidden], acts[:, 3 * hidden:]
    tc = xp.tanh(c_new)
    dc += dh * o * (1 - tc * tc)
    grad_gates[:, :hidden] = dc * g * i * (1 - i)
    grad_gates[:, hidden:2 * hidden] = dc * c_prev * f * (1 - f)
    grad_gates[:, 2 * hidden:3 * hidden] = dc * i * (1 - g * g)
    grad_gates[:, 3 * hidden:] = dh * tc * o * (1 - o)
    dc *= f


def backward(xp, mode, x, w_ih, w_hh, w_hr, batch_sizes, reverse, y, ws, grad_y, grad_hn,
             grad_cn, out):
    """Writes the gradients `out` = (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr) from those of
    y, hn and cn (each an array or None); an entry of `out` is None where none is wanted
    (c0 but for LSTM, the biases without bias, w_hr without a projection)."""
    check(mode, x, w_ih, w_hh, w_hr, batch_sizes, y, ws)
    grad_x, grad_h0, grad_c0, grad_w_ih, grad_w_hh, grad_b_ih, grad_b_hh, grad_w_hr = out
    steps, batch = x.shape[:2]
    hidden = w_hh.shape[1] if w_hr is None else w_hr.shape[1]
    out_size = w_hh.shape[1]
    g = GATES[mode] * hidden
    a0 = out_size
    dtype = x.dtype
    dh = xp.zeros((batch, out_size), dtype) if grad_hn is None else grad_hn.copy()
    lstm = mode == "LSTM"
    dc = None
    if lstm:
        dc = xp.zeros((batch, hidden), dtype) if grad_cn is None else grad_cn.copy()
    if grad_w_hr is not None:
        grad_w_hr[...] = 0
    # per-step gradients of the gates' pre-activations: input side and hidden side (they
    # differ for GRU's new gate only); zero on inactive rows, so the GEMMs below can sum
    # over every (step, row)
    dgx = xp.zeros((steps, batch, g), dtype)
    dgh = xp.zeros((steps, batch, g), dtype) if mode == "GRU" else dgx
    for t in _steps(steps, not reverse):
        n = _active(batch_sizes, t, batch)
        w = ws[t, :n]
        acts = w[:, a0:a0 + g]
        d = dh[:n]
        if grad_y is not None:
            d += grad_y[t, :n]
        gx = dgx[t, :n]
        if lstm:
            if w_hr is not None:
                grad_w_hr += d.T @ w[:, a0 + g + 2 * hidden:]
                d = d @ w_hr
            c_prev = w[:, a0 + g:a0 + g + hidden]
            c_new = w[:, a0 + g + hidden:a0 + g + 2 * hidden]
            _lstm_backward(xp, d, dc[:n], acts, c_prev, c_new, gx)
            xp.matmul(gx, w_hh, out=dh[:n])
        elif mode == "GRU":
            r, z, nn = acts[:, :hidden], acts[:, hidden:2 * hidden], acts[:, 2 * hidden:]
            hp = w[:, :out_size]
            dn = d * (1 - z) * (1 - nn * nn)
            gx[:, 2 * hidden:] = dn
            gx[:, hidden:2 * hidden] = d * (hp - nn) * z * (1 - z)
            gx[:, :hidden] = dn * w[:, a0 + g:] * r * (1 - r)
            gh = dgh[t, :n]
            gh[:, :2 * hidden] = gx[:, :2 * hidden]
            xp.multiply(dn, r, out=gh[:, 2 * hidden:])
            dh[:n] = d * z + gh @ w_hh
        else:
            h = y[t, :n]
            if mode == "RNN_TANH":
                xp.multiply(d, 1 - h * h, out=gx)
            else:
                xp.multiply(d, h > 0, out=gx)
            dh[:n] = gx @ w_hh
    flat_x = x.reshape(steps * batch, x.shape[2])
    dgx2 = dgx.reshape(steps * batch, g)
    dgh2 = dgh.reshape(steps * batch, g)
    if grad_x is not None:
        xp.matmul(dgx2, w_ih, out=grad_x.reshape(steps * batch, x.shape[2]))
    if grad_w_ih is not None:
        xp.matmul(dgx2.T, flat_x, out=grad_w_ih)
    if grad_w_hh is not None:
        xp.matmul(dgh2.T, ws[:, :, :out_size].reshape(steps * batch, out_size), out=grad_w_hh)
    if grad_b_ih is not None:
        dgx2.sum(0, out=grad_b_ih)
    if grad_b_hh is not None:
        dgh2.sum(0, out=grad_b_hh)
    if grad_h0 is not None:
        grad_h0[...] = dh
    if grad_c0 is not None:
        grad_c0[...] = dc
