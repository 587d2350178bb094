"""The sequence walkthrough, `python -m tensorrt_mini train --model transformer`: a small
transformer encoder learns to sort sequences of digits generated in code. Token and
position embeddings feed a TransformerEncoder (pre-norm, batch_first), whose output at
each position is classified as the digit that belongs there in sorted order; AdamW with a
one-cycle learning rate, under a progress bar. The held-out accuracy per digit and per
whole sequence is printed at the end.
"""
import contextlib
import sys

import numpy as np

import tensorrt_mini as tm
from tensorrt_mini import nn, optim
from tensorrt_mini.demo import _progress

DIGITS = 10


def make(n, length, seed):
    """n random digit sequences and the same sequences sorted, both (n, length) int64."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, DIGITS, (n, length))
    return x, np.sort(x, axis=1)


class Sorter(nn.Module):
    def __init__(self, length, d_model=64, nhead=4, layers=2, dim_feedforward=128):
        super().__init__()
        self.tokens = nn.Embedding(DIGITS, d_model)
        self.positions = nn.Embedding(length, d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout=0.0,
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, norm=nn.LayerNorm(d_model),
                                             enable_nested_tensor=False)
        self.head = nn.Linear(d_model, DIGITS)

    def forward(self, x):
        where = tm.arange(x.shape[1], device=x.device)
        return self.head(self.encoder(self.tokens(x) + self.positions(where)))


def autocast(device):
    """The context the forward passes run under: bfloat16 autocast on cuda (its tensor
    cores), plain float32 on the cpu."""
    if tm.device(device).type != "cuda":
        return contextlib.nullcontext()
    return tm.autocast(device_type="cuda", dtype=tm.bfloat16)


def train(device="cpu", steps=150, batch=64, length=8, n_test=1000, seed=0, out=sys.stdout,
          progress=True):
    """Train a Sorter on `steps` freshly drawn batches; return its per-digit accuracy on
    n_test held-out sequences."""
    tm.manual_seed(seed)
    net = Sorter(length).to(device)
    print(net, file=out)
    fit(net, device, steps, batch, length, seed, _progress(steps, progress, out))
    digits, sequences = evaluate(net, *make(n_test, length, seed + 1), device)
    print(f"test accuracy: {digits:.1%} of digits, {sequences:.1%} of whole sequences sorted, "
          f"on {n_test} held-out sequences", file=out)
    return digits


def fit(net, device, steps, batch, length, seed, bar):
    """AdamW with a one-cycle learning rate on steps batches of new sequences; returns the
    loss of each step."""
    opt = optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-4)
    schedule = optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    loss_fn = nn.CrossEntropyLoss()
    x_all, y_all = make(steps * batch, length, seed)
    losses = []
    net.train()
    for step in range(steps):
        x = tm.tensor(x_all[step * batch:(step + 1) * batch], device=device)
        y = tm.tensor(y_all[step * batch:(step + 1) * batch], device=device)
        opt.zero_grad()
        with autocast(device):
            logits = net(x)
        loss = loss_fn(logits.float().reshape(-1, DIGITS), y.reshape(-1))
        loss.backward()
        opt.step()
        schedule.step()
        losses.append(loss.item())
        if step % 10 == 0 or step == steps - 1:
            bar.set_postfix(loss=f"{losses[-1]:.4f}")
        bar.update(1)
    bar.close()
    return losses


def evaluate(net, x, y, device):
    """(fraction of digits, fraction of sequences) the network puts in sorted order."""
    net.eval()
    with tm.no_grad(), autocast(device):
        guess = net(tm.tensor(x, device=device)).argmax(-1).cpu().numpy()
    right = guess == y
    return right.mean(), right.all(axis=1).mean()
