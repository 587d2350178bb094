"""Tensor.__array_namespace__, to_device, .mT and .device: the standard's array methods."""
import pytest

import tensorrt_mini as tm
import tensorrt_mini.array_api as xp
from tensorrt_mini.backends import cuda_runtime


def test_array_namespace_and_versions():
    t = tm.ones(2)
    assert t.__array_namespace__() is xp
    assert t.__array_namespace__(api_version="2023.12") is xp
    with pytest.raises(ValueError, match="2030.12"):
        t.__array_namespace__(api_version="2030.12")


def test_to_device_on_cpu_is_the_array_itself():
    t = tm.arange(3)
    assert t.to_device("cpu") is t
    assert t.to_device(tm.device("cpu")) is t
    with pytest.raises(ValueError, match="stream"):
        t.to_device("cpu", stream=1)


def test_mT_and_device():
    t = tm.arange(6).reshape(1, 2, 3)
    assert t.mT.shape == (1, 3, 2) and t.mT.tolist() == [[[0, 3], [1, 4], [2, 5]]]
    assert t.device == tm.device("cpu")


def test_to_device_moves_to_cuda():
    if not cuda_runtime.is_available():
        pytest.skip("no cuda device (nor the simulator)")
    t = tm.arange(3)
    moved = t.to_device("cuda")
    assert moved.device.type == "cuda" and moved.tolist() == [0, 1, 2]
    assert moved.to_device("cpu").device == tm.device("cpu")


def test_complex_of_a_one_element_tensor():
    assert complex(tm.tensor([2.5])) == 2.5 + 0j
    assert complex(tm.tensor(1 - 2j)) == 1 - 2j
    with pytest.raises(ValueError, match="only one element"):
        complex(tm.ones(2))
