"""The cuda backend's flash_attention_forward / _backward: given tiles, lse, the
empty-size paths, and the buffer checks made before any launch."""
import math

import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime

RNG = np.random.default_rng(11)


@pytest.fixture(scope="module")
def backend():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    from tensorrt_mini.backends import cuda
    return cuda


def _t(shape, dtype=tm.float32, device="cuda"):
    return tm.tensor(RNG.standard_normal(shape), dtype=dtype, device=device)


def _empty(*shape, dtype=tm.float32, device="cuda"):
    return tm.empty(*shape, dtype=dtype, device=device)


def test_forward_with_given_tiles_and_lse(backend):
    q, k, v = _t((3, 6, 4)), _t((3, 5, 4)), _t((3, 5, 2))
    out, lse = _empty(3, 6, 2), _empty(3, 6)
    backend.flash_attention_forward(out, lse, q, k, v, 0.5, True, tiles=(4, 2))
    s = 0.5 * np.einsum("bie,bje->bij", *(x.cpu().numpy().astype(np.float64) for x in (q, k)))
    s = np.where(np.tril(np.ones((6, 5), bool)), s, -np.inf)
    want_lse = np.log(np.exp(s).sum(-1))
    p = np.exp(s - want_lse[..., None])
    np.testing.assert_allclose(lse.cpu().numpy(), want_lse, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.cpu().numpy(), p @ v.cpu().numpy(), rtol=1e-5, atol=1e-6)


def test_no_keys_gives_zeros_and_no_gradient(backend):
    q, k, v = _t((2, 3, 4)), _empty(2, 0, 4), _empty(2, 0, 2)
    out, lse = _empty(2, 3, 2), _empty(2, 3)
    backend.flash_attention_forward(out, lse, q, k, v, 1.0, False)
    assert not out.cpu().numpy().any() and (lse.cpu().numpy() == -math.inf).all()
    dq = _t((2, 3, 4))
    backend.flash_attention_backward(dq, _empty(2, 0, 4), _empty(2, 0, 2), q, k, v, out,
                                     _t((2, 3, 2)), lse, 1.0, False)
    assert not dq.cpu().numpy().any()


def _forward_args(**change):
    args = {"out": _empty(2, 3, 5), "lse": _empty(2, 3), "q": _t((2, 3, 4)),
            "k": _t((2, 6, 4)), "v": _t((2, 6, 5))}
    args.update(change)
    return args


@pytest.mark.parametrize("change,message", [
    (lambda: {"out": _empty(2, 3, 4)}, r"out has size \[2, 3, 4\], expected \[2, 3, 5\]"),
    (lambda: {"lse": _empty(2, 3, dtype=tm.float64)},
     "lse is float64 on cuda:0, expected float32"),
    (lambda: {"lse": _empty(2, 3, device="cpu")},
     "lse is float32 on cpu, expected float32 on cuda:0"),
    (lambda: {"out": _empty(2, 5, 3).transpose(1, 2)},
     r"out must be contiguous, got strides \[15, 1, 3\]"),
    (lambda: {"v": _t((2, 7, 5))},
     r"sizes \[\[2, 3, 4\], \[2, 6, 4\], \[2, 7, 5\]\] are not \(BH, L, E\)"),
    (lambda: {"k": _t((6, 4))}, r"sizes \[\[2, 3, 4\], \[6, 4\], \[2, 6, 5\]\] are not"),
    (lambda: {"q": _t((2, 3, 4), device="cpu")},
     "takes cuda tensors of float32, float16, bfloat16, got float32 on cpu"),
    (lambda: {"q": _t((2, 3, 4), dtype=tm.float64), "k": _t((2, 6, 4), dtype=tm.float64)},
     "got float64 on cuda"),
    (lambda: {"v": _t((2, 6, 129)), "out": _empty(2, 3, 129)}, "head dims 4 and 129"),
])
def test_forward_checks_its_buffers(backend, change, message):
    args = _forward_args(**change())  # (made here: collecting must not need cuda)
    with pytest.raises(RuntimeError, match=f"^flash_attention_forward: .*{message}"):
        backend.flash_attention_forward(args["out"], args["lse"], args["q"], args["k"],
                                        args["v"], 1.0, False)


def test_backward_checks_its_gradient_buffers(backend):
    a = _forward_args()
    dout = _t((2, 3, 5))
    grads = {"dq": _empty(2, 3, 4), "dk": _empty(2, 6, 4), "dv": _empty(2, 6, 5)}
    for name, bad in (("dk", _empty(2, 6, 5)), ("dv", _empty(2, 6, 5, dtype=tm.float64)),
                      ("dout", _empty(2, 3, 4))):
        kwargs = {**grads, "dout": dout, name: bad}
        with pytest.raises(RuntimeError, match=f"flash_attention_backward: {name} "):
            backend.flash_attention_backward(kwargs["dq"], kwargs["dk"], kwargs["dv"], a["q"],
                                             a["k"], a["v"], a["out"], kwargs["dout"],
                                             a["lse"], 1.0, False)
