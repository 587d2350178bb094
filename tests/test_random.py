"""tm's CPU random numbers against torch's, bit for bit: after the same seed, the same
values, call by call, and the same generator state."""
import numpy as np
import pytest

import tensorrt_mini as tm

torch = pytest.importorskip("torch")

SIZES = [0, 1, 2, 15, 16, 17, 31, 100, 1000, 2**16 + 3]
SEEDS = [0, 1, 2**32 + 5]  # the last: torch keeps the seed mod 2^32 for its engine
FLOATS = ["float32", "float64"]


def same(mine, theirs):
    """Exact equality, NaNs and signed zeros included."""
    a, b = np.asarray(mine), theirs.detach().numpy()
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(np.ascontiguousarray(a).view(np.uint8),
                                  np.ascontiguousarray(b).view(np.uint8))


def both(seed, fn):
    """fn(tm) and fn(torch), each after manual_seed(seed)."""
    tm.manual_seed(seed)
    torch.manual_seed(seed)
    return fn(tm), fn(torch)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_rand_and_randn_over_sizes(seed, dtype):
    for n in SIZES:
        same(*both(seed, lambda m: m.rand(n, dtype=getattr(m, dtype))))
        same(*both(seed, lambda m: m.randn(n, dtype=getattr(m, dtype))))


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
            same(*both(3, lambda m: fill(m, shape, how)))
    # strided normal takes the scalar path, in memory order
    same(*both(4, lambda m: m.empty(40, 30, dtype=getattr(m, dtype)).t().normal_(1.5, 0.5)))


def test_a_sequence_of_calls_advances_as_torchs():
    def calls(m):
        a = m.rand(5)
        b = m.randn(100)
        c = m.randint(0, 10, (7,))
        d = m.randn(3)  # an odd count of scalar normals keeps one for the next call
        e = m.randn(1, dtype=m.float64)
        f = m.randperm(20)
        return a, b, c, d, e, f, m.get_rng_state()
    for mine, theirs in zip(*both(0, calls)):
        same(mine, theirs)


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8", "float32",
                                   "float64"])
def test_randint_ranges_take_32_or_64_bit_draws(dtype):
    for low, high in [(0, 10), (-5, 5), (0, 100), (0, 2**7 - 1)] + \
            ([(0, 2**28), (-2**40, 2**40)] if dtype in ("int64", "float64") else []) + \
            ([(-2**62, 2**62), (-2**63, 2**63 - 1)] if dtype == "int64" else []):
        if dtype == "uint8" and low < 0:
            continue
        for n in [1, 17, 1000]:
            same(*both(7, lambda m: m.randint(low, high, (n,), dtype=getattr(m, dtype))))


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int16", "int32", "int64",
                                   "float32", "float64"])
def test_random_in_all_its_forms(dtype):
    def draws(m):
        t = lambda: m.empty(50, dtype=getattr(m, dtype))  # noqa: E731
        out = [t().random_(), t().random_(2), t().random_(0, 2), t().random_(1, None)]
        if dtype in ("int64", "float32", "float64"):
            out.append(t().random_(-2**63, None))
        return out
    for mine, theirs in zip(*both(11, draws)):
        same(mine, theirs)


def test_random_errors_match_torchs():
    for m in (tm, torch):
        with pytest.raises(RuntimeError, match="to - 1 is out of bounds for signed char"):
            m.empty(3, dtype=m.int8).random_(0, 200)
        with pytest.raises(RuntimeError, match="expects 'from' to be less than 'to'"):
            m.randint(3, 1, (2,))


@pytest.mark.parametrize("n", [0, 1, 2, 15, 16, 100, 1000, 2**16 + 3])
def test_randperm(n):
    for dtype in ["int64", "int32", "float32"]:
        same(*both(n, lambda m: m.randperm(n, dtype=getattr(m, dtype))))


@pytest.mark.parametrize("dtype", FLOATS)
def test_like_functions(dtype):
    def draws(m):
        x = m.empty(7, 5, dtype=getattr(m, dtype)).t()  # the result keeps x's layout
        return m.rand_like(x), m.randn_like(x), m.randint_like(x, 3, 9), m.randint_like(x, 4)
    for mine, theirs in zip(*both(5, draws)):
        same(mine, theirs)


def test_generator_objects():
    def draws(m):
        g = m.Generator().manual_seed(3)
        a = m.rand(4, generator=g)
        state = g.get_state()
        b = m.randn(5, generator=g)
        g.set_state(state)
        c = m.randn(5, generator=g)
        g2 = m.Generator().manual_seed(2**40 + 3)
        return a, b, c, m.randint(0, 5, (9,), generator=g2), m.randperm(9, generator=g2)
    for mine, theirs in zip(*both(0, draws)):
        same(mine, theirs)
    g = tm.Generator()
    assert g.initial_seed() == torch.Generator().initial_seed()
    assert g.manual_seed(-1).initial_seed() == 2**64 - 1  # negative seeds wrap, as torch's
    seeded = g.seed()
    assert g.initial_seed() == seeded


def test_rng_state_round_trips_and_crosses_over():
    tm.manual_seed(9)
    tm.randn(3, dtype=tm.float64)  # leaves a cached normal in the state
    state = tm.get_rng_state()
    first = tm.randn(40)
    tm.set_rng_state(state)
    same(tm.randn(40), torch.from_numpy(np.asarray(first)))
    torch.set_rng_state(torch.from_numpy(np.asarray(state).copy()))  # tm's state works in torch
    same(first, torch.randn(40))
    with pytest.raises(TypeError, match="ByteTensor"):
        tm.set_rng_state(tm.zeros(5056))
    with pytest.raises(RuntimeError, match="size 5056"):
        tm.set_rng_state(tm.zeros(10, dtype=tm.uint8))


def test_uniform_bounds_errors_match_torchs():
    for low, high, message in [(-1e39, 1, "from is out of bounds for float"),
                               (0, 1e39, "to is out of bounds for float"),
                               (-3e38, 3e38, "to-from <= std::numeric_limits<Float>::max()"),
                               (2, 1, r"found from=2 > to=1")]:
        for m in (tm, torch):
            with pytest.raises(RuntimeError, match=message):
                m.empty(3).uniform_(low, high)


def test_a_generator_must_be_a_generator():
    for m in (tm, torch):
        with pytest.raises(TypeError):
            m.rand(2, generator=5)
