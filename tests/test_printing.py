"""Tensor and storage reprs match PyTorch's text exactly.

Hard-coded strings keep the tests meaningful without torch; where torch is installed it is
the oracle for the same numpy data, under the same print options. A stand-in object covers
what real tensors cannot show here: cuda devices, grad_fn, and which elements get fetched.
"""
import contextlib

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tensorrt_mini as tm
from tensorrt_mini import dtypes
from tensorrt_mini.device import CPU, device
from tensorrt_mini.printing import (
    format_storage, format_tensor, get_printoptions, printoptions, set_printoptions,
)


class GradFn:
    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name


class Stub:
    """The attributes format_tensor reads, over a numpy array; counts the elements fetched."""

    def __init__(self, array, device=CPU, requires_grad=False, grad_fn=None):
        self.array = np.asarray(array)
        self.shape = self.array.shape
        self.dtype = dtypes.from_numpy_dtype(self.array.dtype)
        self.device = device
        self.requires_grad = requires_grad or grad_fn is not None
        self.grad_fn = grad_fn
        self.is_leaf = grad_fn is None
        self.fetched = 0

    def numel(self):
        return self.array.size

    def _gather_host(self, index_lists):
        out = self.array[np.ix_(*index_lists)] if index_lists else self.array[()]
        out = np.asarray(out)
        self.fetched += out.size
        return out


@pytest.fixture(autouse=True)
def default_options():
    yield
    set_printoptions(profile="default")


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def torch_repr(torch, array, **options):
    torch.set_printoptions(**options)
    try:
        return repr(torch.from_numpy(np.array(array, order="C")))
    finally:
        torch.set_printoptions(profile="default")


# Options apply only when given: an empty set_printoptions() call would reset sci_mode.
def ours(array, **options):
    with printoptions(**options) if options else contextlib.nullcontext():
        return repr(tm.tensor(array))


f32 = np.float32
EXPECTED = [
    (np.array([1.5, -2.25, 3.0], f32), "tensor([ 1.5000, -2.2500,  3.0000])"),
    (np.array([1.0, 2.0], f32), "tensor([1., 2.])"),
    (np.array(2.0, f32), "tensor(2.)"),
    (np.array([1e-5, 1.0, 1e9], f32), "tensor([1.0000e-05, 1.0000e+00, 1.0000e+09])"),
    (np.array([np.nan, 1.0, -np.inf, -0.0], f32), "tensor([nan, 1., -inf, -0.])"),
    (np.array([1.0, -10.0], f32), "tensor([  1., -10.])"),
    (np.array([1.0, 1000.0], f32), "tensor([   1., 1000.])"),
    (np.array([1.0, 1000.5], f32), "tensor([1.0000e+00, 1.0005e+03])"),
    (np.array([True, False]), "tensor([ True, False])"),
    (np.array([[1, -20], [300, 4]], np.int32),
     "tensor([[  1, -20],\n        [300,   4]], dtype=torch.int32)"),
    (np.array([0, 255], np.uint8), "tensor([  0, 255], dtype=torch.uint8)"),
    (np.array([0.1, 0.2]), "tensor([0.1000, 0.2000], dtype=torch.float64)"),
    (np.zeros(0, f32), "tensor([])"),
    (np.zeros((0, 3), np.int64), "tensor([], size=(0, 3), dtype=torch.int64)"),
    (np.arange(8, dtype=f32).reshape(2, 2, 2),
     "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])"),
    (np.arange(2000), "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"),
    (np.arange(12, dtype=f32).reshape(1, 12) * f32(1000.5),
     "tensor([[    0.0000,  1000.5000,  2001.0000,  3001.5000,  4002.0000,  5002.5000,\n"
     "          6003.0000,  7003.5000,  8004.0000,  9004.5000, 10005.0000, 11005.5000]])"),
]


@pytest.mark.parametrize("array, expected", EXPECTED)
def test_known_reprs(array, expected):
    assert ours(array) == expected


@pytest.mark.parametrize("array, expected", EXPECTED)
def test_known_reprs_are_torchs(torch, array, expected):
    assert torch_repr(torch, array) == expected


rng = np.random.default_rng(0)
FIXED = [
    rng.standard_normal((20, 30, 40)).astype(f32),  # summarized 3-d
    rng.standard_normal((50, 50)).astype(f32) * 1e4,
    rng.standard_normal(2000).astype(f32) * 1e-6,
    rng.standard_normal((1, 30)).astype(f32) * 1e6,  # wrapped lines
    rng.integers(-10**12, 10**12, (4, 25)),
    rng.integers(0, 2, (3, 4, 5)).astype(bool),
    np.array([np.inf, -np.inf, np.nan], f32),
    np.array([np.nan, 1e-8, 5.0], f32),
    np.array([-0.0, 0.0]),
    np.array([1e10, 3.0], f32),  # integer-valued but sci
    np.array([123456789.0, 1.0]),
    np.zeros((2, 0, 3), np.uint8),
    np.zeros((0,), bool),
    np.array(7, np.int16),
    np.array(-0.5),
    np.ones((1, 1, 1, 1), np.int8),
    np.arange(3000, dtype=f32).reshape(3, 1000),  # the dim of 3 is not cut
    # the edges of scientific mode; float32 1e-4 is a little below 1e-4
    np.array([1.0, 1000.0], f32), np.array([1.0, 1000.5], f32), np.array([1e-4, 1e-3], f32),
    np.array([1e-4, 1e-3]), np.array([1e8, 5e7]), np.array([1.0000001e8, 5e7]),
] + [np.array([[-3, 2], [1, 0]], d) for d in (np.int8, np.int16, np.int32, np.int64)]


@pytest.mark.parametrize("array", FIXED, ids=range(len(FIXED)))
def test_matches_torch(torch, array):
    assert ours(array) == torch_repr(torch, array)


OPTIONS = [
    dict(precision=2), dict(precision=0), dict(threshold=5), dict(edgeitems=1, threshold=10),
    dict(edgeitems=0), dict(edgeitems=0, threshold=3), dict(linewidth=30), dict(sci_mode=True),
    dict(sci_mode=False), dict(profile="short"), dict(profile="full"),
    dict(profile="short", precision=6),
]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("array", FIXED[:11], ids=range(11))
def test_options_match_torch(torch, array, options):
    assert ours(array, **options) == torch_repr(torch, array, **options)


def test_full_profile_shows_everything():
    with printoptions(profile="full"):
        text = repr(tm.arange(1001))
    assert "..." not in text and text.endswith(" 999, 1000])")


def test_set_printoptions_round_trip():
    default = get_printoptions()
    assert default == dict(precision=4, threshold=1000, edgeitems=3, linewidth=80, sci_mode=None)
    set_printoptions(precision=2, sci_mode=True)
    assert ours(np.array([1.0, 2.0], f32)) == "tensor([1.00e+00, 2.00e+00])"
    set_printoptions(linewidth=100)  # sci_mode is reset to automatic, as in torch
    assert get_printoptions() == dict(default, precision=2, linewidth=100)
    set_printoptions(profile="unknown", precision=3)  # torch ignores unknown profiles
    assert get_printoptions() == dict(default, precision=3, linewidth=100)
    set_printoptions(profile="default")
    assert get_printoptions() == default
    assert ours(np.array([1.0, 2.0], f32)) == "tensor([1., 2.])"


def test_printoptions_context_restores():
    with printoptions(threshold=5, edgeitems=1):
        assert ours(np.arange(10)) == "tensor([0,  ..., 9])"
    assert ours(np.arange(10)) == "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])"


class Virtual(Stub):
    """A huge tensor with value i + j at [i, j] that exists only as a formula."""

    def __init__(self, n):
        super().__init__(np.zeros((0, 0), np.int64))
        self.shape = (n, n)
        self.n = n

    def numel(self):
        return self.n * self.n

    def _gather_host(self, index_lists):
        rows, cols = np.ix_(*index_lists)
        out = (rows + cols).astype(np.int64)
        self.fetched += out.size
        return out


def test_summarizing_fetches_only_shown_elements():
    t = Virtual(10**4)
    assert format_tensor(t) == (
        "tensor([[    0,     1,     2,  ...,  9997,  9998,  9999],\n"
        "        [    1,     2,     3,  ...,  9998,  9999, 10000],\n"
        "        [    2,     3,     4,  ...,  9999, 10000, 10001],\n"
        "        ...,\n"
        "        [ 9997,  9998,  9999,  ..., 19994, 19995, 19996],\n"
        "        [ 9998,  9999, 10000,  ..., 19995, 19996, 19997],\n"
        "        [ 9999, 10000, 10001,  ..., 19996, 19997, 19998]])"
    )
    assert t.fetched == 36


def test_virtual_matches_torch(torch):
    n = 10**4
    expected = repr(torch.arange(2 * n).as_strided((n, n), (1, 1)))
    assert format_tensor(Virtual(n)) == expected


def test_huge_view_matches_torch(torch):
    n = 10**4
    assert repr(tm.arange(n).expand(n, n)) == repr(torch.arange(n).expand(n, n))


def test_edgeitems_zero_fetches_nothing():
    t = Stub(np.arange(2000).reshape(40, 50))
    with printoptions(edgeitems=0):
        assert format_tensor(t) == "tensor([...], size=(40, 50))"
    assert t.fetched == 0


@pytest.mark.parametrize("dtype", dtypes.ALL, ids=lambda d: d.name)
def test_dtype_suffixes_match_torch(torch, dtype):
    for shape in [(2, 3), (0,), (0, 2)]:
        # (numpy has no bfloat16: ones made by each library)
        assert repr(tm.ones(shape, dtype=dtype)) == \
            repr(torch.ones(shape, dtype=getattr(torch, dtype.name)))


@pytest.mark.parametrize("dtype", [dtypes.float16, dtypes.bfloat16], ids=lambda d: d.name)
def test_half_values_print_as_torch(torch, dtype):
    values = [[1.0, 2.5, -0.1], [1e-3, 65504.0, float("nan")], [1e5, -1e-8, float("inf")]]
    for rows in (values[:1], values, [[3.0]], [[0.1234567, 1e-5]]):
        assert repr(tm.tensor(rows, dtype=dtype)) == \
            repr(torch.tensor(rows, dtype=getattr(torch, dtype.name)))
    assert repr(tm.tensor(2.5, dtype=dtype)) == repr(torch.tensor(2.5, dtype=getattr(torch, dtype.name)))
    # storages print in the seed's (torch 1.x) style, as tm's others do
    name = {"float16": "Half", "bfloat16": "BFloat16"}[dtype.name]
    assert str(tm.tensor([1.5], dtype=dtype).storage()) == f" 1.5\n[torch.{name}Storage of size 1]"


def test_default_dtype_float64_moves_the_suffix(torch):
    array = np.array([1.5, 2.0])
    dtypes.set_default_dtype(dtypes.float64)
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        for a in (array, array.astype(f32), np.zeros(0), np.zeros(0, f32)):
            assert ours(a) == torch_repr(torch, a)
    finally:
        dtypes.set_default_dtype(dtypes.float32)
        torch.set_default_dtype(old)


GRAD_ARRAYS = [
    np.array([1.0, 2.0], f32),
    np.array(3.0),
    rng.standard_normal((4, 9)) * 1e3,  # multi-line text: suffixes wrap
    rng.standard_normal((3, 3)).astype(f32),
]


@pytest.mark.parametrize("array", GRAD_ARRAYS, ids=range(len(GRAD_ARRAYS)))
def test_requires_grad_and_grad_fn_match_torch(torch, array):
    leaf = torch.tensor(array, requires_grad=True)
    assert repr(tm.tensor(array, requires_grad=True)) == repr(leaf)
    result = leaf * 1
    assert format_tensor(Stub(array, grad_fn=GradFn("MulBackward0"))) == repr(result)


def test_grad_suffixes():
    a = np.array([1.0, 2.0], f32)
    assert repr(tm.tensor(a, requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    # One line of exactly 80 characters would fit, but torch counts two extra and wraps.
    digits = np.arange(13, dtype=f32) % 10
    assert repr(tm.tensor(digits, requires_grad=True)) == (
        "tensor([0., 1., 2., 3., 4., 5., 6., 7., 8., 9., 0., 1., 2.],\n"
        "       requires_grad=True)"
    )
    assert format_tensor(Stub(a + 1, grad_fn=GradFn("AddBackward0"))) == \
        "tensor([2., 3.], grad_fn=<AddBackward0>)"


CUDA = device("cuda", 0)


def test_device_suffix():
    assert format_tensor(Stub(np.array([1.0, 2.0], f32), device=CUDA)) == \
        "tensor([1., 2.], device='cuda:0')"
    assert format_tensor(Stub(np.zeros((0, 2), np.int32), device=CUDA)) == \
        "tensor([], device='cuda:0', size=(0, 2), dtype=torch.int32)"


def test_suffixes_wrap_as_torch_places_them():
    wide = np.arange(16.0).reshape(2, 8) * 1000.25
    assert format_tensor(Stub(wide, device=CUDA, requires_grad=True)) == (
        "tensor([[    0.0000,  1000.2500,  2000.5000,  3000.7500,  4001.0000,  5001.2500,\n"
        "          6001.5000,  7001.7500],\n"
        "        [ 8002.0000,  9002.2500, 10002.5000, 11002.7500, 12003.0000, 13003.2500,\n"
        "         14003.5000, 15003.7500]], device='cuda:0', dtype=torch.float64,\n"
        "       requires_grad=True)"
    )
    narrow = np.arange(6.0).reshape(2, 3) * 1000.25
    assert format_tensor(Stub(narrow, device=CUDA, grad_fn=GradFn("MulBackward0"))) == (
        "tensor([[   0.0000, 1000.2500, 2000.5000],\n"
        "        [3000.7500, 4001.0000, 5001.2500]], device='cuda:0',\n"
        "       dtype=torch.float64, grad_fn=<MulBackward0>)"
    )


# Floats of every magnitude: a mantissa from a wide float strategy, scaled by 10**k.
magnitudes = st.tuples(
    st.sampled_from([np.float32, np.float64]),
    hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6),
    st.integers(-40, 40),
    st.integers(0, 2**32 - 1),
    st.sampled_from([0.0, 0.1, 0.5]),  # share of integer values
    st.sampled_from([0.0, 0.1]),  # share of nan/inf/zero
)


def build(dtype, shape, exponent, seed, int_share, special_share):
    r = np.random.default_rng(seed)
    a = r.standard_normal(shape) * 10.0 ** exponent
    a = np.where(r.random(shape) < int_share, np.round(r.standard_normal(shape) * 100), a)
    specials = r.choice([np.nan, np.inf, -np.inf, 0.0, -0.0], size=shape)
    a = np.where(r.random(shape) < special_share, specials, a)
    with np.errstate(over="ignore"):
        return a.astype(dtype)


@settings(max_examples=300, deadline=None)
@given(magnitudes)
def test_random_floats_match_torch(args):
    torch = pytest.importorskip("torch")
    array = build(*args)
    assert ours(array) == torch_repr(torch, array)


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(
    st.sampled_from([np.float32, np.float64, np.int8, np.uint8, np.int16, np.int32, np.int64,
                     np.bool_]),
    hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5),
))
def test_random_arrays_match_torch(array):
    torch = pytest.importorskip("torch")
    assert ours(array) == torch_repr(torch, array)


@settings(max_examples=200, deadline=None)
@given(
    magnitudes,
    st.fixed_dictionaries({}, optional=dict(
        precision=st.integers(0, 8),
        threshold=st.integers(0, 50),
        edgeitems=st.integers(0, 4),
        linewidth=st.integers(10, 120),
        sci_mode=st.booleans(),
        profile=st.sampled_from(["default", "short", "full"]),
    )),
)
def test_random_options_match_torch(args, options):
    torch = pytest.importorskip("torch")
    array = build(*args)
    assert ours(array, **options) == torch_repr(torch, array, **options)


def test_storage_old_style():
    values = np.array([1, 4, 2, 1, 3, 5], f32)
    expected = " 1.0\n 4.0\n 2.0\n 1.0\n 3.0\n 5.0\n[torch.FloatStorage of size 6]"
    assert format_storage(dtypes.float32, CPU, values) == expected
    assert repr(tm.tensor([[1.0, 4.0, 2.0], [1.0, 3.0, 5.0]]).storage()) == expected
    assert format_storage(dtypes.float32, CPU, np.array([0.1], f32)) == (
        " 0.10000000149011612\n[torch.FloatStorage of size 1]"
    )


@pytest.mark.parametrize("dtype, values, expected", [
    (dtypes.float64, [0.1], " 0.1\n[torch.DoubleStorage of size 1]"),
    (dtypes.int64, [-3], " -3\n[torch.LongStorage of size 1]"),
    (dtypes.int32, [7], " 7\n[torch.IntStorage of size 1]"),
    (dtypes.int16, [7], " 7\n[torch.ShortStorage of size 1]"),
    (dtypes.int8, [-1], " -1\n[torch.CharStorage of size 1]"),
    (dtypes.uint8, [255], " 255\n[torch.ByteStorage of size 1]"),
    (dtypes.bool_, [True, False], " True\n False\n[torch.BoolStorage of size 2]"),
    (dtypes.float32, [], "[torch.FloatStorage of size 0]"),
], ids=lambda x: getattr(x, "name", None))
def test_storage_names(dtype, values, expected):
    assert format_storage(dtype, CPU, np.array(values, dtype.np)) == expected


def test_cuda_storage():
    assert format_storage(dtypes.float32, CUDA, np.array([2.0], f32)) == \
        " 2.0\n[torch.cuda.FloatStorage of size 1]"
