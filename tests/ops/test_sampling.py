"""random_, bernoulli, exponential_ and multinomial against torch's CPU draws, bit for bit."""
import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import after_seed, bitwise_same
from tensorrt_mini.backends import cuda_runtime

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("n", [0, 1, 17, 1000, 2**16 + 3])
def test_bernoulli_with_float_and_tensor_p(n):
    for seed in (0, 1):
        for dtype in ("float32", "float64", "int64", "bool"):
            bitwise_same(*after_seed(seed, lambda m: m.empty(n, dtype=getattr(m, dtype))
                                     .bernoulli_(0.3)))
        for pdtype in ("float32", "float64"):
            def draw(m):
                p = m.rand(n, dtype=getattr(m, pdtype))
                return m.bernoulli(p), p.bernoulli(), m.empty(n).bernoulli_(p), p.bernoulli(0.7)
            for mine, theirs in zip(*after_seed(seed, draw)):
                bitwise_same(mine, theirs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_exponential(dtype):
    for n in [1, 16, 1000, 2**16 + 3]:
        bitwise_same(*after_seed(n, lambda m: m.empty(n, dtype=getattr(m, dtype))
                                 .exponential_(2.5)))
    bitwise_same(*after_seed(2, lambda m: m.empty(30, 20, dtype=getattr(m, dtype)).t()
                             .exponential_()))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_multinomial(dtype):
    for shape, samples, replacement in [((5,), 3, True), ((4, 7), 10, True), ((3, 100), 50, True),
                                        ((6,), 1, True), ((6,), 3, False), ((3, 40), 7, False),
                                        ((3, 40), 1, False), ((2, 1000), 1000, True)]:
        def draw(m):
            weights = m.rand(shape, dtype=getattr(m, dtype))
            return m.multinomial(weights, samples, replacement), weights.multinomial(2)
        for mine, theirs in zip(*after_seed(len(shape) * samples, draw)):
            bitwise_same(mine, theirs)


def test_sampling_errors_match_torchs():
    cases = [(lambda m: m.empty(3).bernoulli_(1.5), RuntimeError, "expects p to be in"),
             (lambda m: m.empty(3).exponential_(0), RuntimeError, "expects lambda > 0.0"),
             (lambda m: m.empty(3, dtype=m.int64).exponential_(), RuntimeError, "specified Long"),
             (lambda m: m.multinomial(m.tensor([0.5, 0.2]), 3), RuntimeError,
              "without replacement"),
             (lambda m: m.multinomial(m.tensor([0.5, -0.2]), 1), RuntimeError, "element < 0"),
             (lambda m: m.multinomial(m.tensor([0., 0.]), 1), RuntimeError, "sum of probabilities"),
             (lambda m: m.multinomial(m.tensor([1, 2]), 1), RuntimeError, "floating-point"),
             (lambda m: m.multinomial(m.tensor([1., float("inf")]), 2, True), RuntimeError,
              "infinity or NaN"),
             (lambda m: m.bernoulli(m.tensor([1, 0])), NotImplementedError, "'Long'")]
    for fn, error, message in cases:
        for m in (tm, torch):
            with pytest.raises(error, match=message):
                fn(m)


def test_bernoulli_with_a_broadcast_p_follows_the_outputs_layout():
    def draw(m):
        p = m.rand(1, 20, dtype=m.float64)
        return m.empty(20, 30).t().bernoulli_(p)
    bitwise_same(*after_seed(6, draw))


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int16", "int32", "int64",
                                   "float32", "float64"])
def test_random_in_all_its_forms(dtype):
    def draws(m):
        t = lambda: m.empty(50, dtype=getattr(m, dtype))  # noqa: E731
        out = [t().random_(), t().random_(2), t().random_(0, 2), t().random_(1, None)]
        if dtype in ("int64", "float32", "float64"):
            out.append(t().random_(-2**63, None))
        return out
    for mine, theirs in zip(*after_seed(11, draws)):
        bitwise_same(mine, theirs)


def test_random_errors_match_torchs():
    for m in (tm, torch):
        with pytest.raises(RuntimeError, match="to - 1 is out of bounds for signed char"):
            m.empty(3, dtype=m.int8).random_(0, 200)
        with pytest.raises(RuntimeError, match="expects 'from' to be less than 'to'"):
            m.randint(3, 1, (2,))


@pytest.mark.skipif(not cuda_runtime.is_available(),
                    reason=f"cuda unavailable: {cuda_runtime.unavailable()}")
def test_on_cuda_sampling_uses_the_devices_own_stream():
    """On cuda the draws are tm's Philox stream, not torch's: checked for their law and
    their bounds, and for repeating after the same seed."""
    def draws():
        tm.manual_seed(5)
        x = tm.empty(4000, device="cuda")
        return [x.clone().bernoulli_(0.3), tm.bernoulli(tm.full((4000,), 0.8, device="cuda")),
                x.clone().exponential_(2.0),
                tm.empty(4000, dtype=tm.int64, device="cuda").random_(2, 9),
                tm.empty(50, dtype=tm.int8, device="cuda").random_()]
    first, again = draws(), draws()
    for a, b in zip(first, again):
        assert a.device.type == "cuda"
        np.testing.assert_array_equal(np.asarray(a.cpu()), np.asarray(b.cpu()))
    bern, bern_p, expo, ints, small = (np.asarray(t.cpu()) for t in first)
    assert abs(bern.mean() - 0.3) < 0.03 and abs(bern_p.mean() - 0.8) < 0.03
    assert abs(expo.mean() - 0.5) < 0.05 and expo.min() >= 0
    assert ints.min() == 2 and ints.max() == 8
    assert small.min() >= 0
    with pytest.raises(NotImplementedError, match="CPU only"):
        tm.multinomial(tm.rand(5, device="cuda"), 2)


def test_random_takes_to_by_keyword():
    def draws(m):
        return m.empty(20).random_(to=5), m.empty(20, dtype=m.int16).random_(3, to=40)
    for mine, theirs in zip(*after_seed(12, draws)):
        bitwise_same(mine, theirs)
