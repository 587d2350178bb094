"""Pooling layers: torch's reprs, and forward as the functional form."""
import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini import nn

REPRS = [
    (lambda: nn.MaxPool2d(2), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, "
                              "ceil_mode=False)"),
    (lambda: nn.MaxPool2d((2, 3), stride=1, padding=1, dilation=2, return_indices=True,
                          ceil_mode=True),
     "MaxPool2d(kernel_size=(2, 3), stride=1, padding=1, dilation=2, ceil_mode=True)"),
    (lambda: nn.MaxPool1d(2), "MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, "
                              "ceil_mode=False)"),
    (lambda: nn.AvgPool2d(2), "AvgPool2d(kernel_size=2, stride=2, padding=0)"),
    (lambda: nn.AvgPool2d(3, 2, 1, True, False, 2), "AvgPool2d(kernel_size=3, stride=2, padding=1)"),
    (lambda: nn.AvgPool1d(2), "AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))"),
    (lambda: nn.AvgPool1d(3, 2, 1, True, False), "AvgPool1d(kernel_size=(3,), stride=(2,), "
                                                 "padding=(1,))"),
    (lambda: nn.AdaptiveAvgPool2d((None, 3)), "AdaptiveAvgPool2d(output_size=(None, 3))"),
    (lambda: nn.AdaptiveAvgPool1d(3), "AdaptiveAvgPool1d(output_size=3)"),
    (lambda: nn.AdaptiveMaxPool2d(3), "AdaptiveMaxPool2d(output_size=3)"),
    (lambda: nn.AdaptiveMaxPool1d(4, return_indices=True), "AdaptiveMaxPool1d(output_size=4)"),
    (lambda: nn.AdaptiveMaxPool2d((2, 3), return_indices=True),
     "AdaptiveMaxPool2d(output_size=(2, 3))"),
    (lambda: nn.MaxUnpool2d(2), "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"),
    (lambda: nn.MaxUnpool2d((2, 3), stride=1, padding=1),
     "MaxUnpool2d(kernel_size=(2, 3), stride=(1, 1), padding=(1, 1))"),
    (lambda: nn.LPPool2d(2, 3), "LPPool2d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"),
    (lambda: nn.LPPool1d(1.5, 2, stride=1),
     "LPPool1d(norm_type=1.5, kernel_size=2, stride=1, ceil_mode=False)"),
    (lambda: nn.LPPool3d(2, (1, 2, 2), ceil_mode=True),
     "LPPool3d(norm_type=2, kernel_size=(1, 2, 2), stride=None, ceil_mode=True)"),
]


@pytest.mark.parametrize("make,text", REPRS, ids=[t for _, t in REPRS])
def test_repr(make, text):
    assert repr(make()) == text


LAYERS = [
    (lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True, return_indices=True),
     lambda x: tm.nn.functional.max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True)),
    (lambda: nn.MaxPool1d(2, dilation=2), lambda x: tm.nn.functional.max_pool1d(x[0], 2, dilation=2)),
    (lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=False, divisor_override=4),
     lambda x: tm.nn.functional.avg_pool2d(x, 3, 2, 1, count_include_pad=False,
                                           divisor_override=4)),
    (lambda: nn.AvgPool1d(3, 1, 1), lambda x: tm.nn.functional.avg_pool1d(x[0], 3, 1, 1)),
    (lambda: nn.AdaptiveAvgPool2d((3, None)), lambda x: tm.nn.functional.adaptive_avg_pool2d(x, (3, 5))),
    (lambda: nn.AdaptiveAvgPool1d(2), lambda x: tm.nn.functional.adaptive_avg_pool1d(x[0], 2)),
    (lambda: nn.AdaptiveMaxPool2d(2, return_indices=True),
     lambda x: tm.nn.functional.adaptive_max_pool2d(x, 2, return_indices=True)),
    (lambda: nn.AdaptiveMaxPool1d(3, return_indices=True),
     lambda x: tm.nn.functional.adaptive_max_pool1d(x[0], 3, return_indices=True)),
]


@pytest.mark.parametrize("make,functional", LAYERS, ids=[repr(m()) for m, _ in LAYERS])
def test_forward_is_the_functional_form(make, functional):
    x = tm.tensor(np.random.default_rng(0).standard_normal((2, 3, 4, 5)), dtype=tm.float32)
    layer = make()
    got = layer(x[0]) if isinstance(layer, (nn.MaxPool1d, nn.AvgPool1d, nn.AdaptiveAvgPool1d,
                                                  nn.AdaptiveMaxPool1d)) \
        else layer(x)
    want = functional(x)
    for a, b in zip(got if isinstance(got, tuple) else (got,),
                    want if isinstance(want, tuple) else (want,)):
        assert tm.equal(a, b)


def test_max_unpool2d_layer_takes_indices_and_output_size():
    x = tm.arange(30.0).view(1, 1, 5, 6)
    values, indices = nn.MaxPool2d(2, return_indices=True)(x)
    out = nn.MaxUnpool2d(2)(values, indices, output_size=x.shape)
    assert out.shape == (1, 1, 5, 6)
    assert tm.equal(out, tm.where(out != 0, x, tm.zeros(())))
    assert out.count_nonzero().item() == 6


@pytest.mark.parametrize("expr", [
    "L.nn.MaxPool3d(2)",
    "L.nn.MaxPool3d((2, 3, 1), stride=1, padding=(1, 1, 0), dilation=2, return_indices=True, "
    "ceil_mode=True)",
    "L.nn.AvgPool3d(2)",
    "L.nn.AvgPool3d((3, 2, 2), 2, 1, True, False, 2)",
    "L.nn.AdaptiveAvgPool3d((None, 3, 2))",
    "L.nn.AdaptiveMaxPool3d(3, return_indices=True)",
    "L.nn.MaxUnpool1d(2)",
    "L.nn.MaxUnpool1d(3, stride=2, padding=1)",
    "L.nn.MaxUnpool3d(2)",
    "L.nn.MaxUnpool3d((2, 3, 1), stride=1, padding=(1, 0, 0))",
])
def test_3d_and_unpool_reprs_as_torch(expr):
    torch = pytest.importorskip("torch")
    assert repr(eval(expr, {"L": tm})) == repr(eval(expr, {"L": torch}))


LAYERS_3D = [
    (lambda: nn.MaxPool3d(3, stride=2, padding=1, ceil_mode=True, return_indices=True),
     lambda x: tm.nn.functional.max_pool3d(x, 3, 2, 1, ceil_mode=True, return_indices=True)),
    (lambda: nn.AvgPool3d(3, 2, 1, count_include_pad=False, divisor_override=4),
     lambda x: tm.nn.functional.avg_pool3d(x, 3, 2, 1, count_include_pad=False,
                                           divisor_override=4)),
    (lambda: nn.AdaptiveAvgPool3d((2, None, 3)),
     lambda x: tm.nn.functional.adaptive_avg_pool3d(x, (2, 4, 3))),
    (lambda: nn.AdaptiveMaxPool3d(2, return_indices=True),
     lambda x: tm.nn.functional.adaptive_max_pool3d(x, 2, return_indices=True)),
]


@pytest.mark.parametrize("make,functional", LAYERS_3D, ids=[repr(m()) for m, _ in LAYERS_3D])
def test_3d_forward_is_the_functional_form(make, functional):
    x = tm.tensor(np.random.default_rng(0).standard_normal((2, 3, 3, 4, 5)), dtype=tm.float32)
    got, want = make()(x), functional(x)
    for a, b in zip(got if isinstance(got, tuple) else (got,),
                    want if isinstance(want, tuple) else (want,)):
        assert tm.equal(a, b)


def test_max_unpool1d_and_3d_layers_take_indices_and_output_size():
    x = tm.arange(75.0).view(1, 3, 5, 5)
    values, indices = nn.MaxPool3d(2, return_indices=True)(x)
    out = nn.MaxUnpool3d(2)(values, indices, output_size=x.shape[1:])
    assert out.shape == (1, 3, 5, 5)
    assert tm.equal(out, tm.where(out != 0, x, tm.zeros(())))
    assert out.count_nonzero().item() == 4
    line = tm.arange(1.0, 8.0).view(1, 1, 7)
    values, indices = nn.MaxPool1d(2, return_indices=True)(line)
    out = nn.MaxUnpool1d(2)(values, indices, output_size=(7,))
    assert out.tolist() == [[[0.0, 2.0, 0.0, 4.0, 0.0, 6.0, 0.0]]]
