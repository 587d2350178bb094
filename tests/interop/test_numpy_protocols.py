"""NumPy's protocols on Tensor (tensorrt_mini/interop/numpy_protocols.py, and the operators'
ndarray rule in tensor_methods.py): zero-copy np.asarray of any cpu view, NumPy 2's copy
rules, and mixed arithmetic with numpy decided as torch 2.13 decides it."""
import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime


def _views():
    base = tm.arange(12, dtype=tm.float32).reshape(3, 4)
    return [base, base.t(), base[:, 1::2], base[1:2].expand(3, 4), base[:0], base[1, 2]]


def test_asarray_shares_memory_of_any_cpu_view():
    for t in _views():
        a = np.asarray(t)
        assert a.shape == tuple(t.shape) and a.dtype == np.float32
        assert a.tolist() == t.tolist()
        if t.numel():
            assert a.ctypes.data == t.data_ptr()
            assert a.strides == tuple(4 * s for s in t.stride())
    t = _views()[1]
    np.asarray(t)[0, 2] = -3  # a write through numpy lands in the tensor
    assert t[0, 2].item() == -3


def test_array_copy_rules_of_numpy_2():
    t = tm.arange(6, dtype=tm.float32).reshape(2, 3).t()
    assert np.array(t, copy=False).ctypes.data == t.data_ptr()  # no copy needed
    assert np.array(t).ctypes.data != t.data_ptr()  # copy=True (np.array's default)
    with pytest.raises(ValueError, match="Unable to avoid copy"):
        np.array(t, dtype=np.float64, copy=False)
    assert np.asarray(t, dtype=np.float64).tolist() == t.tolist()
    assert t.__array__().ctypes.data == t.data_ptr()
    assert t.__array__(copy=True).ctypes.data != t.data_ptr()
    with pytest.raises(ValueError, match="Unable to avoid copy"):
        t.__array__(np.int64, copy=False)


def test_requires_grad_raises_torch_error():
    torch = pytest.importorskip("torch")
    for lib in (tm, torch):
        t = lib.ones(3, requires_grad=True)
        for convert in (np.asarray, np.array, lambda x: np.add(x, 1)):
            with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires "
                                                   r"grad. Use tensor.detach\(\).numpy\(\)"):
                convert(t)


def test_bfloat16_raises_torch_error():
    with pytest.raises(TypeError, match="Got unsupported ScalarType BFloat16"):
        np.asarray(tm.ones(2, dtype=tm.bfloat16))


@pytest.mark.parametrize("expr", [
    "np.float32(2) * t", "np.float64(2) + t", "t * np.float64(2)", "np.float32(2) - t",
    "np.float32(2) ** t", "np.int64(2) * i", "np.float64(2.5) * i", "np.int64(2) < t",
    "t + np.ones(4)", "t + np.array(2.0)", "t + np.array(2)", "i + np.ones(4, np.int64)",
    "t @ np.ones(4)", "t == np.ones(4)", "np.add(t, 1)", "np.sin(t)", "np.greater(t, 0)",
    "np.add(t[0, 0], 1)", "np.multiply(i, 2.5)",
])
def test_mixed_arithmetic_matches_torch(expr):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (tm, torch):
        names = {"np": np, "t": lib.ones(3, 4), "i": lib.ones(3, 4, dtype=lib.int32)}
        results.append(eval(expr, names))
    got, want = results
    assert isinstance(got, tm.Tensor), type(got)
    assert str(got.dtype) == str(want.dtype) and got.tolist() == want.tolist()


@pytest.mark.parametrize("expr", ["np.ones(4) + t", "np.ones(4) * t", "np.ones(4) @ t.t()",
                                  "t < np.ones(4)", "np.array(2.0) * t"])
def test_ndarray_on_the_left_raises_as_torch(expr):
    torch = pytest.importorskip("torch")
    for lib in (tm, torch):
        with pytest.raises(TypeError):
            eval(expr, {"np": np, "t": lib.ones(3, 4)})


def test_ne_and_augmented_assignment_with_ndarray_match_torch():
    torch = pytest.importorskip("torch")
    for lib in (tm, torch):
        t = lib.ones(3)
        assert (t != np.ones(3)) is True  # torch leaves != to Python's identity fallback
        t += np.ones(3)  # computed by NumPy, t rebound to a float64 tensor
        assert str(t.dtype) == "torch.float64" and t.tolist() == [2.0] * 3


def test_cuda_tensor_is_never_copied_to_the_host_by_numpy():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    t = tm.ones(3, device="cuda")
    assert not hasattr(t, "__array_interface__")
    for convert in (np.asarray, lambda x: np.add(x, 1), lambda x: x + np.ones(3)):
        with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
            convert(t)
    with pytest.raises(ValueError, match="Unable to avoid copy"):
        np.array(t, copy=False)
    assert (np.float32(2) * t).device == t.device  # a numpy scalar is a number here


def test_read_only_tensor_gives_read_only_arrays():
    a = np.arange(3.0)
    a.flags.writeable = False
    with pytest.warns(UserWarning, match="The given NumPy array is not writable"):
        t = tm.from_numpy(a)
    for view in (np.asarray(t), t.__array__(), t.numpy(), t[1:].numpy()):
        assert not view.flags.writeable and np.shares_memory(view, a)
