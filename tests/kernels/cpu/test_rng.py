"""The mt19937 engine against numpy's own MT19937 (init_genrand seeding), and the fused
multiply-add the transformations rely on."""
import numpy as np
import pytest

from tensorrt_mini.kernels.cpu import rng


def _numpy_draws(seed, n):
    bits = np.random.MT19937()
    bits._legacy_seeding(seed & 0xFFFFFFFF)  # init_genrand, as RandomState(seed) seeds
    return bits.random_raw(n).astype(np.uint32)


@pytest.mark.parametrize("seed", [0, 1, 42, 2**32 - 1, 2**32 + 7, 67280421310721])
def test_the_engine_draws_mt19937s_sequence(seed):
    key, pos = rng.mt_key(seed), np.array([624])
    got = []
    for n in (0, 1, 623, 1, 624, 5000):  # across twists, in uneven pieces
        out = np.empty(n, np.uint32)
        rng.mt_draw(key, pos, out)
        got.append(out)
    np.testing.assert_array_equal(np.concatenate(got), _numpy_draws(seed, 6249))


def test_fma_rounds_once():
    @rng.nb.njit
    def fused(a, b, c):
        return rng.fma(a, b, c)
    x = 1 + 2.0 ** -30
    assert fused(x, x, -1.0) == 2.0 ** -29 + 2.0 ** -60  # x * x - 1 rounded once
    assert x * x - 1 == 2.0 ** -29
    y = np.float32(1 + 2.0 ** -12)
    assert fused(y, y, np.float32(-1)) == np.float32(2.0 ** -11 + 2.0 ** -24)
