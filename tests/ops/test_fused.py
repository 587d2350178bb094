"""tm.elementwise: user-written fused kernels, against numpy (values) and torch (dtypes,
errors and gradients), on cpu and on cuda under the simulator."""
import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime

from oracle import needs_torch

DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not cuda_runtime.is_available(), reason=f"cuda unavailable: {cuda_runtime.unavailable()}"))]


@tm.elementwise
def gelu_tanh(x):
    return 0.5 * x * (1.0 + math.tanh(0.7978845608 * (x + 0.044715 * x * x * x)))


@tm.elementwise
def axpby(a, b, alpha):
    return alpha * a + b


@tm.elementwise
def sum_and_greater(a, b):
    return a + b, a > b


def _gelu(x):
    return 0.5 * x * (1.0 + np.tanh(0.7978845608 * (x + 0.044715 * x ** 3)))


LAYOUTS = {
    "contiguous": lambda t: t,
    "transposed": lambda t: t.t(),
    "stepped": lambda t: t[::2, 1::2],
    "expanded": lambda t: t[:1].expand(5, 4),
    "0-d": lambda t: t[1, 2],
    "empty": lambda t: t[:, :0],
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_any_layout(device, layout):
    base = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    view = LAYOUTS[layout]
    x = view(tm.tensor(base, device=device))
    want = _gelu(np.asarray(view(tm.tensor(base))).astype(np.float64))
    got = gelu_tanh(x)
    assert got.dtype is tm.float32 and got.shape == x.shape and got.device == x.device
    np.testing.assert_allclose(np.asarray(got.cpu()), want, rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("device", DEVICES)
def test_broadcasting_transposed_operands_and_weak_scalars(device):
    a = tm.arange(12.0, device=device).reshape(3, 4)
    b = tm.arange(12.0, device=device).reshape(4, 3)
    got = axpby(a, b.t(), 2)
    np.testing.assert_array_equal(np.asarray(got.cpu()),
                                  2 * np.arange(12.0).reshape(3, 4) + np.arange(12.0).reshape(4, 3).T)
    row = axpby(a, tm.tensor([1.0, 2.0, 3.0, 4.0], device=device), 0.5)
    np.testing.assert_array_equal(np.asarray(row.cpu()),
                                  0.5 * np.arange(12.0).reshape(3, 4) + [1, 2, 3, 4])
    assert row.dtype is tm.float32  # a Python float beside float32 tensors stays float32


def test_promotion_follows_torch():
    torch = needs_torch()
    cases = [(tm.int32, 2.5), (tm.int64, 3), (tm.uint8, -1), (tm.float64, 2), (tm.int8, 2.0)]
    for dtype, scalar in cases:
        x = tm.ones(3, dtype=dtype)
        t = torch.ones(3, dtype=getattr(torch, dtype.name))
        assert axpby(x, x, scalar).dtype.name == (scalar * t + t).dtype.__str__().split(".")[1]
    # mixed tensors: the wider type wins; a 0-d tensor of a higher category brings its own
    for a, b in ((tm.ones(3, dtype=tm.int16), tm.ones(3, dtype=tm.int64)),
                 (tm.ones(3, dtype=tm.int32), tm.tensor(1.0, dtype=tm.float64)),
                 (tm.ones(3, dtype=tm.float32), tm.tensor(1.0, dtype=tm.float64))):
        ta, tb = torch.tensor(np.asarray(a)), torch.tensor(np.asarray(b))
        assert axpby(a, b, 1).dtype.name == str((ta + tb).dtype).split(".")[1]
    # a body is Python: True * True + True is 2, so arithmetic on bools gives int64 (torch's
    # own bool + and * are or and and)
    assert axpby(tm.ones(3, dtype=tm.bool), tm.ones(3, dtype=tm.bool), True).dtype is tm.int64


def test_result_dtype_follows_the_body():
    @tm.elementwise
    def half(x):
        return x * 0.5

    @tm.elementwise
    def positive(x):
        return x > 0

    assert half(tm.tensor([3, 4])).dtype is tm.float32  # an int input, a float result
    np.testing.assert_array_equal(np.asarray(half(tm.tensor([3, 4]))), [1.5, 2.0])
    assert positive(tm.tensor([-1.0, 2.0])).dtype is tm.bool
    assert half(tm.tensor([3.0]), out_dtype=tm.float64).dtype is tm.float64


def test_literals_compute_in_the_tensors_dtype():
    """float32 in, float32 arithmetic: 1/3 rounds as float32 does, not as float64."""
    @tm.elementwise
    def third(x):
        return x / 3.0 + 0.1

    got = np.asarray(third(tm.tensor([1.0])))
    want = np.float32(1.0) / np.float32(3.0) + np.float32(0.1)
    assert got[0] == want


@pytest.mark.parametrize("device", DEVICES)
def test_several_outputs(device):
    a = tm.tensor([[1.0, 5.0], [3.0, -2.0]], device=device)
    s, g = sum_and_greater(a, a.t())
    np.testing.assert_array_equal(np.asarray(s.cpu()), [[2.0, 8.0], [8.0, -4.0]])
    np.testing.assert_array_equal(np.asarray(g.cpu()), [[False, True], [False, False]])
    assert g.dtype is tm.bool


@pytest.mark.parametrize("device", DEVICES)
def test_out_and_in_place(device):
    x = tm.tensor([1.0, 2.0, 3.0], device=device)
    before = x._version if hasattr(x, "_version") else None
    assert axpby(x, 1.0, 2.0, out=x) is x
    np.testing.assert_array_equal(np.asarray(x.cpu()), [3.0, 5.0, 7.0])
    if before is not None:
        assert x._version == before + 1
    y = tm.zeros(3, 3, device=device)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        axpby(x, x, 1.0, out=y)
    z = tm.zeros(3, dtype=tm.int64, device=device)
    with pytest.raises(RuntimeError, match="can't be cast"):
        axpby(x, x, 1.0, out=z)
    e = tm.zeros(1, device=device).expand(3)
    with pytest.raises(RuntimeError, match="more than one element"):
        axpby(x, x, 1.0, out=e)


def test_errors():
    with pytest.raises(TypeError, match="takes 3 arguments"):
        axpby(tm.ones(2), tm.ones(2))
    with pytest.raises(TypeError, match="needs at least one Tensor"):
        axpby(1.0, 2.0, 3.0)
    with pytest.raises(TypeError, match="must be a Tensor or a number"):
        axpby(tm.ones(2), "b", 1.0)
    with pytest.raises(RuntimeError, match="size of tensor a"):
        axpby(tm.ones(2), tm.ones(3), 1.0)


def test_a_body_numba_cannot_compile_raises_one_clear_error():
    @tm.elementwise
    def broken(x):
        return x.no_such_attribute

    with pytest.raises(TypeError) as e:
        broken(tm.ones(2))
    message = str(e.value)
    assert "broken(float32)" in message and "does not compile" in message
    assert "no_such_attribute" in message
    assert len(message) < 700


def test_calling_on_inputs_that_require_grad_without_a_derivative_says_how_to_add_one():
    x = tm.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="grads="):
        gelu_tanh(x)
    with tm.no_grad():
        assert gelu_tanh(x).requires_grad is False


def _dgelu(x, g):
    k = 0.7978845608
    inner = k * (x + 0.044715 * x * x * x)
    t = math.tanh(inner)
    return g * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * k * (1.0 + 3 * 0.044715 * x * x))


gelu_grad = tm.elementwise(gelu_tanh.__wrapped__, grads=[_dgelu])


@pytest.mark.parametrize("device", DEVICES)
def test_autograd_through_gradient_bodies(device):
    torch = needs_torch()
    base = np.random.default_rng(2).standard_normal((3, 4))
    x = tm.tensor(base, requires_grad=True, device=device)
    y = gelu_grad(x.t())
    assert y.grad_fn is not None
    y.sum().backward()
    t = torch.tensor(base, requires_grad=True)
    torch.nn.functional.gelu(t.t(), approximate="tanh").sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad.cpu()), t.grad.numpy(), rtol=1e-7, atol=1e-8)


def test_gradients_broadcast_back_and_skip_numbers_and_inputs_without_a_body():
    mul = tm.elementwise(lambda a, b, s: a * b * s,
                         grads=[lambda a, b, s, g: g * b * s, None, None])
    a = tm.tensor([1.0, 2.0], requires_grad=True)
    b = tm.tensor([[3.0], [4.0]], requires_grad=True)
    mul(a, b, 2.0).sum().backward()
    np.testing.assert_array_equal(np.asarray(a.grad), [14.0, 14.0])
    assert b.grad is None
    with pytest.raises(TypeError, match="one per input"):
        tm.elementwise(lambda a, b: a + b, grads=[None])


def test_gradcheck():
    x = tm.tensor(np.linspace(-2, 2, 7), requires_grad=True)
    assert tm.autograd.gradcheck(gelu_grad, (x,))


def test_several_outputs_are_differentiable():
    polar = tm.elementwise(
        lambda r, t: (r * math.cos(t), r * math.sin(t)),
        grads=[lambda r, t, gx, gy: gx * math.cos(t) + gy * math.sin(t),
               lambda r, t, gx, gy: -gx * r * math.sin(t) + gy * r * math.cos(t)])
    r = tm.tensor([1.0, 2.0], requires_grad=True)
    t = tm.tensor([0.0, math.pi / 2], requires_grad=True)
    x, y = polar(r, t)
    (x + 2 * y).sum().backward()
    np.testing.assert_allclose(np.asarray(r.grad), [1.0, 2.0], atol=1e-6)
    np.testing.assert_allclose(np.asarray(t.grad), [2.0, -2.0], atol=1e-6)


def test_kernels_are_cached_on_disk_for_the_next_process(tmp_path):
    script = textwrap.dedent("""
        import math, sys, time
        import tensorrt_mini as tm
        from tensorrt_mini.kernels.cpu import elementwise as ew

        @tm.elementwise
        def f(x, y):
            return math.exp(-x * x) * y

        x = tm.ones(1000)
        f(x, x)
        module = ew.kernels(f.body, ("float32", "float32"), "tt", 1)
        print(sum(module.contig.stats.cache_hits.values()),
              sum(module.contig.stats.cache_misses.values()))
    """)
    path = tmp_path / "user_kernel.py"
    path.write_text(script)
    env = {"TENSORRT_MINI_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    import os
    env = dict(os.environ, **env)
    first = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, env=env,
                           timeout=300)
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.stdout.split() == ["0", "1"]  # compiled
    second = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, env=env,
                            timeout=300)
    assert second.returncode == 0, second.stderr[-3000:]
    assert second.stdout.split() == ["1", "0"]  # loaded from the disk cache


# --- tm.reduction ------------------------------------------------------------------------

sum_sq = tm.reduction(lambda x: x * x, lambda a, b: a + b, 0,
                      grads=[lambda x, out, g: 2 * x * g], name="sum_sq")


def _lse_combine(a, b):
    m = max(a[0], b[0])
    if m == -math.inf:
        return a
    return (m, a[1] * math.exp(a[0] - m) + b[1] * math.exp(b[0] - m))


logsumexp = tm.reduction(lambda x: (x, 1.0), _lse_combine, (-math.inf, 0.0),
                         post=lambda s: s[0] + math.log(s[1]),
                         grads=[lambda x, out, g: g * math.exp(x - out)], name="logsumexp")


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (1, True), ((0, 2), False),
                                          (-1, False), ((), False)])
def test_reduction_over_any_dims_and_strides(device, dim, keepdim):
    torch = needs_torch()
    base = np.random.default_rng(3).standard_normal((4, 3, 5))
    x = tm.tensor(base, device=device).permute(2, 0, 1)[::2]  # strided, permuted
    t = torch.tensor(base).permute(2, 0, 1)[::2]
    tdim = dim if dim not in (None, ()) else tuple(range(3))  # () is all, as in tm.sum
    want = (t * t).sum(tdim, keepdim=keepdim)
    got = sum_sq(x, dim=dim, keepdim=keepdim)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(np.asarray(got.cpu()), want.numpy(), rtol=1e-12)
    want = torch.logsumexp(t, tdim, keepdim=keepdim)
    np.testing.assert_allclose(np.asarray(logsumexp(x, dim=dim, keepdim=keepdim).cpu()),
                               want.numpy(), rtol=1e-12)


def test_reduction_of_a_large_tensor_runs_in_parallel_chunks():
    base = np.random.default_rng(4).standard_normal(100_003)
    got = float(np.asarray(logsumexp(tm.tensor(base))))
    assert got == pytest.approx(np.log(np.exp(base).sum()), rel=1e-12)
    rows = np.asarray(sum_sq(tm.tensor(base[:100_000].reshape(50, 2000)), dim=1))
    np.testing.assert_allclose(rows, (base[:100_000].reshape(50, 2000) ** 2).sum(1), rtol=1e-12)


def test_reduction_dtypes_and_empty_inputs():
    # integer states widen as the bodies widen them: a sum of int32 squares is int64, as
    # torch's sum of int32 is; a max stays uint8
    assert sum_sq(tm.tensor([1, 2, 3], dtype=tm.int32)).dtype is tm.int64
    assert int(np.asarray(sum_sq(tm.tensor([1, 2, 3], dtype=tm.int32)))) == 14
    count = tm.reduction(lambda x: x, lambda a, b: a + b, 0)
    assert int(np.asarray(count(tm.tensor([True, True, True, False])))) == 3
    assert int(np.asarray(count(tm.tensor([200, 100], dtype=tm.uint8)))) == 300
    biggest = tm.reduction(lambda x: x, lambda a, b: max(a, b), 0)
    assert biggest(tm.tensor([200, 100], dtype=tm.uint8)).dtype is tm.uint8
    positive = tm.reduction(lambda x: x, lambda a, b: a + b, 0.0, post=lambda s: s > 0)
    np.testing.assert_array_equal(np.asarray(positive(tm.tensor([[1.0, 2.0], [-3.0, 1.0]]), dim=1)),
                                  [True, False])
    assert sum_sq(tm.ones(3)).dtype is tm.float32
    empty = sum_sq(tm.ones(2, 0), dim=1)
    np.testing.assert_array_equal(np.asarray(empty), [0.0, 0.0])  # the identity
    assert sum_sq(tm.ones(0, 3), dim=1).shape == (0,)
    any_neg = tm.reduction(lambda x: x < 0, lambda a, b: a or b, False)
    assert any_neg(tm.tensor([1.0, -1.0])).dtype is tm.bool


@pytest.mark.parametrize("device", DEVICES)
def test_reduction_gradients_against_torch(device):
    torch = needs_torch()
    base = np.random.default_rng(5).standard_normal((3, 4))
    for kernel, ref in ((sum_sq, lambda t: (t * t).sum(1)),
                        (logsumexp, lambda t: torch.logsumexp(t, 1))):
        x = tm.tensor(base, requires_grad=True, device=device)
        t = torch.tensor(base, requires_grad=True)
        g = np.arange(3.0)
        kernel(x, dim=1).backward(tm.tensor(g, device=device))
        ref(t).backward(torch.tensor(g))
        np.testing.assert_allclose(np.asarray(x.grad.cpu()), t.grad.numpy(), rtol=1e-10)
    x = tm.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    assert tm.autograd.gradcheck(lambda x: logsumexp(x, dim=0), (x,))


def test_reduction_errors():
    plain = tm.reduction(lambda x: x, lambda a, b: a + b, 0)
    with pytest.raises(RuntimeError, match="no derivative"):
        plain(tm.ones(2, requires_grad=True))
    with pytest.raises(TypeError, match="identity has 1 values but its map returns 2"):
        tm.reduction(lambda x: (x, x), lambda a, b: a, 0, post=lambda s: s[0])(tm.ones(2))
    with pytest.raises(TypeError, match="does not compile"):
        tm.reduction(lambda x: x, lambda a, b: a.nope, 0)(tm.ones(2))
    with pytest.raises(TypeError, match="must be a Tensor"):
        plain(2.0)
    with pytest.raises(RuntimeError, match="multiple times"):
        plain(tm.ones(2, 2), dim=(0, 0))


# --- what names a compiled kernel: everything the body computes with ----------------------

def test_bodies_that_differ_only_in_what_they_read_get_their_own_kernels():
    inc, dbl = tm.elementwise(lambda x: x + 1), tm.elementwise(lambda x: x * 2)  # one line
    x = tm.tensor([1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(dbl(x)), [2.0, 4.0])
    np.testing.assert_array_equal(np.asarray(inc(x)), [2.0, 3.0])

    def make(f):
        return tm.elementwise(lambda v: f(v))
    np.testing.assert_allclose(np.asarray(make(math.exp)(x)), np.exp([1.0, 2.0]), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(make(math.tanh)(x)), np.tanh([1.0, 2.0]), rtol=1e-6)
    global _SCALE
    for scale in (2.0, 10.0):  # a global the body reads, changed between definitions
        _SCALE = scale
        np.testing.assert_array_equal(np.asarray(tm.elementwise(_scaled)(x)), [scale, 2 * scale])


_SCALE = 1.0


def _scaled(x):
    return x * _SCALE


def test_a_body_edited_on_disk_since_import_runs_as_imported(tmp_path, monkeypatch):
    module = tmp_path / "edited_body.py"
    module.write_text("def f(x):\n    return x + 1.5\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import edited_body
    module.write_text("def f(x):\n    return x * 100.0\n")
    import linecache
    linecache.checkcache()
    np.testing.assert_array_equal(np.asarray(tm.elementwise(edited_body.f)(tm.tensor([2.0]))),
                                  [3.5])


def test_several_outputs_over_large_broadcast_and_transposed_operands():
    def sum_diff(x, y):
        return x + y, x - y
    kernel = tm.elementwise(sum_diff)
    a = np.random.default_rng(6).standard_normal((200, 200)).astype(np.float32)
    b = np.arange(200, dtype=np.float32)
    s, d = kernel(tm.tensor(a), tm.tensor(b))  # 40000 elements: the parallel kernels
    np.testing.assert_array_equal(np.asarray(s), a + b)
    np.testing.assert_array_equal(np.asarray(d), a - b)
    s, d = kernel(tm.tensor(a).t(), tm.tensor(a))
    np.testing.assert_array_equal(np.asarray(s), a.T + a)


@pytest.mark.parametrize("name", ["float16", "bfloat16"])
def test_user_kernels_on_half_compute_in_float32(name):
    dt = getattr(tm, name)
    fma = tm.elementwise(lambda a, b, c: a * b + c, name="fma_half")
    squares = tm.reduction(lambda a: a * a, lambda p, q: p + q, 0.0, name="squares_half")
    x = tm.tensor([1.1, -2.2, 3.3, 0.01], dtype=dt)
    got = fma(x, x, 0.5)
    assert got.dtype is dt and got.tolist() == (x * x + 0.5).tolist()
    total = squares(x)
    assert total.dtype is dt and total.tolist() == (x.float() * x.float()).sum().to(dt).tolist()
