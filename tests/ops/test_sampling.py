"""bernoulli, exponential_ and multinomial against torch's CPU draws, bit for bit."""
import numpy as np
import pytest

import tensorrt_mini as tm

torch = pytest.importorskip("torch")


def same(mine, theirs):
    a, b = np.asarray(mine), theirs.detach().numpy()
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(np.ascontiguousarray(a).view(np.uint8),
                                  np.ascontiguousarray(b).view(np.uint8))


def both(seed, fn):
    tm.manual_seed(seed)
    torch.manual_seed(seed)
    return fn(tm), fn(torch)


@pytest.mark.parametrize("n", [0, 1, 17, 1000, 2**16 + 3])
def test_bernoulli_with_float_and_tensor_p(n):
    for seed in (0, 1):
        for dtype in ("float32", "float64", "int64", "bool"):
            same(*both(seed, lambda m: m.empty(n, dtype=getattr(m, dtype)).bernoulli_(0.3)))
        for pdtype in ("float32", "float64"):
            def draw(m):
                p = m.rand(n, dtype=getattr(m, pdtype))
                return m.bernoulli(p), p.bernoulli(), m.empty(n).bernoulli_(p), p.bernoulli(0.7)
            for mine, theirs in zip(*both(seed, draw)):
                same(mine, theirs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_exponential(dtype):
    for n in [1, 16, 1000, 2**16 + 3]:
        same(*both(n, lambda m: m.empty(n, dtype=getattr(m, dtype)).exponential_(2.5)))
    same(*both(2, lambda m: m.empty(30, 20, dtype=getattr(m, dtype)).t().exponential_()))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_multinomial(dtype):
    for shape, samples, replacement in [((5,), 3, True), ((4, 7), 10, True), ((3, 100), 50, True),
                                        ((6,), 1, True), ((6,), 3, False), ((3, 40), 7, False),
                                        ((3, 40), 1, False), ((2, 1000), 1000, True)]:
        def draw(m):
            weights = m.rand(shape, dtype=getattr(m, dtype))
            return m.multinomial(weights, samples, replacement), weights.multinomial(2)
        for mine, theirs in zip(*both(len(shape) * samples, draw)):
            same(mine, theirs)


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
    same(*both(6, draw))
