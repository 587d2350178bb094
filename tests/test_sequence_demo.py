"""The sequence walkthrough (`python -m tensorrt_mini train --model transformer`): a short
run of a small transformer lowers its loss, the model sorts in eval mode, and the command
line routes the option."""
import io

import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini import sequence_demo
from tensorrt_mini.__main__ import main


class _Silent:
    def set_postfix(self, **kwargs):
        pass

    def update(self, n):
        pass

    def close(self):
        pass


def test_a_short_run_lowers_the_loss():
    tm.manual_seed(0)
    net = sequence_demo.Sorter(length=5, d_model=32, nhead=2, layers=1, dim_feedforward=64)
    losses = sequence_demo.fit(net, "cpu", steps=40, batch=32, length=5, seed=0, bar=_Silent())
    assert np.mean(losses[-5:]) < 0.85 * np.mean(losses[:5]), losses
    digits, sequences = sequence_demo.evaluate(net, *sequence_demo.make(50, 5, 1), "cpu")
    assert 0.0 <= sequences <= digits <= 1.0 and not net.training


def test_the_training_data_is_sorted_digits():
    x, y = sequence_demo.make(4, 6, seed=3)
    assert x.shape == y.shape == (4, 6) and x.dtype == np.int64
    np.testing.assert_array_equal(y, np.sort(x, axis=1))
    assert not np.array_equal(x, y)


def test_train_routes_the_transformer_model(monkeypatch):
    calls = []
    monkeypatch.setattr(sequence_demo, "train", lambda device: calls.append(device))
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    main(["train", "--model", "transformer"])
    assert calls == ["cpu"] and "sort digit sequences" in out.getvalue()


def test_on_cuda_the_forward_runs_under_bfloat16_autocast():
    from tensorrt_mini.backends import cuda_runtime
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    tm.manual_seed(0)
    net = sequence_demo.Sorter(length=3, d_model=4, nhead=1, layers=1,
                               dim_feedforward=4).to("cuda")
    losses = sequence_demo.fit(net, "cuda", steps=1, batch=2, length=3, seed=0, bar=_Silent())
    assert np.isfinite(losses).all()
    assert all(p.dtype == tm.float32 for p in net.parameters())  # the weights stay float32
    with sequence_demo.autocast("cuda"):
        assert net(tm.tensor([[1, 2, 0]], device="cuda")).dtype == tm.bfloat16
    with sequence_demo.autocast("cpu"):
        assert net.to("cpu")(tm.tensor([[1, 2, 0]])).dtype == tm.float32
