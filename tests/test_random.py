"""Generators and their state against torch's: after the same seed, the same values call
after call, the same state bytes, and states that cross over."""
import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import after_seed, bitwise_same

torch = pytest.importorskip("torch")


def test_a_sequence_of_calls_advances_as_torchs():
    def calls(m):
        a = m.rand(5)
        b = m.randn(100)
        c = m.randint(0, 10, (7,))
        d = m.randn(3)  # an odd count of scalar normals keeps one for the next call
        e = m.randn(1, dtype=m.float64)
        f = m.randperm(20)
        return a, b, c, d, e, f, m.get_rng_state()
    for mine, theirs in zip(*after_seed(0, calls)):
        bitwise_same(mine, theirs)


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
    for mine, theirs in zip(*after_seed(0, draws)):
        bitwise_same(mine, theirs)
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
    bitwise_same(tm.randn(40), torch.from_numpy(np.asarray(first)))
    torch.set_rng_state(torch.from_numpy(np.asarray(state).copy()))  # tm's state works in torch
    bitwise_same(first, torch.randn(40))
    with pytest.raises(TypeError, match="ByteTensor"):
        tm.set_rng_state(tm.zeros(5056))
    with pytest.raises(RuntimeError, match="size 5056"):
        tm.set_rng_state(tm.zeros(10, dtype=tm.uint8))


def test_a_generator_must_be_a_generator():
    for m in (tm, torch):
        with pytest.raises(TypeError):
            m.rand(2, generator=5)


@pytest.mark.slow
def test_random_configurations_sweep():
    """Seeds up to 2^63, sizes up to 400k, random parameters: every draw function agrees."""
    rs = np.random.default_rng(123)
    for _ in range(40):
        seed = int(rs.integers(0, 2**63))
        n = int(rs.choice([rs.integers(0, 40), rs.integers(0, 5000), rs.integers(0, 400000)]))
        mean, std = float(rs.normal() * 10), float(rs.exponential() * 5)
        low = float(rs.normal() * 100)
        high = low + float(rs.exponential() * 100)
        top = int(rs.choice([10, 2**20, 2**28 + 5, 2**40]))
        for dtype in ("float32", "float64"):
            def draws(m):
                t = lambda: m.empty(n, dtype=getattr(m, dtype))  # noqa: E731
                return (t().normal_(mean, std), t().uniform_(low, high),
                        t().exponential_(std + 0.1), t().bernoulli_(min(std / 20, 1.0)),
                        m.randn(3, dtype=getattr(m, dtype)), m.randn(n, dtype=getattr(m, dtype)),
                        m.randperm(n), m.randint(-3, top, (n,)))
            for mine, theirs in zip(*after_seed(seed, draws)):
                bitwise_same(mine, theirs)
