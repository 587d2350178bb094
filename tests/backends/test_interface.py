"""Every backend implements the whole op table (backends.INTERFACE), with the same
parameters, so the front end can call any of them for any device; the ops beyond it are
listed as the cpu's own (backends.CPU_ONLY) or the cuda's (backends.CUDA_ONLY)."""
import inspect

import pytest

from tensorrt_mini import backends
from tensorrt_mini.backends import cuda_runtime


@pytest.mark.skipif(not cuda_runtime.is_available(),
                    reason=f"cuda unavailable: {cuda_runtime.unavailable()}")
@pytest.mark.parametrize("name", backends.INTERFACE)
def test_cpu_and_cuda_implement_the_interface_alike(name):
    cpu, cuda = backends.get("cpu"), backends.get("cuda")
    assert callable(getattr(cpu, name)) and callable(getattr(cuda, name))
    assert list(inspect.signature(getattr(cpu, name)).parameters) == \
        list(inspect.signature(getattr(cuda, name)).parameters)


def test_the_interface_lists_what_the_front_end_calls():
    cpu = backends.get("cpu").module  # the module behind the float16/bfloat16 rule
    public = {name for name, fn in vars(cpu).items()
              if inspect.isfunction(fn) and fn.__module__ == cpu.__name__
              and not name.startswith("_")}
    # numpy_view: the host's own zero-copy view (Tensor.numpy), which no other device has
    assert public - set(backends.INTERFACE) - set(backends.CPU_ONLY) == {"numpy_view"}
    assert set(backends.CPU_ONLY) <= public


@pytest.mark.skipif(not cuda_runtime.is_available(),
                    reason=f"cuda unavailable: {cuda_runtime.unavailable()}")
def test_cuda_only_ops_are_the_cudas_own():
    cpu, cuda = backends.get("cpu"), backends.get("cuda")
    assert all(callable(getattr(cuda, name)) for name in backends.CUDA_ONLY)
    assert not any(hasattr(cpu, name) for name in backends.CUDA_ONLY)
    assert not set(backends.CUDA_ONLY) & (set(backends.INTERFACE) | set(backends.CPU_ONLY))
