"""The padding layers against torch's: reprs, attributes, constructor signatures, forward
values and gradients (int and tuple paddings, negative pads, unbatched and stepped inputs),
their errors, and one tiny cuda case a family."""
import inspect

import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import expr_outcome, needs_torch
from tensorrt_mini.backends import cuda_runtime

RNG = np.random.default_rng(11)

# (layer, constructor arguments, input shape, [a view of the input])
CASES = [
    ("ZeroPad1d", (2,), (2, 3, 4)),
    ("ZeroPad2d", ((1, 1, 2, 0),), (1, 2, 3, 3)),
    ("ZeroPad2d", ((-1, 2, 0, 1),), (2, 3, 4)),
    ("ZeroPad3d", (1,), (1, 1, 2, 2, 2)),
    ("ConstantPad1d", ((2, 2), 3.5), (3, 4)),
    ("ConstantPad2d", (1, -2.0), (2, 2, 3), lambda x: x.transpose(-1, -2)),
    ("ConstantPad3d", ((1, 0, 0, 2, 1, 1), 0.5), (2, 2, 2, 2)),
    ("ReflectionPad1d", ((3, 1),), (1, 2, 4)),
    ("ReflectionPad2d", (2,), (2, 3, 3)),
    ("ReflectionPad2d", ((1, 0, 2, 1),), (1, 2, 4, 6), lambda x: x[..., ::2]),
    ("ReflectionPad3d", (1,), (1, 1, 2, 3, 2)),
    ("ReplicationPad1d", ((0, 3),), (2, 3)),
    ("ReplicationPad2d", ((2, 1, 0, 3),), (1, 2, 2, 3)),
    ("ReplicationPad3d", (1,), (2, 1, 2, 2)),
    ("CircularPad1d", (2,), (2, 3, 4)),
    ("CircularPad2d", ((1, 2, 2, 0),), (2, 3, 3)),
    ("CircularPad3d", ((1, 1, 0, 1, 2, 1),), (1, 1, 2, 2, 3)),
]
NAMES = sorted({c[0] for c in CASES})
INPUTS = {c[2]: RNG.standard_normal(c[2]) for c in CASES}


def run(lib, case, device="cpu", dtype="float64"):
    name, args, shape, *view = case
    x = lib.tensor(INPUTS[shape], dtype=getattr(lib, dtype), device=device,
                   requires_grad=True)
    layer = getattr(lib.nn, name)(*args)
    out = layer(view[0](x) if view else x)
    weights = lib.arange(1.0, out.numel() + 1, dtype=out.dtype, device=device)
    (out * weights.reshape(out.shape)).sum().backward()
    return repr(layer), np.asarray(out.detach().cpu().tolist()), np.asarray(x.grad.cpu().tolist())


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}{c[1]}")
def test_values_gradients_and_repr_match_torch(case):
    torch = needs_torch()
    (r1, out1, g1), (r2, out2, g2) = run(tm, case), run(torch, case)
    assert r1 == r2
    np.testing.assert_array_equal(out1, out2)
    np.testing.assert_allclose(g1, g2, rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_constructor_and_attributes_as_torch(name):
    torch = needs_torch()
    mine, theirs = getattr(tm.nn, name), getattr(torch.nn, name)
    assert list(inspect.signature(mine.__init__).parameters) == \
        list(inspect.signature(theirs.__init__).parameters)
    args = (3, 1.5) if name.startswith("Constant") else (3,)
    for padding in (3, [1, 2, 3, 4, 5, 6][:int(name[-2]) * 2]):
        a, b = mine(padding, *args[1:]), theirs(padding, *args[1:])
        assert repr(a) == repr(b)
        assert {k: v for k, v in vars(a).items() if not k.startswith("_")} == \
            {k: v for k, v in vars(b).items() if not k.startswith("_")}


@pytest.mark.parametrize("expr", [
    "L.nn.CircularPad1d(1)(L.ones(3))",
    "L.nn.CircularPad2d(1)(L.ones(2, 2, 2, 2, 2))",
    "L.nn.ReflectionPad1d(1)(L.ones(3))",
    "L.nn.ReflectionPad1d(2)(L.ones(1, 2))",
    "L.nn.ReplicationPad2d(1)(L.ones(3))",
    "L.nn.ZeroPad2d(1)(L.ones(3))",
    "L.nn.ZeroPad1d(-3)(L.ones(2, 4))",
])
def test_errors_as_torch(expr):
    torch = needs_torch()
    assert expr_outcome(tm, expr) == expr_outcome(torch, expr)


@pytest.mark.parametrize("case", [CASES[1], CASES[8], CASES[12], CASES[15]],
                         ids=lambda c: c[0])
def test_cuda_matches_torch(case):
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    torch = needs_torch()
    (_, out1, g1), (_, out2, g2) = run(tm, case, "cuda", "float32"), run(torch, case,
                                                                          dtype="float32")
    np.testing.assert_allclose(out1, out2, rtol=1e-6)
    np.testing.assert_allclose(g1, g2, rtol=1e-6)
