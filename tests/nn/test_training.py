"""End to end: an MLP trained with tensorrt_mini classifies held-out data at >= 95%."""
import io

import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini import nn, optim
from tensorrt_mini.backends import cuda_runtime
from tensorrt_mini.demo import spirals, train


def test_mlp_learns_spirals():
    out = io.StringIO()
    accuracy = train("cpu", steps=200, out=out, progress=False)
    assert accuracy >= 0.95, out.getvalue()
    assert "test accuracy:" in out.getvalue()


def test_spirals_are_not_linearly_separable():
    x, y = spirals()
    assert x.shape == (1200, 2) and set(np.unique(y)) == {0, 1, 2}
    # a linear softmax model stays far below what the MLP reaches
    tm.manual_seed(0)
    model = nn.Linear(2, 3)
    opt = optim.Adam(model.parameters(), lr=0.05)
    xt, yt = tm.tensor(x), tm.tensor(y)
    for _ in range(200):
        opt.zero_grad()
        nn.functional.cross_entropy(model(xt), yt).backward()
        opt.step()
    with tm.no_grad():
        assert (model(xt).argmax(1) == yt).float().mean().item() < 0.7


def _cuda_or_skip():
    # ask the runtime rather than catch errors, so a broken cuda backend fails the test
    why = cuda_runtime.unavailable()
    if why is not None:
        pytest.skip(f"cuda unavailable: {why}")


def test_tiny_mlp_on_cuda_matches_cpu():
    _cuda_or_skip()
    grads = {}
    for device in ("cpu", "cuda"):
        tm.manual_seed(0)
        model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 3))
        model.to(device)
        x = tm.tensor([[0.5, -1.0], [1.5, 0.25]], device=device)
        loss = nn.functional.cross_entropy(model(x), tm.tensor([0, 2], device=device))
        loss.backward()
        optim.SGD(model.parameters(), lr=0.1, momentum=0.9).step()
        grads[device] = [np.asarray(p.detach().cpu()) for p in model.parameters()]
    for a, b in zip(grads["cpu"], grads["cuda"]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
