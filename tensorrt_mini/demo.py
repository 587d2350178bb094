"""The training demo of `python -m tensorrt_mini`: an MLP learns the three-spirals set.

The data is generated here (three interleaved spiral arms, one per class, which no linear
model separates), so nothing is downloaded; the loss falls under a progress bar and the
held-out accuracy is printed at the end.
"""
import math
import sys

import numpy as np

import tensorrt_mini as tm
from tensorrt_mini import nn, optim


def spirals(n_per_class=400, classes=3, noise=0.1, seed=0):
    """(x float32 (n, 2), y int64 (n,)) as numpy arrays, shuffled."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for c in range(classes):
        r = np.linspace(0.1, 1.0, n_per_class)
        theta = c * 2 * math.pi / classes + r * 4.0 + rng.standard_normal(n_per_class) * noise
        xs.append(np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1))
        ys.append(np.full(n_per_class, c))
    x = np.concatenate(xs).astype(np.float32)
    y = np.concatenate(ys).astype(np.int64)
    order = rng.permutation(len(y))
    return x[order], y[order]


def train(device="cpu", steps=400, hidden=64, batch=128, seed=0, out=sys.stdout, progress=True):
    """Train on 75% of the spirals, return the accuracy on the other 25%."""
    tm.manual_seed(seed)
    x, y = spirals(seed=seed)
    split = len(y) * 3 // 4
    x_train, y_train = tm.tensor(x[:split], device=device), tm.tensor(y[:split], device=device)
    x_test, y_test = tm.tensor(x[split:], device=device), tm.tensor(y[split:], device=device)
    model = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                          nn.Linear(hidden, 3)).to(device)
    print(model, file=out)
    opt = optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(seed)
    bar = _progress(steps, progress, out)
    for step in range(steps):
        idx = tm.tensor(rng.integers(0, split, batch), device=device)
        opt.zero_grad()
        loss = loss_fn(model(x_train[idx]), y_train[idx])
        loss.backward()
        opt.step()
        if step % 10 == 0 or step == steps - 1:
            bar.set_postfix(loss=f"{loss.item():.4f}")
        bar.update(1)
    bar.close()
    model.eval()
    with tm.no_grad():
        accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
    print(f"test accuracy: {accuracy:.1%} on {len(y) - split} held-out points", file=out)
    return accuracy


def _progress(total, enabled, out):
    from tqdm import tqdm
    return tqdm(total=total, desc="training", file=out, disable=not enabled, leave=True)
