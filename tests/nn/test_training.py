"""End to end: an MLP trained with tensorrt_mini classifies a held-out set at >= 95%."""
import math

import numpy as np

import tensorrt_mini as tm
from tensorrt_mini import nn, optim


def spirals(n_per_class, classes, rng, noise=0.2):
    """Interleaved spiral arms, one per class: a classic set no linear model separates."""
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


def test_mlp_learns_spirals():
    rng = np.random.default_rng(0)
    tm.manual_seed(0)
    x, y = spirals(400, 3, rng, noise=0.1)
    split = 900
    x_train, y_train = tm.tensor(x[:split]), tm.tensor(y[:split])
    x_test, y_test = tm.tensor(x[split:]), tm.tensor(y[split:])
    model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                          nn.Linear(64, 3))
    opt = optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    first = None
    for step in range(400):
        idx = tm.tensor(rng.integers(0, split, 128))
        opt.zero_grad()
        loss = loss_fn(model(x_train[idx]), y_train[idx])
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
    model.eval()
    with tm.no_grad():
        accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
    assert loss.item() < first / 5
    assert accuracy >= 0.95, accuracy
