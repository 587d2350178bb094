"""nn.functional's activations against torch: one table of (name, kwargs), run over float32
and float64 inputs holding negative, zero, positive, large and NaN values (values, dtypes,
gradients and node names), then the in-place forms, non-contiguous inputs, errors and one
tiny case per op on the cuda device (the simulator in CI)."""
import numpy as np
import pytest

import tensorrt_mini as tm
import tensorrt_mini.nn.functional as F
from oracle import needs_torch, same_as_torch
from tensorrt_mini.autograd import gradcheck
from tensorrt_mini.backends import cuda_runtime

# (name, kwargs): F.<name>(x, **kwargs)
TABLE = [
    ("relu", {}), ("relu6", {}), ("leaky_relu", {}), ("leaky_relu", {"negative_slope": -0.2}),
    ("rrelu", {}), ("elu", {}), ("selu", {}), ("celu", {"alpha": 2.0}),
    ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("mish", {}),
    ("softplus", {}), ("softplus", {"beta": 2.0, "threshold": 3.0}), ("softsign", {}),
    ("hardtanh", {}), ("hardtanh", {"min_val": -2.0, "max_val": 0.5}), ("hardsigmoid", {}),
    ("hardswish", {}), ("tanh", {}), ("tanhshrink", {}), ("softshrink", {}),
    ("softshrink", {"lambd": 1.5}), ("hardshrink", {"lambd": 1.5}),
    ("threshold", {"threshold": 0.1, "value": 20.0}), ("sigmoid", {}), ("logsigmoid", {}),
    ("softmax", {"dim": 1}), ("log_softmax", {"dim": 0}), ("softmin", {"dim": 1}),
    ("glu", {}), ("glu", {"dim": 0}),
]
# the ops whose float64 gradients are worth their compile time: the transcendental ones,
# whose formulas lose digits where torch's might not
GRADS_IN_FLOAT64 = {"elu", "selu", "celu", "silu", "mish", "softplus", "logsigmoid",
                    "softsign", "tanhshrink", "glu"}
# negative, zero (both signs), positive, large and NaN, and every branch point of the
# table's ops (softplus's threshold, hardswish's +-3, the shrinks' lambdas, relu6's 6)
VALUES = np.array([np.nan, -100.0, -25.0, -3.0, -1.5, -1.0, -0.5, -0.25, -0.0, 0.0, 0.1, 0.25,
                   0.5, 1.0, 1.5, 2.9, 3.0, 6.0, 6.5, 10.0, 20.5, 25.0, 100.0, -6.0]).reshape(4, 6)


def _id(case):
    name, kwargs = case
    return name + "".join(f"-{k}={v}" for k, v in kwargs.items())


def _call(lib, name, x, kwargs):
    return getattr(lib.nn.functional, name)(x, **kwargs)


def _tolerance(dtype, what):
    if dtype == "float64":
        return 1e-12, 1e-300
    # float32 values and gradients lose a few digits where a formula cancels (gelu near
    # -3, log_softmax's x - logsumexp, composed gradients), as torch's do, differently:
    # an absolute tolerance at the scale of the values (O(1)) counts them
    return (2e-6, 5e-7) if what == "values" else (2e-6, 1e-6)


def _close(mine, theirs, dtype, what="values"):
    rtol, atol = _tolerance(dtype, what)
    assert str(mine.dtype) == str(theirs.dtype), what
    assert tuple(mine.shape) == tuple(theirs.shape), what
    np.testing.assert_allclose(np.asarray(mine.detach()), theirs.detach().numpy(), rtol=rtol,
                               atol=atol, equal_nan=True, err_msg=what)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", TABLE, ids=_id)
def test_values_dtypes_and_gradients_against_torch(case, dtype):
    torch = needs_torch()
    name, kwargs = case
    grads = dtype == "float32" or name in GRADS_IN_FLOAT64
    x = tm.tensor(VALUES, dtype=getattr(tm, dtype), requires_grad=grads)
    xt = torch.tensor(VALUES, dtype=getattr(torch, dtype), requires_grad=grads)
    y, yt = _call(tm, name, x, kwargs), _call(torch, name, xt, kwargs)
    _close(y, yt, dtype)
    if not grads:
        return
    weights = np.random.default_rng(0).standard_normal(tuple(yt.shape))
    y.backward(tm.tensor(weights, dtype=y.dtype))
    yt.backward(torch.tensor(weights, dtype=yt.dtype))
    assert y.grad_fn.name() == yt.grad_fn.name()
    _close(x.grad, xt.grad, dtype, "gradient")


@pytest.mark.parametrize("case", TABLE, ids=_id)
def test_non_contiguous_inputs(case):
    torch = needs_torch()
    name, kwargs = case
    base = VALUES.reshape(6, 4)
    for view in (lambda t: t.t(), lambda t: t[:, ::2]):  # (glu halves even sizes only)
        x = view(tm.tensor(base, dtype=tm.float32))
        xt = view(torch.tensor(base, dtype=torch.float32))
        _close(_call(tm, name, x, kwargs), _call(torch, name, xt, kwargs), "float32", "strided")


@pytest.mark.parametrize("name", ["elu", "selu", "celu", "silu", "mish", "softplus",
                                  "logsigmoid", "softsign", "tanhshrink", "hardswish", "glu"])
def test_gradcheck_away_from_the_kinks(name):
    x = np.random.default_rng(1).uniform(-2.5, 2.5, (3, 4))
    x[np.abs(np.abs(x) - 3) < 0.05] += 0.2  # hardswish's kinks
    leaf = tm.tensor(x, dtype=tm.float64, requires_grad=True)
    assert gradcheck(lambda t: getattr(F, name)(t), (leaf,))


# (name, kwargs): F.<name>(x, inplace=True, **kwargs), and F.<name>_ where torch has one
IN_PLACE = [
    ("relu", {}), ("relu6", {}), ("leaky_relu", {"negative_slope": 0.2}), ("rrelu", {}),
    ("elu", {"alpha": 0.5}), ("selu", {}), ("celu", {"alpha": 2.0}), ("silu", {}), ("mish", {}),
    ("hardtanh", {"min_val": -2.0, "max_val": 0.5}), ("hardsigmoid", {}), ("hardswish", {}),
    ("threshold", {"threshold": 0.1, "value": 20.0}),
]
UNDERSCORED = {"relu", "leaky_relu", "rrelu", "elu", "selu", "celu", "hardtanh", "threshold"}


def _in_place_forms(lib, name, kwargs):
    forms = [lambda x: getattr(lib.nn.functional, name)(x, inplace=True, **kwargs)]
    if name in UNDERSCORED:
        forms.append(lambda x: getattr(lib.nn.functional, name + "_")(x, **kwargs))
    return forms


@pytest.mark.parametrize("case", IN_PLACE, ids=_id)
def test_in_place_forms(case):
    torch = needs_torch()
    name, kwargs = case
    weights = np.random.default_rng(2).standard_normal(VALUES.shape)
    for mine, theirs in zip(_in_place_forms(tm, name, kwargs), _in_place_forms(torch, name, kwargs)):
        # the result is the input, written through its storage
        x, xt = tm.tensor(VALUES, dtype=tm.float32), torch.tensor(VALUES, dtype=torch.float32)
        ptr = x.data_ptr()
        y = mine(x)
        assert y is x and x.data_ptr() == ptr
        _close(x, theirs(xt), "float32")
        # on a view, the base sees the write
        x = tm.tensor(VALUES, dtype=tm.float32)
        mine(x[1:3])
        xt = torch.tensor(VALUES, dtype=torch.float32)
        theirs(xt[1:3])
        _close(x, xt, "float32")
        # a leaf that requires grad refuses, with torch's error
        same_as_torch(lambda lib, fn={tm: mine, torch: theirs}: fn[lib](
            lib.tensor(VALUES, requires_grad=True)))
        # inside a graph: torch's node, and the gradient through the written tensor
        leaf = tm.tensor(VALUES, dtype=tm.float32, requires_grad=True)
        leaf_t = torch.tensor(VALUES, dtype=torch.float32, requires_grad=True)
        y, yt = mine(leaf * 1), theirs(leaf_t * 1)
        assert y.grad_fn.name() == yt.grad_fn.name()
        y.backward(tm.tensor(weights, dtype=tm.float32))
        yt.backward(torch.tensor(weights, dtype=torch.float32))
        _close(leaf.grad, leaf_t.grad, "float32", "gradient")


@pytest.mark.parametrize("call", ["F.leaky_relu_(x * 1, -0.1)", "F.elu_(x * 1, -1.0)",
                                  "F.celu(x * 1, -1.0, inplace=True)"])
def test_in_place_with_a_negative_slope_refuses_its_backward_as_torch(call):
    same_as_torch(lambda lib: eval(call, {"F": lib.nn.functional, "x": lib.tensor(
        [-1.0, 2.0], requires_grad=True)}).sum().backward())


ERRORS = [
    "F.{}(lib.tensor([1, -2]))".format(name) for name in (
        "relu6", "leaky_relu", "rrelu", "elu", "selu", "celu", "silu", "mish", "softplus",
        "softsign", "hardtanh", "hardsigmoid", "hardswish", "tanhshrink", "softshrink",
        "hardshrink", "logsigmoid", "glu")
] + [
    "F.rrelu(lib.tensor([1, -2]), training=True)",
    "F.threshold(lib.tensor([1, -2]), 0.5, 7)",
    "F.threshold(lib.tensor([True]), 0, 1)",
    "F.hardtanh(lib.tensor([True]))",
    "F.hardtanh(lib.tensor([0, 5, 200], dtype=lib.uint8))",
    "F.relu6(lib.tensor([0, 5, 200], dtype=lib.uint8))",
    "F.hardtanh(lib.tensor([-3, 5]), -2.5, 2.5)",
    "F.threshold(lib.tensor([0, 5, 200], dtype=lib.uint8), 4, -1)",
    "F.hardtanh(lib.tensor([1.0]), 1.0, -1.0)",
    "F.softshrink(lib.tensor([1.0]), -1.0)",
    "F.softshrink(lib.tensor([1.0], dtype=lib.float64), -1.0)",
    "F.celu(lib.tensor([1.0]), 0.0)",
    "F.glu(lib.ones(3))",
    "F.glu(lib.ones(2, 3), 1)",
    "F.glu(lib.tensor(1.0))",
    "F.glu(lib.ones(2, 4), 2)",
    "F.rrelu(lib.ones(2), 0.5, 0.1, training=True)",
    "F.threshold(lib.tensor([1.5, -2.0]), 1, 1e40)",
    "F.softmin(lib.tensor([1, -2]), 0)",
    "F.softplus(lib.tensor([-1.0, 2.0]), beta=0)",
]


@pytest.mark.parametrize("expr", ERRORS)
def test_errors_integers_and_dtype_arguments_as_torch(expr):
    same_as_torch(lambda lib: eval(expr, {"F": lib.nn.functional, "lib": lib}))


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_family_computes_in_the_dtype_asked_for(name):
    torch = needs_torch()
    x = VALUES[1:]
    for src, dst, dim in (("float32", "float64", 1), ("float64", "float32", 0),
                          ("int64", "float64", 1)):
        mine = getattr(F, name)(tm.tensor(x, dtype=getattr(tm, src)), dim,
                                dtype=getattr(tm, dst))
        theirs = getattr(torch.nn.functional, name)(torch.tensor(x, dtype=getattr(torch, src)),
                                                    dim, dtype=getattr(torch, dst))
        _close(mine, theirs, "float32")  # (its tolerance: the float32 steps)


PRELU = [
    ((2, 3, 4), (3,)), ((2, 3, 4), (1,)), ((2, 3), (3,)), ((5,), (1,)), ((), (1,)),
    ((0, 3), (3,)),
]


@pytest.mark.parametrize("shapes", PRELU, ids=str)
def test_prelu_values_and_both_gradients(shapes):
    torch = needs_torch()
    rng = np.random.default_rng(3)
    x_shape, w_shape = shapes
    xv, wv = rng.standard_normal(x_shape), rng.uniform(-0.5, 0.5, w_shape)
    x, w = (tm.tensor(a, requires_grad=True) for a in (xv, wv))
    xt, wt = (torch.tensor(a, requires_grad=True) for a in (xv, wv))
    y, yt = F.prelu(x, w), torch.nn.functional.prelu(xt, wt)
    _close(y, yt, "float64")
    assert y.grad_fn.name() == yt.grad_fn.name()
    g = rng.standard_normal(x_shape)
    y.backward(tm.tensor(g))
    yt.backward(torch.tensor(g))
    _close(x.grad, xt.grad, "float64")
    _close(w.grad, wt.grad, "float64")


@pytest.mark.parametrize("expr", [
    "F.prelu(lib.ones(2, 3), lib.ones(2))", "F.prelu(lib.ones(3), lib.ones(3))",
    "F.prelu(lib.ones(2, 3), lib.ones(1, 3))", "F.prelu(lib.ones(2), lib.ones(1, dtype=lib.float64))",
    "F.prelu(lib.tensor([1, -2]), lib.tensor([1]))"])
def test_prelu_errors(expr):
    same_as_torch(lambda lib: eval(expr, {"F": lib.nn.functional, "lib": lib}))


def test_rrelu_in_training_draws_torchs_slopes_and_differentiates_through_them():
    torch = needs_torch()
    for dtype in ("float32", "float64"):
        tm.manual_seed(5)
        torch.manual_seed(5)
        x = tm.tensor(VALUES, dtype=getattr(tm, dtype), requires_grad=True)
        xt = torch.tensor(VALUES, dtype=getattr(torch, dtype), requires_grad=True)
        y = F.rrelu(x * 1, 0.1, 0.6, training=True)
        yt = torch.nn.functional.rrelu(xt * 1, 0.1, 0.6, training=True)
        _close(y, yt, dtype)
        assert y.grad_fn.name() == yt.grad_fn.name()
        y.sum().backward()
        yt.sum().backward()
        _close(x.grad, xt.grad, dtype)
        slopes = np.asarray(x.grad)[VALUES <= 0]
        assert 0.1 <= slopes.min() and slopes.max() <= 0.6 and len(set(slopes)) > 1
    # the draws continue torch's sequence: a second call agrees too
    x = VALUES.astype(np.float32)
    _close(F.rrelu(tm.tensor(x), training=True), torch.nn.functional.rrelu(
        torch.tensor(x), training=True), "float32")


def test_top_level_functions_and_methods_as_torch():
    torch = needs_torch()
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    for expr in ("lib.selu(x)", "lib.celu(x, alpha=2.0)", "lib.threshold(x, 0.1, 5.0)",
                 "lib.hardshrink(x, 0.6)", "x.hardshrink(0.6)", "lib.rrelu(x)",
                 "lib.prelu(x, lib.tensor([0.3], dtype=lib.float64))"):
        _close(eval(expr, {"lib": tm, "x": tm.tensor(x)}),
               eval(expr, {"lib": torch, "x": torch.tensor(x)}), "float64", expr)
    for expr in ("lib.selu_(x)", "lib.celu_(x, 2.0)", "lib.threshold_(x, 0.1, 5.0)",
                 "lib.rrelu_(x)"):
        a, b = tm.tensor(x), torch.tensor(x)
        assert eval(expr, {"lib": tm, "x": a}) is a
        eval(expr, {"lib": torch, "x": b})
        _close(a, b, "float64", expr)


def test_zero_size_and_0d_inputs():
    for name, kwargs in TABLE:
        if name == "glu":
            continue
        for shape in ((0, 3), ()):
            if shape == () and name in ("softmax", "log_softmax", "softmin"):
                kwargs = {"dim": 0}
            same_as_torch(lambda lib: _call(lib, name, lib.ones(shape) * -0.5, kwargs))
    same_as_torch(lambda lib: lib.nn.functional.glu(lib.ones(0, 4)))


cuda_only = pytest.mark.skipif(not cuda_runtime.is_available(),
                               reason=f"cuda unavailable: {cuda_runtime.unavailable()}")


# one case per op (the simulator runs a Python thread per element, and more per launch)
CUDA_CASES = list({name: (name, kwargs) for name, kwargs in reversed(TABLE)}.values())


@cuda_only
@pytest.mark.parametrize("case", CUDA_CASES, ids=_id)
def test_cuda_values_and_gradients_match_the_cpu(case):
    name, kwargs = case
    small = VALUES[:2]  # 12 elements: each simulated thread costs ~0.1 ms
    results = []
    for device in ("cpu", "cuda"):
        x = tm.tensor(small, dtype=tm.float32, device=device, requires_grad=True)
        y = _call(tm, name, x, kwargs)
        y.backward(tm.ones_like(y) * tm.arange(1.0, y.numel() + 1, device=device).reshape(y.shape))
        assert y.device.type == device and x.grad.device.type == device
        results.append((y.detach().cpu(), x.grad.cpu()))
    (y_cpu, g_cpu), (y_cuda, g_cuda) = results
    for a, b in ((y_cuda, y_cpu), (g_cuda, g_cpu)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6,
                                   equal_nan=True)


@pytest.mark.parametrize("call", ["F.elu(x, 0.5)", "F.softplus(x, 2.0)", "F.mish(x)",
                                  "F.glu(x)", "F.prelu(x, w)", "F.hardswish(x) * x"])
def test_gradients_of_gradients_as_torch(call):
    """Hessian-vector products: each backward is written in differentiable ops."""
    torch = needs_torch()
    rng = np.random.default_rng(4)
    xv, v, wv = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), np.array([0.2])

    def hvp(lib):
        x = lib.tensor(xv, requires_grad=True)
        w = lib.tensor(wv, requires_grad=True)
        y = eval(call, {"F": lib.nn.functional, "x": x, "w": w})
        (g,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        (g * lib.tensor(v[:, :g.shape[1]])).sum().backward()
        return x.grad, w.grad
    for mine, theirs in zip(hvp(tm), hvp(torch)):
        if theirs is None:
            assert mine is None
        else:
            np.testing.assert_allclose(np.asarray(mine), theirs.numpy(), rtol=1e-10,
                                       atol=1e-12)
