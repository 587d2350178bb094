"""tm.fft's transforms (fft/transforms.py) against torch.fft: values, result dtypes and
shapes for n/s, dim and norm, on strided inputs, errors, and gradients (float64/complex128)."""
import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime
from tests.oracle import needs_torch

NORMS = (None, "backward", "ortho", "forward")
RNG = np.random.default_rng(7)
REAL = RNG.standard_normal((3, 4, 5))
COMPLEX = REAL + 1j * RNG.standard_normal((3, 4, 5))

# (function, keywords): every transform with its own n/s and dims
CASES = [
    ("fft", {}), ("fft", {"n": 7, "dim": 1}), ("fft", {"n": 2, "dim": 0}),
    ("ifft", {}), ("ifft", {"n": 8, "dim": -2}),
    ("rfft", {}), ("rfft", {"n": 6, "dim": 0}),
    ("irfft", {}), ("irfft", {"n": 9}), ("irfft", {"n": 3, "dim": 1}),
    ("hfft", {}), ("hfft", {"n": 5, "dim": 0}), ("ihfft", {}), ("ihfft", {"n": 3, "dim": 1}),
    ("fft2", {}), ("fft2", {"s": (3, 6)}), ("ifft2", {"dim": (0, 2)}),
    ("rfft2", {}), ("rfft2", {"s": (2, 8), "dim": (2, 0)}), ("irfft2", {}),
    ("irfft2", {"s": (5, 4)}),
    ("fftn", {}), ("fftn", {"s": (2, -1)}), ("fftn", {"dim": (0,)}), ("ifftn", {"s": (4, 4, 4)}),
    ("rfftn", {}), ("rfftn", {"dim": (1, 0)}), ("irfftn", {}), ("irfftn", {"s": (2, 3, 6)}),
    ("irfftn", {"dim": (0, 2), "s": (3, -1)}),
]
REAL_INPUT = {"rfft", "ihfft", "rfft2", "rfftn"}


def _input(lib, name, dtype, view):
    data = REAL if name in REAL_INPUT else COMPLEX
    x = lib.tensor(data, dtype=getattr(lib, dtype))
    if view == "transposed":
        return x.transpose(0, 2).transpose(0, 2).permute(1, 0, 2).permute(1, 0, 2) \
            .transpose(0, 2).contiguous().transpose(0, 2)
    if view == "stepped":
        return lib.tensor(np.concatenate([data, data], 2), dtype=getattr(lib, dtype))[:, :, ::2]
    return x


def _compare(mine, theirs, rtol=1e-5, atol=1e-5):
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(mine.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(np.asarray(mine.detach()),
                               theirs.detach().resolve_conj().numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_transform_as_torch(name, kwargs):
    torch = needs_torch()
    for dtype, norm, view in (("float32", None, "plain"), ("float64", "ortho", "transposed"),
                              ("float64", "forward", "stepped")):
        if name not in REAL_INPUT:
            dtype = dtype.replace("float", "complex").replace("32", "64").replace("64", "128") \
                if dtype == "float64" else "complex64"
        mine = getattr(tm.fft, name)(_input(tm, name, dtype, view), norm=norm, **kwargs)
        theirs = getattr(torch.fft, name)(_input(torch, name, dtype, view), norm=norm, **kwargs)
        _compare(mine, theirs, *((1e-4, 1e-4) if "32" in dtype or dtype == "complex64"
                                 else (1e-10, 1e-10)))


@pytest.mark.parametrize("dtype", ["int64", "bool", "float32", "float64"])
def test_result_dtypes_of_real_inputs_as_torch(dtype):
    torch = needs_torch()
    for name in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fftn"):
        data = [1, 0, 1, 1]
        mine = getattr(tm.fft, name)(tm.tensor(data, dtype=getattr(tm, dtype)))
        theirs = getattr(torch.fft, name)(torch.tensor(data, dtype=getattr(torch, dtype)))
        _compare(mine, theirs)


def test_sizes_one_and_batches_of_zero():
    torch = needs_torch()
    for fn in ("fft", "rfft", "ifft"):
        _compare(getattr(tm.fft, fn)(tm.tensor([[2.5]])), getattr(torch.fft, fn)(torch.tensor([[2.5]])))
    _compare(tm.fft.irfft(tm.tensor([1 + 1j, 2]), n=1), torch.fft.irfft(torch.tensor([1 + 1j, 2]), n=1))
    # torch's MKL refuses an empty batch; pocketfft gives the empty result
    assert tm.fft.fft(tm.zeros(0, 4)).shape == (0, 4)
    assert tm.fft.fftn(tm.tensor([[1., 2.]]), dim=()).tolist() == [[1 + 0j, 2 + 0j]]


@pytest.mark.parametrize("expr", [
    "lib.fft.fft(lib.ones(4), n=0)", "lib.fft.fft(lib.ones(4), n=-1)",
    "lib.fft.fft(lib.ones(4), dim=1)", "lib.fft.fft(lib.ones(4), norm='foo')",
    "lib.fft.fftn(lib.ones(4), s=(2, 3), dim=(0,))", "lib.fft.fftn(lib.ones(2, 2), dim=(0, 0))",
    "lib.fft.rfft(lib.ones(4) * 1j)", "lib.fft.ihfft(lib.ones(4) * 1j)",
    "lib.fft.fft(lib.ones(4).half())", "lib.fft.rfft(lib.ones(4).bfloat16())",
    "lib.fft.fft(lib.tensor(1.))", "lib.fft.irfft(lib.ones(1) * 1j)",
    "lib.fft.fft(lib.ones(4, 0))", "lib.fft.fft2(lib.ones(3))",
])
def test_errors_as_torch(expr):
    torch = needs_torch()
    errors = []
    for lib in (tm, torch):
        with pytest.raises(Exception) as info:
            eval(expr, {"lib": lib})
        errors.append((type(info.value).__name__, str(info.value)))
    assert errors[0] == errors[1], expr


# gradients of a real loss through each transform, float64 and complex128 inputs
GRAD_CASES = [
    ("fft", {"n": 6}), ("ifft", {"norm": "ortho"}), ("fft2", {"s": (2, 7)}),
    ("ifftn", {"dim": (0, 2), "norm": "forward"}), ("rfft", {}), ("rfft", {"n": 7}),
    ("rfftn", {"s": (4, 3, 4)}), ("irfft", {}), ("irfft", {"n": 7, "norm": "forward"}),
    ("irfftn", {"s": (2, 3, 4)}), ("hfft", {"n": 6}), ("ihfft", {"norm": "ortho"}),
    ("fft", {"dim": 0}),
]


@pytest.mark.parametrize("name,kwargs", GRAD_CASES, ids=[f"{n}-{k}" for n, k in GRAD_CASES])
def test_gradients_as_torch(name, kwargs):
    torch = needs_torch()
    grads = []
    for lib in (tm, torch):
        for real_input in (True, False) if name not in REAL_INPUT else (True,):
            data = REAL if real_input else COMPLEX
            x = lib.tensor(data, dtype=lib.float64 if real_input else lib.complex128,
                           requires_grad=True)
            y = getattr(lib.fft, name)(x, **kwargs)
            weights = lib.tensor(np.arange(1.0, y.numel() + 1).reshape(tuple(y.shape)))
            loss = (y.abs() * weights).sum() if y.is_complex() else (y * y * weights).sum()
            loss.backward()
            grads.append(np.asarray(x.grad))
    half = len(grads) // 2
    for mine, theirs in zip(grads[:half], grads[half:]):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-9)


def test_one_graph_node_each():
    x = tm.tensor(REAL, requires_grad=True)
    assert tm.fft.rfftn(x).grad_fn.name() == "FftR2CBackward0"
    assert tm.fft.fft2(x).grad_fn.name() == "FftC2CBackward0"
    assert tm.fft.irfft(x * 1).grad_fn.name() == "FftC2RBackward0"


@pytest.mark.skipif(not cuda_runtime.is_available(), reason="no cuda device")
def test_cuda_matches_cpu_and_stays_on_device():
    # (the simulator's storage is numpy: its transforms run pocketfft, cuFFT on a GPU)
    for name, kwargs in (("fft", {"n": 5}), ("rfft2", {}), ("irfftn", {"s": (2, 3, 4)}),
                         ("ihfft", {"norm": "ortho"})):
        data = REAL if name in REAL_INPUT else COMPLEX
        x = tm.tensor(data, requires_grad=True)
        xc = tm.tensor(data, device="cuda", requires_grad=True)
        y, yc = getattr(tm.fft, name)(x, **kwargs), getattr(tm.fft, name)(xc, **kwargs)
        assert yc.device.type == "cuda" and yc.dtype is y.dtype
        np.testing.assert_allclose(np.asarray(yc.detach().cpu()), np.asarray(y.detach()),
                                   rtol=1e-5, atol=1e-5)
        y.abs().sum().backward() if y.is_complex() else y.sum().backward()
        yc.abs().sum().backward() if yc.is_complex() else yc.sum().backward()
        assert xc.grad.device.type == "cuda"
        np.testing.assert_allclose(np.asarray(xc.grad.cpu()), np.asarray(x.grad), rtol=1e-4,
                                   atol=1e-4)
