"""Gather/scatter and the Philox generator under the simulator."""
import numpy as np
import pytest
from numba import types

from tensorrt_mini.kernels.cuda import geometry as geo
from tensorrt_mini.kernels.cuda import index, philox
from tensorrt_mini.kernels.cuda.compiler import Kernel

DTYPES = [np.dtype(d) for d in ("bool", "uint8", "int8", "int16", "int32", "int64",
                                "float32", "float64")]


def _data(dtype, n, seed):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(n) * 50).astype(dtype) if dtype.kind != "b" else rng.random(n) < .5


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_take(sim, dtype):
    x = _data(dtype, 30, 1)
    offsets = np.array([29, 0, 3, 3, 17, 8, 0, 29, 11, 5, 2, 26, 13], dtype=np.int64)
    out = np.zeros(len(offsets), dtype)
    sim.simulate(index.take(dtype), (geo.blocks(len(offsets), geo.THREADS),), geo.THREADS,
                 [out, x, offsets, len(offsets)])
    np.testing.assert_array_equal(out, x[offsets])


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("values_pointer", [True, False])
def test_put(sim, dtype, values_pointer):
    x = _data(dtype, 30, 1)
    want = x.copy()
    offsets = np.array([29, 0, 3, 17, 8, 11, 5, 2, 26, 13, 20], dtype=np.int64)
    values = _data(dtype, len(offsets), 2) if values_pointer else dtype.type(1)
    want[offsets] = values
    sim.simulate(index.put(dtype, values_pointer), (2,), geo.THREADS,
                 [x, offsets, values, len(offsets)])
    np.testing.assert_array_equal(x, want)


@pytest.mark.parametrize("dtype", index.ACCUMULATE_DTYPES, ids=str)
@pytest.mark.parametrize("values_pointer", [True, False])
def test_put_add_accumulates_repeated_offsets(sim, dtype, values_pointer):
    x = _data(dtype, 10, 1)
    want = x.copy()
    offsets = np.array([3, 3, 3, 0, 9, 3, 0, 5, 5, 5, 5, 1, 3, 7, 3, 3, 9], dtype=np.int64)
    values = _data(dtype, len(offsets), 2) if values_pointer else dtype.type(2)
    np.add.at(want, offsets, values)
    sim.simulate(index.put_add(dtype, values_pointer), (2,), geo.THREADS,
                 [x, offsets, values, len(offsets), len(x)])
    np.testing.assert_allclose(x, want, rtol=1e-6)


def test_put_add_refuses_dtypes_without_atomics():
    with pytest.raises(TypeError, match="int32"):
        index.put_add("int8")


# -- Philox ----------------------------------------------------------------------------
def _philox_raw(sim, c0, c1, c2, c3, k0, k1):
    """The four output words of philox4x32, computed by a one-thread kernel."""
    def kernel(out, c, k):
        w = philox.philox4x32(types.uint64(c[0]), types.uint64(c[1]), types.uint64(c[2]),
                              types.uint64(c[3]), types.uint64(k[0]), types.uint64(k[1]))
        for j in range(4):
            out[j] = w[j]
    p = types.CPointer(types.uint64)
    out = np.zeros(4, np.uint64)
    sim.simulate(Kernel("test.philox_raw", kernel, (p, p, p), 1), (1,), 1,
                      [out, np.array([c0, c1, c2, c3], np.uint64), np.array([k0, k1], np.uint64)])
    return [int(v) for v in out]


# Known-answer vectors from Random123's kat_vectors (philox4x32, 10 rounds)
KAT = [
    ((0, 0, 0, 0, 0, 0), (0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8)),
    ((0xffffffff,) * 6, (0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd)),
    ((0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0),
     (0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1)),
]


@pytest.mark.parametrize("inputs,want", KAT)
def test_philox_known_answers(sim, inputs, want):
    assert _philox_raw(sim, *inputs) == list(want)


def draw(sim, kind, dtype, n, seed, offset, p0, p1):
    out = np.zeros(n, dtype)
    k = getattr(philox, kind)(dtype)
    sim.simulate(k, (geo.blocks(philox.groups(n, dtype), geo.THREADS),), geo.THREADS,
                 [out, n, seed & 0xFFFFFFFF, seed >> 32, offset, p0, p1])
    return out


@pytest.mark.parametrize("dtype", philox.DTYPES, ids=str)
@pytest.mark.parametrize("kind", ["uniform", "normal"])
def test_draws_depend_only_on_seed_offset_and_position(sim, kind, dtype):
    seed = 0x1234_5678_9ABC
    a = draw(sim, kind, dtype, 37, seed, 5, 0.0, 1.0)
    np.testing.assert_array_equal(a, draw(sim, kind, dtype, 37, seed, 5, 0.0, 1.0))
    # one counter further on is the same stream shifted by one group
    per = philox.per_group(dtype)
    np.testing.assert_array_equal(draw(sim, kind, dtype, 37 - per, seed, 6, 0.0, 1.0), a[per:])
    assert not np.array_equal(draw(sim, kind, dtype, 37, seed + 1, 5, 0.0, 1.0), a)
    assert len(np.unique(a)) == len(a)


@pytest.mark.parametrize("dtype", philox.DTYPES, ids=str)
def test_uniform_range_and_moments(sim, dtype):
    x = draw(sim, "uniform", dtype, 4000, 7, 0, -2.0, 3.0)
    assert x.dtype == dtype
    assert x.min() >= -2.0 and x.max() < 3.0
    assert abs(x.mean() - 0.5) < 0.1  # std of the mean: 5 / sqrt(12 * 4000) ~ 0.023
    assert abs(x.std() - 5 / np.sqrt(12)) < 0.06


@pytest.mark.parametrize("dtype", philox.DTYPES, ids=str)
def test_normal_moments(sim, dtype):
    x = draw(sim, "normal", dtype, 4000, 11, 3, 1.5, 2.0)
    assert np.isfinite(x).all()
    assert abs(x.mean() - 1.5) < 0.15  # std of the mean: 2 / sqrt(4000) ~ 0.032
    assert abs(x.std() - 2.0) < 0.1
    assert abs(np.mean(np.abs(x - 1.5) < 2.0) - 0.6827) < 0.03  # within one sigma


def test_random_kernels_need_a_floating_dtype():
    with pytest.raises(TypeError):
        philox.uniform("int32")
