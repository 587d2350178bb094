"""Complex tensors' parts (ops/complex.py) and complex arithmetic through the op catalog's
complex kind, against torch: values, views and their strides, errors, and gradients in
torch's conjugate Wirtinger form (complex128)."""
import warnings

import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime
from tests.oracle import needs_torch, same_as_torch

RNG = np.random.default_rng(3)
Z = RNG.standard_normal((3, 4)) + 1j * RNG.standard_normal((3, 4))
W = RNG.standard_normal((3, 4)) + 1j * RNG.standard_normal((3, 4))


def _views(lib, data, dtype="complex64"):
    """The data as a plain tensor, a transposed view, a stepped view, a 0-d and a size-0
    tensor, and a size-1 one."""
    x = lib.tensor(data, dtype=getattr(lib, dtype))
    wide = lib.tensor(np.concatenate([data, data], 1), dtype=getattr(lib, dtype))
    return {"plain": x, "transposed": x.t().contiguous().t(), "stepped": wide[:, ::2],
            "0-d": x[1, 2], "empty": x[:0], "one": x[:1, :1]}


def _close(mine, theirs, tol=1e-5):
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1], (mine.dtype,
                                                                             theirs.dtype)
    assert tuple(mine.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(np.asarray(mine.detach()), theirs.detach().resolve_conj().numpy(),
                               rtol=tol, atol=tol, equal_nan=True)


# each op compiles its complex kernels once per layout: CI runs a few, `-m slow` all of them
UNARY = ["exp", "abs", "sgn", "angle", "reciprocal", "isnan"]
UNARY_SLOW = ["neg", "log", "sqrt", "sin", "cos", "tan", "tanh", "sinh", "cosh", "sigmoid",
              "expm1", "log1p", "log10", "log2", "rsqrt", "asin", "acos", "atan", "asinh",
              "acosh", "atanh", "square", "conj_physical", "isinf", "isfinite"]


@pytest.mark.parametrize("name", UNARY + [pytest.param(n, marks=pytest.mark.slow)
                                          for n in UNARY_SLOW])
def test_unary_as_torch(name):
    torch = needs_torch()
    mine, theirs = _views(tm, Z), _views(torch, Z)
    for view in mine:
        _close(getattr(tm, name)(mine[view]), getattr(torch, name)(theirs[view]), 2e-5)


BINARY = ["a + b", "a * b", "a / b", "a ** b", "a == b", "1j / a", "a / 0",
          "a * lib.tensor([1., 2., 3., 4.], dtype=lib.float64)", "a.clone().mul_(2j)"]
BINARY_SLOW = ["a - b", "a != b", "a + 2.5", "2 - a", "a * 1j", "a ** 2", "a ** 0.5",
               "a + lib.tensor(2.)", "lib.where(a.real > 0, a, b)", "a.clone().add_(b)",
               "lib.tensor([1, 2, 3, 4]) * a"]


@pytest.mark.parametrize("expr", BINARY + [pytest.param(e, marks=pytest.mark.slow)
                                           for e in BINARY_SLOW])
def test_binary_as_torch(expr):
    torch = needs_torch()
    for dtype in ("complex64", "complex128"):
        mine, theirs = _views(tm, Z, dtype)["stepped"], _views(torch, Z, dtype)["stepped"]
        other_mine, other_theirs = tm.tensor(W, dtype=getattr(tm, dtype)), \
            torch.tensor(W, dtype=getattr(torch, dtype))
        _close(eval(expr, {"a": mine, "b": other_mine, "lib": tm}),
               eval(expr, {"a": theirs, "b": other_theirs, "lib": torch}), 2e-5)


@pytest.mark.parametrize("expr", [
    "a.sum()", "a.sum(0)", "a.sum(1, keepdim=True)", "a.mean()", "a.mean(0)", "a.prod()",
    "a.prod(1)", "a.prod(0, keepdim=True)", "a.cumsum(1)", "a.cumprod(0)", "a @ a.t()",
    "lib.matmul(a[0], a.t())", "a[:0].sum(0)", "a[:0].prod(1)",
    "lib.tensor([1., 2.]).sum(dtype=lib.complex64)",
])
def test_reductions_and_matmul_as_torch(expr):
    torch = needs_torch()
    _close(eval(expr, {"a": tm.tensor(Z), "lib": tm}), eval(expr, {"a": torch.tensor(Z),
                                                                   "lib": torch}), 1e-4)


@pytest.mark.parametrize("expr", [
    "a < b", "a >= 1", "a.floor()", "a.ceil()", "a.trunc()", "a.round()", "a.relu()",
    "a.clamp(0, 1)", "a.sign()", "lib.maximum(a, b)", "lib.minimum(a, b)", "a.max()",
    "a.min()", "a.max(0)", "a.amax()", "a.amin(0)", "a.argmax()", "a.argmin(0)", "lib.sort(a)",
    "lib.argsort(a)", "lib.topk(a, 1)", "a.cummax(0)", "a.median()", "a.kthvalue(1)",
    "a.unique()", "a.erf()", "a % b", "a // b", "lib.atan2(a, b)", "lib.fmod(a, b)",
    "lib.histc(a)", "lib.msort(a)", "a.mode()",
])
def test_refused_ops_raise_torchs_errors(expr):
    _same_error(expr)


def _same_error(expr):
    torch = needs_torch()
    errors = []
    for lib in (tm, torch):
        with pytest.raises(Exception) as info:
            eval(expr, {"a": lib.tensor(Z), "b": lib.tensor(W), "lib": lib})
        errors.append((type(info.value).__name__, str(info.value)))
    assert errors[0] == errors[1], expr


def test_real_and_imag_are_writable_views():
    torch = needs_torch()
    for lib in (tm, torch):
        x = lib.tensor([[1 + 2j, 3 - 1j], [0.5j, 2]])
        assert x.real.stride() == (4, 2) and x.imag.storage_offset() == 1
        assert x.t().imag.stride() == (2, 4)
        x.real.mul_(2)
        x.imag[1, 1] = 7
        x[0].imag.fill_(-1)
        assert x.tolist() == [[2 - 1j, 6 - 1j], [0.5j, 4 + 7j]], lib
    assert tm.real(tm.tensor([1., 2.])).tolist() == [1., 2.]


@pytest.mark.parametrize("expr", [
    "lib.view_as_real(z)", "lib.view_as_real(z.t())", "lib.view_as_real(z[:, 1:])",
    "lib.view_as_real(z[1, 1])", "lib.view_as_real(z.real)",
    "lib.view_as_complex(r)", "lib.view_as_complex(r[::2])", "lib.view_as_complex(r[:, 1:3])",
    "lib.view_as_complex(r.t().contiguous().t())", "lib.view_as_complex(r[0, :1])",
    "lib.view_as_complex(r.int())", "lib.view_as_complex(lib.tensor(1.))",
    "lib.view_as_complex(lib.zeros(3, 3)[:, :2])", "lib.view_as_complex(lib.zeros(0, 2))",
    "lib.view_as_complex(lib.view_as_real(z))", "lib.imag(r)", "lib.real(z.t())",
    "lib.complex(r, r)", "lib.complex(r, r.double())", "lib.complex(r.int(), r.int())",
    "lib.complex(r[:, :1], r[0])", "lib.polar(r.abs(), r)", "lib.polar(r, r.double())",
    "lib.angle(r)", "lib.angle(lib.tensor([-1, 0, 2]))", "lib.sgn(r)", "lib.conj(r)",
    "lib.conj(z)", "z.conj().is_conj() and False", "z.resolve_conj()",
])
def test_parts_as_torch(expr):
    r = np.arange(12.0).reshape(3, 4) - 5
    same_as_torch(lambda lib: eval(expr, {"lib": lib, "z": lib.tensor(Z).resolve_conj(),
                                          "r": lib.tensor(r)}))


def test_views_share_memory_with_the_complex_tensor():
    r = tm.arange(8.0).view(2, 2, 2)
    z = tm.view_as_complex(r)
    z.mul_(1j)
    assert r.tolist() == [[[-1.0, 0.0], [-3.0, 2.0]], [[-5.0, 4.0], [-7.0, 6.0]]]
    parts = tm.view_as_real(z)
    parts[0, 0, 0] = 100
    assert z[0, 0].item() == 100 + 0j
    assert not z.is_conj() and z.resolve_conj() is z


GRADS = [
    "(z * w).abs().sum()", "(z / w).real.sum()", "(z.exp() + z.log()).imag.sum()",
    "z.angle().sum()", "z.sgn().real.sum()", "(z.sum() * 1j).real", "(z @ w.t()).abs().sum()",
    "lib.view_as_real(z).pow(3).sum()", "lib.complex(z.real, z.imag * 3).abs().sum()",
]
GRADS_SLOW = [
    "z.sqrt().abs().sum()", "(z ** w).abs().sum()", "(z ** 2.5).real.sum()",
    "z.tanh().abs().sum()", "z.sigmoid().imag.sum()", "z.conj_physical().imag.sum()",
    "z.reciprocal().abs().sum()", "z.mean(0).abs().sum()", "z.prod(1).abs().sum()",
    "lib.view_as_complex(lib.view_as_real(z) * 2).abs().sum()",
    "z.to(lib.complex64).abs().sum()", "(z.real * 2 + z.imag).sum()",
    "lib.where(z.real > 0, z, w).abs().sum()",
]


@pytest.mark.parametrize("expr", GRADS + [pytest.param(e, marks=pytest.mark.slow)
                                          for e in GRADS_SLOW])
def test_gradients_as_torch(expr):
    torch = needs_torch()
    grads = []
    for lib in (tm, torch):
        z = lib.tensor(Z, dtype=lib.complex128, requires_grad=True)
        w = lib.tensor(W, dtype=lib.complex128, requires_grad=True)
        eval(expr, {"z": z, "w": w, "lib": lib}).backward()
        grads.append([None if x.grad is None else np.asarray(x.grad) for x in (z, w)])
    for mine, theirs in zip(*grads):
        assert (mine is None) == (theirs is None), expr
        if mine is not None:
            np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-6, err_msg=expr)


def test_real_inputs_get_real_gradients():
    torch = needs_torch()
    grads = []
    for lib in (tm, torch):
        x = lib.tensor([0.5, -1.5, 2.0], dtype=lib.float64, requires_grad=True)
        y = lib.tensor([1.0, 2.0, -0.5], dtype=lib.float64, requires_grad=True)
        (lib.polar(x.abs() + 1, y) * (x + 1j)).abs().sum().backward()
        grads.append((np.asarray(x.grad), np.asarray(y.grad), str(x.grad.dtype)))
    np.testing.assert_allclose(grads[0][0], grads[1][0], atol=1e-12)
    np.testing.assert_allclose(grads[0][1], grads[1][1], atol=1e-12)
    assert grads[0][2].split(".")[-1] == "float64"
    with pytest.raises(RuntimeError, match="real scalar outputs"):
        tm.tensor([1j], requires_grad=True).sum().backward()


def test_inplace_write_through_a_part_of_a_tensor_in_the_graph_is_refused():
    z = tm.tensor([1j, 2], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="real views"):
        z.real.mul_(2)


@pytest.mark.skipif(not cuda_runtime.is_available(), reason="no cuda device")
def test_cuda_matches_cpu():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for dtype in (tm.complex64, tm.complex128):
            for expr in ("a * b + 1j", "(a / b).exp()", "a.abs()", "a.angle()", "a.sum(0)",
                         "a.mean()", "a.prod(1)", "a @ b.t()", "a.real + a.imag",
                         "tm.view_as_real(a.t())", "tm.complex(a.imag, a.real)",
                         "a.to(tm.float32)", "a == b", "a ** 2"):
                cpu = eval(expr, {"a": tm.tensor(Z[:2, :3], dtype=dtype),
                                  "b": tm.tensor(W[:2, :3], dtype=dtype), "tm": tm})
                cuda = eval(expr, {"a": tm.tensor(Z[:2, :3], dtype=dtype, device="cuda"),
                                   "b": tm.tensor(W[:2, :3], dtype=dtype, device="cuda"),
                                   "tm": tm})
                assert cuda.device.type == "cuda" and cuda.dtype is cpu.dtype, expr
                np.testing.assert_allclose(np.asarray(cuda.cpu()), np.asarray(cpu), rtol=1e-5,
                                           atol=1e-6, err_msg=expr)
