"""complex64 and complex128 (dtypes.py, printing.py, creation): names, promotion, tensors of
complex data, printing and casts, against torch."""
import warnings

import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini import dtypes as D
from tests.oracle import needs_torch, same_as_torch

REALS = (tm.bool, tm.uint8, tm.int8, tm.int16, tm.int32, tm.int64, tm.float16, tm.bfloat16,
         tm.float32, tm.float64)
COMPLEX = (tm.complex64, tm.complex128)


def test_names_aliases_and_flags():
    assert tm.cfloat is tm.complex64 and tm.cdouble is tm.complex128
    for d in COMPLEX:
        assert d.is_complex and not d.is_floating_point and d.is_signed
    assert not any(d.is_complex for d in REALS)
    assert tm.complex64.itemsize == 8 and tm.complex128.itemsize == 16
    assert tm.tensor([1j]).is_complex() and not tm.tensor([1.0]).is_complex()


def test_promote_types_as_torch():
    torch = needs_torch()
    for a in REALS + COMPLEX:
        for b in COMPLEX:
            expected = torch.promote_types(getattr(torch, a.name), getattr(torch, b.name))
            assert tm.promote_types(a, b).name == str(expected).split(".")[-1], (a, b)
            assert tm.promote_types(b, a).name == str(expected).split(".")[-1], (b, a)


@pytest.mark.parametrize("expr", [
    "lib.tensor([1, 2]) + 1j", "lib.tensor([1., 2.]) + 1j", "lib.tensor([1., 2.]).double() + 1j",
    "lib.tensor([True]) * 2j", "lib.tensor([1j]) + lib.tensor(2., dtype=lib.float64)",
    "lib.tensor([1., 2.], dtype=lib.float64) + lib.tensor(1j)",
    "lib.tensor([1j]) * lib.tensor([2.], dtype=lib.float64)",
    "lib.tensor([1j], dtype=lib.complex128) + lib.tensor([2.])",
    "str(lib.result_type(lib.tensor([1.]), 1j))", "lib.tensor(1j)", "lib.tensor([1, 2.5, 1j])",
    "lib.tensor(np.array([1 + 2j, 3j]))", "lib.tensor(np.array([1j], np.complex64))",
    "lib.tensor([1j, 2], dtype=lib.complex128)", "lib.tensor([1, 2], dtype=lib.cfloat)",
    "lib.tensor([[1j, 2], [3, 4]]).t()",
])
def test_complex_data_and_promotion_as_torch(expr):
    same_as_torch(expr, np=np)


def test_default_dtype_picks_the_complex_one():
    old = tm.get_default_dtype()
    try:
        tm.set_default_dtype(tm.float64)
        assert tm.tensor(1j).dtype is tm.complex128
        assert (tm.tensor([1, 2]) + 1j).dtype is tm.complex128
        assert repr(tm.tensor([1j])) == "tensor([0.+1.j])"
        assert repr(tm.tensor([1j], dtype=tm.complex64)) == \
            "tensor([0.+1.j], dtype=torch.complex64)".replace("torch", tm.dtypes.NAMESPACE)
    finally:
        tm.set_default_dtype(old)


@pytest.mark.parametrize("data", [
    [1 + 2j, 3 - 1j], [0j, -0.5j, 1e-5 + 1j], [[1.5 + 2j, float("nan") + 1j], [3, -1e9j]],
    2 - 3j, [], [float("inf") - 2j, 1, -0.0 - 0.0j], [[1e-3j] * 12] * 3,
    list(np.arange(30) + 0.25j),
])
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_printing_as_torch(data, dtype):
    torch = needs_torch()
    mine = tm.tensor(data, dtype=getattr(tm, dtype))
    theirs = torch.tensor(data, dtype=getattr(torch, dtype))
    assert repr(mine) == repr(theirs).replace("torch.", f"{D.NAMESPACE}.")


def test_printing_summarised_and_with_grad_as_torch():
    torch = needs_torch()
    values = np.arange(2000) * (1 - 0.5j)
    assert repr(tm.tensor(values)) == repr(torch.tensor(values))
    x = tm.tensor([1 + 1j], requires_grad=True)
    assert repr(x * 2) == repr(torch.tensor([1 + 1j], requires_grad=True) * 2)


@pytest.mark.parametrize("target", ["float32", "float64", "int32", "uint8", "bool", "float16"])
def test_cast_to_real_keeps_the_real_part_and_warns(target):
    torch = needs_torch()
    data = [1.5 + 2j, -3 - 1j, 0.5j, 0]
    mine = tm.tensor(data)
    with pytest.warns(UserWarning, match="Casting complex values to real discards the "
                      "imaginary part"):
        got = mine.to(getattr(tm, target))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = torch.tensor(data).to(getattr(torch, target))
    assert got.dtype.name == target and got.tolist() == expected.tolist()


def test_casts_between_complex_and_real():
    same_as_torch("lib.tensor([1., -2.5]).to(lib.complex64)")
    same_as_torch("lib.tensor([1, -2]).to(lib.complex128)")
    same_as_torch("lib.tensor([1 + 1j]).to(lib.complex128).to(lib.complex64)")
    same_as_torch("lib.tensor([[1., 2.], [3., 4.]]).t().to(lib.cfloat)")
    with pytest.warns(UserWarning, match="discards the imaginary part"):
        x = tm.zeros(2)
        x.copy_(tm.tensor([1 + 5j, 2j]))
    assert x.tolist() == [1.0, 0.0]


def test_requires_grad_and_backward_of_complex():
    same_as_torch("lib.tensor([1j]).requires_grad_().requires_grad")
    same_as_torch("lib.tensor([1, 2]).requires_grad_()")
    same_as_torch("(lib.tensor([1j, 2], requires_grad=True) * 2).sum().backward()")


def test_numpy_round_trip():
    x = tm.tensor([1 + 2j, -1j], dtype=tm.complex128)
    assert np.asarray(x).dtype == np.complex128
    assert np.asarray(x).tolist() == [1 + 2j, -1j]
    y = tm.from_numpy(np.array([1j, 2], np.complex64))
    assert y.dtype is tm.complex64 and y.tolist() == [1j, 2]
    assert tm.tensor(2 - 1j).item() == 2 - 1j
