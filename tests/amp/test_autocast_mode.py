"""tm.autocast as a context manager and a decorator: per-thread state, nesting, the
enabled and dtype switches, the weight cache's lifetime, and torch's errors."""
import threading
import warnings

import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime
from tensorrt_mini.ops import autocast as A


def matmul_dtype():
    x = tm.ones(2, 2)
    return (x @ x).dtype


def test_defaults_and_switches_follow_torch():
    assert tm.get_autocast_dtype("cpu") is tm.bfloat16
    assert tm.get_autocast_dtype("cuda") is tm.float16
    assert not tm.is_autocast_enabled("cpu") and not tm.is_autocast_enabled()
    assert tm.is_autocast_cache_enabled()
    assert tm.amp.autocast is tm.autocast
    assert tm.amp.is_autocast_available("cpu") and not tm.amp.is_autocast_available("xla")


def test_context_sets_and_restores_the_state():
    with tm.autocast("cpu") as region:
        assert isinstance(region, tm.autocast)
        assert tm.is_autocast_enabled("cpu") and not tm.is_autocast_enabled("cuda")
        assert matmul_dtype() is tm.bfloat16
    assert not tm.is_autocast_enabled("cpu") and matmul_dtype() is tm.float32


def test_nesting_restores_the_outer_region():
    with tm.autocast("cpu"):
        with tm.autocast("cpu", enabled=False):
            assert matmul_dtype() is tm.float32
        assert matmul_dtype() is tm.bfloat16
        with tm.autocast("cpu", dtype=tm.float16):
            assert matmul_dtype() is tm.float16 and tm.get_autocast_dtype("cpu") is tm.float16
        assert tm.get_autocast_dtype("cpu") is tm.bfloat16 and matmul_dtype() is tm.bfloat16
    assert matmul_dtype() is tm.float32


def test_an_exception_leaves_the_state_restored():
    with pytest.raises(ZeroDivisionError), tm.autocast("cpu"):
        1 / 0
    assert not tm.is_autocast_enabled("cpu") and A.Autocast.nesting == 0


def test_decorator_applies_inside_the_function_only():
    @tm.autocast("cpu")
    def forward():
        """doc"""
        return matmul_dtype(), tm.is_autocast_enabled("cpu")

    assert forward() == (tm.bfloat16, True)
    assert forward.__doc__ == "doc" and forward.__name__ == "forward"
    assert not tm.is_autocast_enabled("cpu")
    region = tm.autocast("cpu")
    with region:  # one instance, entered again inside itself through the decorator
        assert region(forward)() == (tm.bfloat16, True)
        assert tm.is_autocast_enabled("cpu")
    assert not tm.is_autocast_enabled("cpu")


def test_state_is_per_thread():
    seen = {}
    inside, done = threading.Event(), threading.Event()

    def other():
        inside.wait(30)
        try:
            seen["enabled"], seen["dtype"] = tm.is_autocast_enabled("cpu"), matmul_dtype()
            with tm.autocast("cpu", dtype=tm.float16):
                seen["own"] = matmul_dtype()
        finally:
            done.set()

    thread = threading.Thread(target=other)
    thread.start()
    with tm.autocast("cpu"):
        inside.set()
        done.wait(30)
        assert matmul_dtype() is tm.bfloat16  # the other thread's region did not touch ours
    thread.join()
    assert seen == {"enabled": False, "dtype": tm.float32, "own": tm.float16}


def test_weight_cache_lives_for_the_outermost_region():
    w = tm.ones(2, 2, requires_grad=True)
    x = tm.ones(2, 2)
    with tm.autocast("cpu"):
        first = tm.mm(x, w)
        with tm.autocast("cpu"):
            tm.mm(x, w)
        assert len(A._cache) == 1  # one cast of w, kept after the inner region
        cast = next(iter(A._cache.values()))[1]
        assert cast.dtype is tm.bfloat16 and cast.grad_fn is not None
        tm.mm(w, x).sum().backward()
        first.sum().backward()
    assert A._cache == {}
    assert w.grad.tolist() == [[4.0, 4.0], [4.0, 4.0]]


def test_threads_share_the_weight_cache_as_torch():
    # torch's cache is one for the process (a model's forward in several threads casts each
    # weight once); a thread leaving its outermost region empties it for all
    w = tm.ones(2, 2, requires_grad=True)
    casts, cast_here, cleared = [], threading.Event(), threading.Event()

    def other():
        with tm.autocast("cpu"):
            tm.mm(tm.ones(2, 2), w)
            casts.append(next(iter(A._cache.values()))[1])
            cast_here.set()
            cleared.wait(10)
    thread = threading.Thread(target=other)
    with tm.autocast("cpu"):
        thread.start()
        assert cast_here.wait(10)
        tm.mm(tm.ones(2, 2), w)
        assert len(A._cache) == 1 and next(iter(A._cache.values()))[1] is casts[0]
    assert A._cache == {}  # this thread left its outermost region
    cleared.set()
    thread.join()


def test_only_float32_leaves_that_require_grad_are_cached():
    leaf = tm.ones(2, 2, requires_grad=True)
    with tm.autocast("cpu"):
        tm.mm(tm.ones(2, 2), tm.ones(2, 2))  # no grad
        tm.mm(leaf * 2, leaf.t())  # a non-leaf, and a view
        assert A._cache == {}
    with tm.autocast("cpu", cache_enabled=False):
        assert not tm.is_autocast_cache_enabled()
        tm.mm(leaf, leaf)
        assert A._cache == {}
    assert tm.is_autocast_cache_enabled()


def test_errors_and_warnings_follow_torch():
    torch = pytest.importorskip("torch")
    for lib in (tm, torch):
        with pytest.raises(ValueError, match=r"Expected `device_type` of type `str`, got: "
                                             r"`<class 'torch.device'>`"):
            lib.autocast(lib.device("cpu"))
        with pytest.raises(RuntimeError, match="device type at start of device string: xyz"):
            lib.autocast("xyz")
    messages = {}
    for lib in (tm, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            region = lib.autocast("cpu", dtype=lib.float32)
        with region:
            assert not lib.is_autocast_enabled("cpu")
        try:
            lib.autocast("cpu")(3)
        except TypeError as e:
            messages[lib.__name__] = [str(w.message) for w in caught], str(e)
    assert messages["tensorrt_mini"] == messages["torch"]


def test_cuda_amp_autocast_is_deprecated_as_torch_says():
    if not cuda_runtime.is_available():
        pytest.skip("no cuda device (nor its simulator) here")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        region = tm.cuda.amp.autocast()
    assert [str(w.message) for w in caught] == [
        "`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
        "`torch.amp.autocast('cuda', args...)` instead."]
    with region:
        assert tm.is_autocast_enabled("cuda") and tm.get_autocast_dtype("cuda") is tm.float16
    assert not tm.is_autocast_enabled("cuda")
