"""The namespace's inspection API and constants."""
import math

import pytest

import tensorrt_mini as tm
import tensorrt_mini.array_api as xp
from tensorrt_mini.backends import cuda_runtime


def test_devices_list_cpu_and_cuda_when_there_is_one():
    info = xp.__array_namespace_info__()
    assert info.default_device() == tm.device("cpu")
    devices = info.devices()
    assert devices[0] == tm.device("cpu")
    assert (tm.device("cuda:0") in devices) == cuda_runtime.is_available()


def test_default_dtypes_and_kinds():
    info = xp.__array_namespace_info__()
    assert info.default_dtypes() == {"real floating": xp.float32, "complex floating": xp.complex64,
                                     "integral": xp.int64, "indexing": xp.int64}
    assert info.dtypes(kind="signed integer") == {"int8": xp.int8, "int16": xp.int16,
                                                  "int32": xp.int32, "int64": xp.int64}
    assert set(info.dtypes(kind=("bool", "real floating"))) == {"bool", "float32", "float64"}
    assert set(info.dtypes(kind="complex floating")) == {"complex64", "complex128"}
    assert "float16" not in info.dtypes()  # tm has it, the standard does not name it
    with pytest.raises(ValueError):
        info.dtypes(kind="whole")
    caps = info.capabilities()
    assert caps["boolean indexing"] and caps["data-dependent shapes"]


def test_constants():
    assert (xp.e, xp.pi) == (math.e, math.pi)
    assert math.isinf(xp.inf) and math.isnan(xp.nan) and xp.newaxis is None
    assert xp.__array_api_version__ == "2024.12"
