"""Dropout1d, Dropout2d, Dropout3d and AlphaDropout: torch's reprs, train/eval, torch's numbers."""
import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini import nn


@pytest.mark.parametrize("make,text", [
    (lambda: nn.Dropout1d(), "Dropout1d(p=0.5, inplace=False)"),
    (lambda: nn.Dropout2d(0.2, True), "Dropout2d(p=0.2, inplace=True)"),
    (lambda: nn.Dropout3d(0.25), "Dropout3d(p=0.25, inplace=False)"),
    (lambda: nn.AlphaDropout(0.1), "AlphaDropout(p=0.1, inplace=False)"),
])
def test_repr(make, text):
    assert repr(make()) == text


@pytest.mark.parametrize("cls", [nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout])
def test_p_outside_zero_one_raises(cls):
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        cls(1.5)


@pytest.mark.parametrize("name,shape", [("Dropout1d", (3, 4, 5)), ("Dropout2d", (2, 3, 2, 2)),
                                        ("Dropout3d", (2, 3, 1, 2, 2)), ("AlphaDropout", (4, 6))])
def test_train_draws_torchs_numbers_and_eval_is_the_identity(name, shape):
    torch = pytest.importorskip("torch")
    outs = []
    for lib in (tm, torch):
        lib.manual_seed(5)
        x = lib.randn(*shape)
        layer = getattr(lib.nn, name)(0.3)
        train = layer(x)
        layer.eval()
        assert layer(x) is x
        outs.append(train.numpy())
    np.testing.assert_array_equal(*outs)


def test_alpha_dropout_layer_leaves_its_input_alone_even_with_inplace():
    x = tm.ones(3, 4)
    y = nn.AlphaDropout(0.5, inplace=True)(x)  # torch's AlphaDropout ignores inplace
    assert (x == 1).all() and y.data_ptr() != x.data_ptr()
