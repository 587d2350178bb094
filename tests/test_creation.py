"""Creation functions: dtype inference, sizes, fills, ranges, random draws and *_like."""
import math

import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import (after_seed, assert_values, bitwise_same, host, needs_torch, same_as_torch,
                    torch_dtype)


@pytest.mark.parametrize("data, dtype, shape", [
    ([1, 2], tm.int64, (2,)),
    ([1, 2.5], tm.float32, (2,)),
    ([True, False], tm.bool, (2,)),
    ([True, 2], tm.int64, (2,)),
    ([[1.0], [2.0]], tm.float32, (2, 1)),
    ((1, 2), tm.int64, (2,)),
    (3.5, tm.float32, ()),
    (7, tm.int64, ()),
    (True, tm.bool, ()),
    ([], tm.float32, (0,)),
    ([[], []], tm.float32, (2, 0)),
    (np.float32(2.5), tm.float32, ()),
    ([np.int32(2), np.int32(3)], tm.int32, (2,)),     # numpy scalars keep their dtype
    ([np.float64(2), 3], tm.float64, (2,)),
    ([np.int8(1), 300], tm.int64, (2,)),              # promoted with the Python int
    (np.array([1, 2], np.int16), tm.int16, (2,)),
    (np.ones((2, 3), np.float64), tm.float64, (2, 3)),
    (np.array(4, np.uint8), tm.uint8, ()),
])
def test_tensor_infers_dtype_and_shape(data, dtype, shape):
    t = tm.tensor(data)
    assert t.dtype is dtype and t.shape == shape and t.is_contiguous()
    np.testing.assert_array_equal(host(t), np.array(data, dtype=dtype.np))


def test_tensor_of_tensors_and_explicit_dtype():
    assert tm.tensor([tm.tensor(1.0), tm.tensor(2.0)]).tolist() == [1.0, 2.0]
    assert tm.tensor([tm.tensor(1, dtype=tm.int8), tm.tensor(2, dtype=tm.int8)]).dtype is tm.int8
    assert tm.tensor(tm.arange(3)).tolist() == [0, 1, 2]
    assert_values(tm.tensor([1.7, -2.7], dtype=tm.int32), [1, -2], dtype=tm.int32)
    assert tm.tensor([1], dtype=float).dtype is tm.float64
    assert math.isnan(tm.tensor(float("nan")).item())
    a = np.zeros(3)
    t = tm.tensor(a)
    t[0] = 5
    assert a[0] == 0  # tensor() copies


def test_tensor_errors():
    with pytest.raises(ValueError, match="expected sequence of length 2 at dim 1 \\(got 1\\)"):
        tm.tensor([[1, 2], [3]])
    with pytest.raises(TypeError, match="not a sequence"):  # torch's type for both
        tm.tensor([[1, 2], 3])
    with pytest.raises(TypeError, match="expected a scalar at dim 1"):
        tm.tensor([1, [2, 3]])
    with pytest.raises(RuntimeError, match="Could not infer dtype of NoneType"):
        tm.tensor([None])
    with pytest.raises(ValueError, match="Overflow when unpacking long long"):
        tm.tensor([2**63])
    with pytest.raises(TypeError, match="can't convert np.ndarray of type uint16"):
        tm.tensor(np.zeros(2, np.uint16))  # (not bfloat16, which tm stores as uint16 bits)


def test_legacy_constructor():
    t = tm.Tensor(2, 2)
    assert t.dtype is tm.float32 and t.shape == (2, 2)
    assert_values(tm.Tensor([[1, 2], [3, 4]]), [[1.0, 2.0], [3.0, 4.0]], dtype=tm.float32)
    assert tm.Tensor([True]).dtype is tm.float32
    assert tm.Tensor().shape == (0,) and tm.Tensor().dtype is tm.float32
    assert tm.Tensor(3).shape == (3,)
    t = tm.Tensor(2, 2).uniform_(0, 1)  # the seed's lesson
    assert ((host(t) >= 0) & (host(t) < 1)).all()


@pytest.mark.parametrize("fn, fill", [(tm.zeros, 0), (tm.ones, 1), (tm.empty, None)])
def test_filled(fn, fill):
    for args in ((2, 3), ((2, 3),), ([2, 3],)):
        t = fn(*args)
        assert t.shape == (2, 3) and t.dtype is tm.float32 and t.stride() == (3, 1)
        if fill is not None:
            assert (host(t) == fill).all()
    assert fn(()).shape == () and fn(0, 3).shape == (0, 3)
    assert fn(2, dtype=tm.int8).dtype is tm.int8
    with pytest.raises(RuntimeError, match="negative dimension -1"):
        fn(2, -1)
    with pytest.raises(TypeError):
        fn(2.5)


def test_full():
    assert_values(tm.full((2,), 3), [3, 3], dtype=tm.int64)
    assert_values(tm.full((2,), 3.0), [3.0, 3.0], dtype=tm.float32)
    assert_values(tm.full((2,), True), [True, True], dtype=tm.bool)
    assert_values(tm.full((2,), 3, dtype=tm.float64), [3.0, 3.0], dtype=tm.float64)
    assert_values(tm.full((2,), 3.7, dtype=tm.int64), [3, 3])
    assert_values(tm.full((2,), -1, dtype=tm.uint8), [255, 255])  # torch allows -max..max
    assert tm.full((), 2.0).shape == ()
    with pytest.raises(RuntimeError, match="value cannot be converted to type uint8_t without overflow"):
        tm.full((2,), 300, dtype=tm.uint8)
    with pytest.raises(RuntimeError, match="value cannot be converted to type int8_t without overflow"):
        tm.full((2,), -129, dtype=tm.int8)
    with pytest.raises(RuntimeError, match="value cannot be converted to type float without overflow"):
        tm.full((2,), 1e300)
    assert tm.full((1,), math.inf).item() == math.inf


def test_arange():
    assert_values(tm.arange(5), [0, 1, 2, 3, 4], dtype=tm.int64)
    assert_values(tm.arange(5.0), [0.0, 1.0, 2.0, 3.0, 4.0], dtype=tm.float32)
    assert_values(tm.arange(0, 1, 0.25), [0, 0.25, 0.5, 0.75], dtype=tm.float32)
    assert_values(tm.arange(5, 0, -2), [5, 3, 1])
    assert_values(tm.arange(5, dtype=tm.float64), np.arange(5.0), dtype=tm.float64)
    assert tm.arange(3, 3).shape == (0,) and tm.arange(tm.tensor(3)).tolist() == [0, 1, 2]
    assert tm.arange(1, 2.1, 0.1).shape == (11,)
    # float arguments with an integer dtype: torch truncates start and step, keeps the size
    assert_values(tm.arange(0.5, 3.7, 1.5, dtype=tm.int64), [0, 1, 2])
    assert_values(tm.arange(-2.5, 3, 1, dtype=tm.int64), [-2, -1, 0, 1, 2])
    assert_values(tm.arange(1.9, 5, dtype=tm.int64), [1, 2, 3, 4])
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        tm.arange(0, 5, 0)
    with pytest.raises(RuntimeError, match="upper bound and lower bound inconsistent with step sign"):
        tm.arange(0, 5, -1)


def test_arange_matches_torch():
    torch = needs_torch()
    for args in ((0, 1, 0.1), (-1, 1, 0.3), (1, 2.1, 0.1), (0.5, 3.2), (10,), (2, 11, 3),
                 (-2.5, 3, 1), (2.7, -3.2, -1.5), (0.5, 3.7, 1.5)):
        for dtype in (None, tm.float64, tm.int64):
            kw = {} if dtype is None else {"dtype": dtype}
            tkw = {} if dtype is None else {"dtype": torch_dtype(torch, dtype)}
            try:
                expected = torch.arange(*args, **tkw)
            except ValueError:  # a float step truncated to 0 for an integer dtype
                with pytest.raises(ValueError, match="step must be nonzero"):
                    tm.arange(*args, **kw)
                continue
            got = tm.arange(*args, **kw)
            assert str(got.dtype) == str(expected.dtype) and got.shape == expected.shape
            # torch's vectorised kernel may round the last bit differently
            np.testing.assert_allclose(host(got), expected.numpy(), rtol=1e-15, atol=1e-15)


def test_linspace():
    assert_values(tm.linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1], dtype=tm.float32)
    assert tm.linspace(0, 1, 1).tolist() == [0.0] and tm.linspace(0, 1, 0).shape == (0,)
    assert_values(tm.linspace(0, 10, 4, dtype=tm.int64), [0, 3, 6, 10])
    assert_values(tm.linspace(3, -3, 7), [3, 2, 1, 0, -1, -2, -3])
    assert tm.linspace(-1.3, 7.7, 13).tolist()[-1] == np.float32(7.7)  # the end is exact
    with pytest.raises(RuntimeError, match="number of steps must be non-negative"):
        tm.linspace(0, 1, -1)


def test_eye():
    assert_values(tm.eye(2, 3), np.eye(2, 3), dtype=tm.float32)
    assert_values(tm.eye(3, dtype=tm.int32), np.eye(3), dtype=tm.int32)
    assert tm.eye(0).shape == (0, 0)
    with pytest.raises(RuntimeError, match="n must be greater or equal to 0, got -1"):
        tm.eye(-1)


def test_random_creation():
    tm.manual_seed(3)
    r = tm.rand(2, 3)
    assert r.shape == (2, 3) and r.dtype is tm.float32
    assert ((host(r) >= 0) & (host(r) < 1)).all()
    assert tm.rand((4,)).shape == (4,) and tm.rand(0).shape == (0,)
    assert tm.randn(2, 3, dtype=tm.float64).dtype is tm.float64
    n = host(tm.randn(10000))
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1) < 0.05
    i = tm.randint(0, 5, (1000,))
    assert i.dtype is tm.int64 and set(host(i).tolist()) == {0, 1, 2, 3, 4}
    assert tm.randint(5, (3,)).shape == (3,)
    assert tm.randint(-3, -1, (50,), dtype=tm.float32).dtype is tm.float32
    with pytest.raises(RuntimeError, match="random_ expects 'from' to be less than 'to'"):
        tm.randint(5, 5, (3,))
    with pytest.raises(NotImplementedError, match="\"check_uniform_bounds\" not implemented for 'Long'"):
        tm.rand(2, dtype=tm.int64)
    with pytest.raises(NotImplementedError, match="\"normal_kernel_cpu\" not implemented for 'Int'"):
        tm.randn(2, dtype=tm.int32)
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        tm.zeros(2, dtype=tm.int64).uniform_()
    with pytest.raises(RuntimeError, match="uniform_ expects to return a \\[from, to\\) range"):
        tm.zeros(2).uniform_(1, 0)
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0"):
        tm.zeros(2).normal_(0, -1)


def test_manual_seed_reproducible():
    def draw():
        return (host(tm.rand(3)), host(tm.randn(2, 2)), host(tm.randint(0, 100, (4,))),
                host(tm.zeros(3).uniform_(-1, 1)), host(tm.zeros(3).normal_(2, 3)),
                host(tm.randperm(5)))
    tm.manual_seed(42)
    first = draw()
    tm.manual_seed(42)
    second = draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(draw()[0], first[0])
    assert tm.initial_seed() == 42
    assert sorted(first[-1].tolist()) == [0, 1, 2, 3, 4]


def test_like_functions():
    src = tm.ones(2, 3, dtype=tm.int8)
    assert_values(tm.zeros_like(src), np.zeros((2, 3)), dtype=tm.int8)
    assert_values(tm.ones_like(src, dtype=tm.float64), np.ones((2, 3)), dtype=tm.float64)
    assert_values(tm.full_like(src, 2.7), np.full((2, 3), 2), dtype=tm.int8)
    assert tm.empty_like(src).shape == (2, 3)
    assert tm.rand_like(tm.ones(2)).dtype is tm.float32
    assert tm.randn_like(tm.ones(2, 3, dtype=tm.float64)).dtype is tm.float64
    r = tm.randint_like(tm.ones(2, 3), 10)
    assert r.dtype is tm.float32 and ((host(r) >= 0) & (host(r) < 10)).all()
    assert (host(tm.randint_like(src, 3, 5)) >= 3).all()
    with pytest.raises(NotImplementedError, match="not implemented for 'Int'"):
        tm.rand_like(tm.ones(2, dtype=tm.int32))
    # torch's preserve_format: a dense input's strides are kept, others get its dim order
    t = tm.ones(2, 3).t()
    for fn in (tm.empty_like, tm.zeros_like, tm.ones_like, tm.rand_like, tm.randn_like):
        assert fn(t).stride() == (1, 3), fn.__name__
    assert tm.full_like(t, 1).stride() == (1, 3)
    assert tm.zeros_like(tm.ones(4, 6).t()[::2]).stride() == (1, 3)
    assert tm.zeros_like(tm.ones(3, 1).expand(3, 4)).stride() == (4, 1)
    assert tm.zeros_like(tm.ones(3, 1).t()).stride() == (1, 1)


def test_like_strides_match_torch():
    torch = needs_torch()
    views = [lambda t: t.t(), lambda t: t[:, ::2], lambda t: t.t()[::2], lambda t: t[:1].expand(3, 4),
             lambda t: t.unsqueeze(1).permute(2, 1, 0), lambda t: t[1:, 1:]]
    for view in views:
        got = view(tm.ones(3, 4))
        expected = view(torch.ones(3, 4))
        for name in ("empty_like", "zeros_like", "ones_like", "rand_like"):
            assert getattr(tm, name)(got).stride() == getattr(torch, name)(expected).stride()
        assert got.clone().stride() == expected.clone().stride()
        assert (got + 1).stride() == (expected + 1).stride()
        assert got.to(tm.float64).stride() == expected.to(torch.float64).stride()


def test_from_numpy_and_as_tensor_share_memory():
    a = np.zeros(3)
    t = tm.from_numpy(a)
    t[0] = 5
    assert a[0] == 5 and t.dtype is tm.float64
    b = np.zeros((3, 4), np.float32)
    assert tm.from_numpy(b[::2, 1:]).stride() == (8, 1)
    assert tm.from_numpy(b[1:, 1:]).storage_offset() == 0  # the storage starts at the view
    assert tm.from_numpy(b.T).stride() == (1, 4)
    assert tm.from_numpy(np.array(3.0)).shape == ()
    c = np.zeros(2)
    tm.as_tensor(c)[1] = 7
    assert c[1] == 7
    assert tm.as_tensor(c, dtype=tm.float32).dtype is tm.float32
    with pytest.raises(ValueError, match="At least one stride in the given numpy array is negative"):
        tm.from_numpy(np.zeros(4)[::-1])
    with pytest.raises(TypeError, match="expected np.ndarray"):
        tm.from_numpy([1])
    with pytest.raises(TypeError, match="can't convert np.ndarray of type uint16"):
        tm.from_numpy(np.zeros(2, np.uint16))


@pytest.mark.parametrize("expr", [
    "lib.tensor([-1.0], dtype=lib.uint8)",
    "lib.tensor([-1], dtype=lib.uint8)",
    "lib.tensor([256.0], dtype=lib.uint8)",
    "lib.tensor([[1, 2], [300, 4]], dtype=lib.uint8)",
    "lib.tensor([-129], dtype=lib.int8)",
    "lib.tensor([2**31], dtype=lib.int32)",
    "lib.tensor([1e10], dtype=lib.int32)",
    "lib.tensor(float('nan'), dtype=lib.int64)",
    "lib.tensor([2.7, -3.9], dtype=lib.int8)",
    "lib.tensor([True, 2], dtype=lib.uint8)",
    "lib.tensor([1e39], dtype=lib.float32)",
])
def test_python_values_out_of_an_integer_dtype_range_raise_as_in_torch(expr):
    same_as_torch(expr)


@pytest.mark.parametrize("expr", ["lib.arange(0, float('inf'))", "lib.arange(float('nan'), 1)",
                                  "lib.arange(0, 5, 2, dtype=lib.bool)"])
def test_arange_refuses_what_torch_refuses(expr):
    same_as_torch(expr)


def test_float32_arange_is_torchs_bit_for_bit():
    torch = needs_torch()
    rng = np.random.default_rng(0)
    for _ in range(300):
        start = rng.uniform(-10, 10)
        step = rng.uniform(0.01, 2) * rng.choice([-1, 1])
        end = start + step * rng.integers(1, 300)
        got = host(tm.arange(start, end, step))
        np.testing.assert_array_equal(got, torch.arange(start, end, step).numpy())
    assert repr(tm.arange(-1, 1, 0.1)) == repr(torch.arange(-1, 1, 0.1))  # -2.9802e-09 at 10


@pytest.mark.parametrize("expr", [
    "lib.tensor([1, 'a'])",
    "lib.tensor(['a'])",
    "lib.tensor([[1, 2], 3])",
    "lib.tensor([1, [2]])",
    "lib.tensor([[1, 2], [3]])",
    "lib.tensor('ab')",
    "lib.tensor(b'ab')",
    "lib.tensor([{}])",
    "lib.tensor([None])",
    "lib.tensor(__import__('functools').reduce(lambda v, _: [v], range(60), [1])).dim()",
    "lib.tensor(__import__('functools').reduce(lambda v, _: [v], range(128), [1]))",
    "lib.tensor(__import__('functools').reduce(lambda v, _: [v], range(5000), [1]))",
    "lib.empty(2**62)",  # its bytes overflow int64: refused before any allocation
    "lib.empty(2**61, 4)",
    "lib.empty(2**40)",  # 4 TiB: the allocator's error, of torch's type
    "lib.empty_strided((2,), (-1,))",
    "lib.full((2,), 2**70)",
    "lib.full((2,), 2**63)",
    "lib.full((2,), -2**63 - 1)",
    "lib.tensor([2**70])",
])
def test_bad_data_and_impossible_sizes_raise_torchs_types(expr):
    same_as_torch(expr, message=False)


def test_default_float64_reaches_every_creation():
    """Mutation audit: full with a float fill takes the default dtype."""
    def fn(lib):
        lib.set_default_dtype(lib.float64)
        try:
            return lib.full((2,), 1.5), lib.tensor([1.5]), lib.arange(1.5), lib.ones(1)
        finally:
            lib.set_default_dtype(lib.float32)
    same_as_torch(fn)


def _read_only_tensor():
    a = np.arange(1.0, 4.0)
    a.flags.writeable = False
    with pytest.warns(UserWarning, match="The given NumPy array is not writable, and PyTorch "
                                         "does not support non-writable tensors"):
        t = tm.from_numpy(a)
    return a, t


@pytest.mark.parametrize("write", [
    lambda t: t.add_(1), lambda t: t.add_(tm.ones(3)), lambda t: t.mul_(2.5),
    lambda t: t[1:].sub_(1), lambda t: t.exp_(), lambda t: t.copy_(tm.zeros(3)),
    lambda t: t.fill_(0), lambda t: t.zero_(), lambda t: t.clamp_(0, 1),
    lambda t: t.uniform_(), lambda t: t.__setitem__(0, 5.0),
    lambda t: t.__setitem__(tm.tensor([0, 2]), 5.0),
    lambda t: t.__setitem__(tm.tensor([True, False, True]), 5.0),
    lambda t: t.masked_fill_(tm.tensor([True, False, False]), 0.0),
    lambda t: t.index_fill_(0, tm.tensor([1]), 0.0),
    lambda t: t.scatter_(0, tm.tensor([0]), tm.tensor([9.0], dtype=tm.float64)),
    lambda t: tm.add(tm.ones(3), 1, out=t), lambda t: tm.exp(tm.ones(3), out=t),
    lambda t: tm.matmul(tm.ones(3, 3, dtype=tm.float64), tm.ones(3, dtype=tm.float64), out=t),
    lambda t: t.storage().fill_(0),
])
def test_a_read_only_array_is_shared_and_never_written(write):
    a, t = _read_only_tensor()
    assert t.data_ptr() == a.ctypes.data  # shared, as torch shares it
    with pytest.raises(RuntimeError, match="cannot write to a read-only tensor"):
        write(t)
    assert a.tolist() == [1.0, 2.0, 3.0]
    assert (t * 2).tolist() == [2.0, 4.0, 6.0]  # reads run as on any tensor
    assert t.clone().add_(1).tolist() == [2.0, 3.0, 4.0]  # a clone is writable


# --- random draws: torch's CPU numbers, bit for bit -----------------------------------

SIZES = [0, 1, 2, 15, 16, 17, 31, 100, 1000, 2**16 + 3]
SEEDS = [0, 1, 2**32 + 5]  # the last: torch keeps the seed mod 2^32 for its engine
FLOATS = ["float32", "float64"]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_rand_and_randn_over_sizes(seed, dtype):
    for n in SIZES:
        bitwise_same(*after_seed(seed, lambda m: m.rand(n, dtype=getattr(m, dtype))))
        bitwise_same(*after_seed(seed, lambda m: m.randn(n, dtype=getattr(m, dtype))))


@pytest.mark.parametrize("dtype", FLOATS)
def test_uniform_and_normal_with_parameters_and_layouts(dtype):
    def fill(m, shape, how):
        t = m.empty(shape, dtype=getattr(m, dtype))
        t = t.t() if how == "transposed" else t
        return t.uniform_(-3.7, 11.3) if how != "normal" else t.normal_(0.3, 2.7)
    for shape in [(5, 3), (40, 30), (7,), ()]:
        for how in ["uniform", "normal", "transposed"]:
            if how == "transposed" and len(shape) < 2:
                continue
            bitwise_same(*after_seed(3, lambda m: fill(m, shape, how)))
    # strided normal takes the scalar path, in memory order
    bitwise_same(*after_seed(4, lambda m: m.empty(40, 30, dtype=getattr(m, dtype)).t()
                             .normal_(1.5, 0.5)))


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8", "float32",
                                   "float64"])
def test_randint_ranges_take_32_or_64_bit_draws(dtype):
    for low, high in [(0, 10), (-5, 5), (0, 100), (0, 2**7 - 1)] + \
            ([(0, 2**28), (-2**40, 2**40)] if dtype in ("int64", "float64") else []) + \
            ([(-2**62, 2**62), (-2**63, 2**63 - 1)] if dtype == "int64" else []):
        if dtype == "uint8" and low < 0:
            continue
        for n in [1, 17, 1000]:
            bitwise_same(*after_seed(7, lambda m: m.randint(low, high, (n,),
                                                            dtype=getattr(m, dtype))))


@pytest.mark.parametrize("n", [0, 1, 2, 15, 16, 100, 1000, 2**16 + 3])
def test_randperm(n):
    for dtype in ["int64", "int32", "float32"]:
        bitwise_same(*after_seed(n, lambda m: m.randperm(n, dtype=getattr(m, dtype))))


@pytest.mark.parametrize("dtype", FLOATS)
def test_like_functions_draw_torchs_numbers(dtype):
    def draws(m):
        x = m.empty(7, 5, dtype=getattr(m, dtype)).t()  # the result keeps x's layout
        return m.rand_like(x), m.randn_like(x), m.randint_like(x, 3, 9), m.randint_like(x, 4)
    for mine, theirs in zip(*after_seed(5, draws)):
        bitwise_same(mine, theirs)


def test_uniform_bounds_errors_match_torchs():
    torch = needs_torch()
    for low, high, message in [(-1e39, 1, "from is out of bounds for float"),
                               (0, 1e39, "to is out of bounds for float"),
                               (-3e38, 3e38, "to-from <= std::numeric_limits<Float>::max()"),
                               (2, 1, r"found from=2 > to=1")]:
        for m in (tm, torch):
            with pytest.raises(RuntimeError, match=message):
                m.empty(3).uniform_(low, high)


def test_keywords_and_generators_of_randint_and_the_like_functions():
    def draws(m):
        g = m.Generator().manual_seed(8)
        x = m.empty(6, 4)
        return (m.randint(high=5, size=(3,)), m.randint(2, high=9, size=(4,)),
                m.randint(low=-2, high=2, size=(5,)), m.rand_like(x, generator=g),
                m.randn_like(x, generator=g), m.randint_like(x, 7, generator=g),
                m.randint_like(x, high=4))
    for mine, theirs in zip(*after_seed(9, draws)):
        bitwise_same(mine, theirs)
