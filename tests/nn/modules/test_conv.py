"""The convolution layers against torch's: printed form, parameters and their default
initialisation, constructor errors, padding modes, output_size, Unfold and Fold."""
import ast
import math

import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import expr_outcome, needs_torch
from tensorrt_mini import nn

CONSTRUCTORS = [
    "L.nn.Conv1d(4, 6, 3)",
    "L.nn.Conv1d(4, 6, 3, padding='same', bias=False)",
    "L.nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=2, groups=2, "
    "bias=False, padding_mode='reflect')",
    "L.nn.Conv2d(4, 6, 3, padding='valid')",
    "L.nn.Conv3d(2, 4, 3, padding=1, padding_mode='circular')",
    "L.nn.ConvTranspose1d(4, 6, 3, stride=2, output_padding=1, dilation=2)",
    "L.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)",
    "L.nn.Unfold(2)",
    "L.nn.Unfold((2, 3), dilation=2, padding=1, stride=(1, 2))",
    "L.nn.Fold(4, (2, 3), stride=2)",
    # torch's errors
    "L.nn.Conv2d(4, 6, 3, padding='same', stride=2)",
    "L.nn.Conv2d(4, 6, 3, groups=3)",
    "L.nn.Conv2d(4, 6, 3, groups=4)",
    "L.nn.Conv2d(4, 6, 3, groups=0)",
    "L.nn.ConvTranspose2d(4, 6, 3, padding_mode='reflect')",
]


@pytest.mark.parametrize("expr", CONSTRUCTORS)
def test_repr_and_constructor_errors_as_torch(expr):
    torch = needs_torch()
    assert expr_outcome(tm, expr) == expr_outcome(torch, expr)


@pytest.mark.parametrize("kw,message", [
    (dict(padding="full"), "Invalid padding string 'full', should be one of "),
    (dict(padding_mode="mirror"), "padding_mode must be one of "),
])
def test_unknown_padding_names_the_choices(kw, message):
    """torch prints a set: its order varies between processes, so compare its elements."""
    with pytest.raises(ValueError, match=f"^{message}") as caught:
        nn.Conv2d(4, 6, 3, **kw)
    shown = ast.literal_eval(str(caught.value)[len(message):].split("}")[0] + "}")
    assert shown == ({"same", "valid"} if "padding" in kw else
                     {"zeros", "reflect", "replicate", "circular"})
    assert str(caught.value).endswith("}" if "padding" in kw else ", but got padding_mode='mirror'")


@pytest.mark.parametrize("make,fan_in,shape,channels", [
    (lambda: nn.Conv2d(6, 8, (3, 2), groups=2), 3 * 6, (8, 3, 3, 2), 8),
    (lambda: nn.ConvTranspose1d(4, 6, 5, groups=2), 3 * 5, (4, 3, 5), 6),
])
def test_default_init_bounds_and_state_dict(make, fan_in, shape, channels):
    tm.manual_seed(0)
    layer = make()
    assert list(layer.state_dict()) == ["weight", "bias"]
    assert tuple(layer.weight.shape) == shape and tuple(layer.bias.shape) == (channels,)
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) and the bias's bound agree
    for p in (np.array(layer.weight.detach()), np.array(layer.bias.detach())):
        assert np.abs(p).max() <= bound and np.abs(p).max() > 0.5 * bound


def _pair(torch, layer_expr, x_shape, call=None, **call_kw):
    """tm's and torch's layer with the same parameters, their outputs for the same input
    and the gradients of input, weight and bias."""
    results = []
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape)
    params = None
    for lib in (torch, tm):
        layer = eval(layer_expr, {"L": lib}).double()
        if params is None:
            params = {k: v.detach().numpy() for k, v in layer.state_dict().items()}
        layer.load_state_dict({k: lib.tensor(v) for k, v in params.items()})
        inp = lib.tensor(x, requires_grad=True)
        out = layer(inp, **call_kw)
        (out * lib.arange(1.0, out.numel() + 1, dtype=lib.float64).reshape(out.shape)).sum() \
            .backward()
        grads = [inp.grad] + [p.grad for p in layer.parameters()]
        results.append([np.array(out.tolist())] + [np.array(g.tolist()) for g in grads])
    return results


@pytest.mark.parametrize("layer,x_shape", [
    ("L.nn.Conv1d(3, 4, 3, padding=2, padding_mode='reflect')", (2, 3, 6)),
    ("L.nn.Conv1d(3, 4, 2, padding='same', padding_mode='circular')", (2, 3, 5)),
    ("L.nn.Conv2d(2, 4, 3, stride=2, padding=(1, 2), padding_mode='replicate', groups=2)",
     (1, 2, 5, 6)),
    ("L.nn.Conv2d(2, 3, (2, 3), padding='same', padding_mode='reflect', dilation=2)",
     (2, 2, 5, 6)),
    ("L.nn.Conv2d(2, 3, 3, padding=1, padding_mode='circular', bias=False)", (2, 4, 4)),
    ("L.nn.Conv3d(2, 2, 2, padding=1, padding_mode='zeros')", (1, 2, 3, 3, 2)),
    ("L.nn.ConvTranspose2d(2, 4, 3, stride=2, padding=1, output_padding=1, groups=2)",
     (1, 2, 3, 3)),
    ("L.nn.ConvTranspose1d(2, 3, 3, stride=2, dilation=2)", (2, 2, 4)),
])
def test_layers_match_torch(layer, x_shape):
    torch = needs_torch()
    want, got = _pair(torch, layer, x_shape)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-9)


def test_conv_transpose_output_size_as_torch():
    torch = needs_torch()
    want, got = _pair(torch, "L.nn.ConvTranspose2d(2, 3, 3, stride=2)", (1, 2, 4, 4),
                      output_size=(1, 3, 10, 9))
    assert got[0].shape == want[0].shape == (1, 3, 10, 9)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-9)
    for size in ["(14, 9)", "(10,)"]:
        expr = f"L.nn.ConvTranspose2d(2, 3, 3, stride=2)(L.ones(1, 2, 4, 4), output_size={size})"
        assert expr_outcome(tm, expr) == expr_outcome(torch, expr)


def test_wrong_channel_count_names_the_shapes():
    with pytest.raises(RuntimeError, match=r"^Given groups=1, weight of size \[6, 4, 3, 3\], "
                       r"expected input\[1, 3, 5, 5\] to have 4 channels, but got 3 channels "
                       r"instead$"):
        nn.Conv2d(4, 6, 3)(tm.ones(1, 3, 5, 5))


def test_unfold_and_fold_layers_call_the_functions():
    x = tm.randn(2, 3, 4, 5)
    cols = nn.Unfold((2, 3), padding=1)(x)
    np.testing.assert_array_equal(np.array(cols),
                                  np.array(tm.nn.functional.unfold(x, (2, 3), padding=1)))
    back = nn.Fold((4, 5), (2, 3), padding=1)(cols)
    np.testing.assert_array_equal(np.array(back), np.array(
        tm.nn.functional.fold(cols, (4, 5), (2, 3), padding=1)))


@pytest.mark.parametrize("expr", [
    "L.nn.ConvTranspose3d(4, 6, 3)",
    "L.nn.ConvTranspose3d(4, 6, (3, 2, 1), stride=(2, 1, 1), padding=(1, 0, 0), "
    "output_padding=(1, 0, 0), groups=2, bias=False, dilation=(1, 2, 1))",
    "L.nn.ConvTranspose3d(4, 6, 3, padding_mode='circular')",
])
def test_conv_transpose3d_repr_and_errors_as_torch(expr):
    test_repr_and_constructor_errors_as_torch(expr)


def test_conv_transpose3d_layer_and_output_size_match_torch():
    torch = needs_torch()
    want, got = _pair(torch, "L.nn.ConvTranspose3d(2, 4, (2, 3, 2), stride=2, padding=(1, 0, 0), "
                      "groups=2)", (1, 2, 2, 3, 2), output_size=(3, 8, 5))
    assert got[0].shape == want[0].shape == (1, 4, 3, 8, 5)
    assert [p.shape for p in got[1:]] == [p.shape for p in want[1:]]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-9)
