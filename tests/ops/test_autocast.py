"""Autocast's op policies: the result dtype of each op inside `autocast("cpu")` against
torch's (for float32 and bfloat16 inputs), values and gradients through the casts, and
under `autocast("cuda")` the dtypes of torch's documented cuda op lists."""
import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime

RNG = np.random.default_rng(0)
A = RNG.standard_normal((4, 4)).astype(np.float32)
B = RNG.standard_normal((4, 4)).astype(np.float32)
LABELS = np.array([0, 1, 2, 3])

# expressions over L (the library), F (its nn.functional), a (float32 or bfloat16 input),
# b (a float32 tensor), labels (int64)
CPU_OPS = {
    # lower precision
    "mm": "L.mm(a, b)", "matmul": "a @ b", "linear": "F.linear(a, b, b[0])",
    "matmul of views": "a.t() @ b[:, ::2]", "mm of no rows": "L.mm(a[:0], b)",
    "addmm": "L.addmm(b, a, b)", "bmm": "L.bmm(a[None], b[None])",
    "baddbmm": "L.baddbmm(b[None], a[None], b[None])",
    "conv1d": "F.conv1d(a[None], b[:, :, None])", "conv2d": "F.conv2d(a[None, None], b[None, None, :2, :2])",
    "conv_transpose1d": "F.conv_transpose1d(a[None], b[:, :, None])",
    "prelu": "F.prelu(a, L.tensor([0.25]))",
    "einsum (a composite)": "L.einsum('ij,jk->ik', a, b)",
    # listed nowhere on the cpu: natively, in the inputs' dtype
    "mv": "L.mv(a, b[0])", "dot": "L.dot(a[0], b[0])", "addmv": "L.addmv(b[0], a, b[0])",
    "addr": "L.addr(b, a[0], b[0])", "tensordot": "L.tensordot(a, b)", "outer": "L.outer(a[0], b[0])",
    "softmax": "F.softmax(a, -1)", "log_softmax": "F.log_softmax(a, 1)",
    "layer_norm": "F.layer_norm(a, (4,))", "group_norm": "F.group_norm(a[None], 2)",
    "batch_norm": "F.batch_norm(a, None, None, training=True)",
    "exp": "a.exp()", "pow": "a.pow(2)", "sum": "a.sum()", "cumsum": "a.cumsum(0)",
    "mean": "a.mean(0)", "var": "a.var()", "amax": "a.amax(0)", "gelu": "F.gelu(a)",
    "sigmoid": "a.sigmoid()", "softplus": "F.softplus(a)", "tanh": "L.tanh(a)",
    "cosine_similarity": "F.cosine_similarity(a, a)", "normalize": "F.normalize(a)",
    "mul": "a * a", "getitem": "a[1:3, ::2]", "avg_pool1d": "F.avg_pool1d(a[None], 2)",
    "adaptive_avg_pool2d": "F.adaptive_avg_pool2d(a[None], (3, 3))",
    # float32
    "prod": "a.prod()", "trace": "L.trace(a)",
    "inverse": "L.inverse(a * 0.1 + L.eye(4, dtype=a.dtype))", "mse_loss": "F.mse_loss(a, a * 0.5)",
    "cross_entropy": "F.cross_entropy(a, labels)", "nll_loss": "F.nll_loss(a, labels)",
    "l1_loss": "F.l1_loss(a, a * 0.5)", "smooth_l1_loss": "F.smooth_l1_loss(a, a * 0.5)",
    "huber_loss": "F.huber_loss(a, a * 0.5)", "kl_div": "F.kl_div(a, a.exp(), reduction='batchmean')",
    "binary_cross_entropy": "F.binary_cross_entropy(a.sigmoid(), b.sigmoid())",
    "bce_with_logits": "F.binary_cross_entropy_with_logits(a, b.sigmoid())",
    "soft_margin_loss": "F.soft_margin_loss(a, a.sign())",
    "margin_ranking_loss": "F.margin_ranking_loss(a[0], a[1], b[2].sign())",
    "hinge_embedding_loss": "F.hinge_embedding_loss(a, b.sign())",
    # promote
    "cat": "L.cat([a, b])", "stack": "L.stack([b, a])",
    "index_copy": "b.index_copy(0, L.tensor([1]), a[:1])",
    # natively promoting, untouched
    "add": "a + b", "addcmul": "L.addcmul(b, a, a)", "where": "L.where(a > 0, a, b)",
    # float64 is never cast, integers neither
    "mm of float64": "L.mm(a.double(), b.double())", "prod of float64": "a.double().prod()",
    "mm of int64": "L.mm(labels[None], labels[:, None])",
}


def run(lib, expr, low_input):
    """The expression's result under autocast("cpu"), or the error it raised."""
    F = lib.nn.functional
    a, b = lib.tensor(A), lib.tensor(B)
    if low_input:
        a = a.to(lib.bfloat16)
    try:
        with lib.autocast("cpu"):
            return eval(expr, {"L": lib, "F": F, "a": a, "b": b, "labels": lib.tensor(LABELS)})
    except RuntimeError as e:  # (ops torch does not list refuse mixed dtypes, in both)
        return e


@pytest.mark.parametrize("name", CPU_OPS)
def test_cpu_result_dtype_and_values_follow_torch(name):
    torch = pytest.importorskip("torch")
    for low_input in (False, True):
        got, expected = run(tm, CPU_OPS[name], low_input), run(torch, CPU_OPS[name], low_input)
        if isinstance(expected, Exception):
            assert isinstance(got, RuntimeError), (low_input, got, expected)
            continue
        assert not isinstance(got, Exception), (low_input, got)
        assert repr(got.dtype) == repr(expected.dtype), (low_input, got.dtype, expected.dtype)
        values = np.array(got.float().tolist()).reshape(tuple(got.shape))
        np.testing.assert_allclose(values, expected.float().detach().numpy(), rtol=2e-2,
                                   atol=2e-2)


def test_gradients_reach_float32_parameters_through_the_casts():
    """A bf16 linear and a float32 loss under autocast: the parameters' gradients are
    float32, and equal torch's (whose bf16 matmuls round the same way)."""
    torch = pytest.importorskip("torch")
    grads = {}
    for lib in (tm, torch):
        w = lib.tensor(A, requires_grad=True)
        bias = lib.tensor(B[0], requires_grad=True)
        x = lib.tensor(B)
        with lib.autocast("cpu"):
            h = lib.nn.functional.linear(x, w, bias)
            out = lib.nn.functional.linear(h, w)  # the same weight twice: one cached cast
            loss = lib.nn.functional.mse_loss(out, x)
        loss.backward()
        assert h.dtype == lib.bfloat16 and loss.dtype == lib.float32
        grads[lib.__name__] = [(repr(t.grad.dtype), np.array(t.grad.float().tolist()))
                               for t in (w, bias)]
    for (dt, g), (dt_torch, g_torch) in zip(grads["tensorrt_mini"], grads["torch"]):
        assert dt == dt_torch == "torch.float32"
        np.testing.assert_allclose(g, g_torch, rtol=2e-2, atol=2e-2)


def test_ops_on_another_device_type_are_not_cast():
    x = tm.tensor(A)
    with tm.autocast("cuda", enabled=cuda_runtime.is_available()):
        assert (x @ x).dtype is tm.float32  # a cpu matmul: cuda's autocast leaves it alone


def test_explicit_dtype_is_kept_by_fp32_set_opt_dtype_ops():
    need_cuda()
    x = tm.tensor(A[:2, :2], device="cuda").half()
    with tm.autocast("cuda"):
        assert x.sum().dtype is tm.float32
        assert x.sum(dtype=tm.float16).dtype is tm.float16
        assert tm.nn.functional.softmax(x, 0, dtype=tm.float64).dtype is tm.float64


def need_cuda():
    if not cuda_runtime.is_available():
        pytest.skip("no cuda device (nor its simulator) here")


# torch's documented cuda lists (torch.amp docs, "CUDA Op-Specific Behavior"): float16
# for the first, float32 for the second, the widest input for the third
CUDA_OPS = {
    "mm": ("L.mm(a, b)", "float16"), "linear": ("F.linear(a, b)", "float16"),
    "mv": ("L.mv(a, b[0])", "float16"),
    "softmax": ("F.softmax(a, 0)", "float32"), "exp": ("a.exp()", "float32"),
    "**": ("a.half() ** 2", "float32"), "reflected **": ("2 ** a.half()", "float32"),
    "sum": ("a.sum()", "float32"), "layer_norm": ("F.layer_norm(a, (2,))", "float32"),
    "mse_loss": ("F.mse_loss(a, a)", "float32"),
    "cat of float16 and float32": ("L.cat([a.half(), b])", "float32"),
    "cat of float16": ("L.cat([a.half(), b.half()])", "float16"),
    "addcmul": ("L.addcmul(b, a.half(), a.half())", "float32"),
    "relu (unlisted)": ("F.relu(a.half())", "float16"),
}


@pytest.mark.parametrize("name", CUDA_OPS)
def test_cuda_policies_follow_torch_documented_lists(name):
    need_cuda()
    expr, dtype = CUDA_OPS[name]
    a = tm.tensor(A[:2, :2], device="cuda")
    b = tm.tensor(B[:2, :2], device="cuda")
    with tm.autocast("cuda"):
        out = eval(expr, {"L": tm, "F": tm.nn.functional, "a": a, "b": b})
    assert out.dtype is getattr(tm, dtype)


def test_an_op_writing_into_out_is_not_cast():
    torch = pytest.importorskip("torch")
    for lib in (tm, torch):
        a = lib.tensor(A[:2, :2])
        out = lib.empty(2, 2)
        with lib.autocast("cpu"):
            lib.mm(a, a, out=out)
        assert out.dtype == lib.float32
        np.testing.assert_allclose(np.array(out.tolist()), A[:2, :2] @ A[:2, :2], rtol=1e-6)


def test_cuda_binary_cross_entropy_is_refused_as_torch_refuses_it():
    need_cuda()
    p = tm.tensor([0.25, 0.5], device="cuda")
    with tm.autocast("cuda"), pytest.raises(RuntimeError) as err:
        tm.nn.functional.binary_cross_entropy(p, p)
    assert str(err.value).startswith("torch.nn.functional.binary_cross_entropy and "
                                     "torch.nn.BCELoss are unsafe to autocast.")
