"""kernels/half.py: float32 <-> bfloat16 / float16, bit for bit against torch's casts."""
import numpy as np
import pytest

from tensorrt_mini.kernels import half as K

torch = pytest.importorskip("torch")


def _patterns(n, seed=0):
    """float32 bit patterns: n random ones, plus the special values, bfloat16 and float16
    ties (both parities), and subnormals of float32 and float16."""
    rng = np.random.default_rng(seed)
    special = [0, 0x80000000, 0x7F800000, 0xFF800000, 0x7F7FFFFF, 0xFF7FFFFF, 0x00000001,
               0x007FFFFF, 0x00800000, 0x3F800000, 0x7F7F8000, 0x7F7F7FFF, 0x477FF000,
               0x477FEFFF, 0x33800000, 0x33000000, 0x33000001, 0x387FC000]
    bf16_ties = (rng.integers(0, 1 << 16, 2000, dtype=np.uint32) << 16) | 0x8000
    f16_ties = ((rng.integers(0x33000000, 0x47800000, 2000, dtype=np.uint32) >> 13) << 13) | 0x1000
    subnormals = rng.integers(0, 0x00800000, 2000, dtype=np.uint32)
    f16_subnormals = rng.integers(0x33000000, 0x38800000, 2000, dtype=np.uint32)
    signs = rng.integers(0, 2, 8000, dtype=np.uint32) << 31
    rest = np.concatenate([bf16_ties, f16_ties, subnormals, f16_subnormals]) | signs
    random = rng.integers(0, 1 << 32, n, dtype=np.uint32)
    return np.concatenate([np.array(special, np.uint32), rest, random]).view(np.float32)


def _torch_bits(values, dtype):
    return torch.from_numpy(values).to(dtype).view(torch.int16).numpy().view(np.uint16)


@pytest.mark.parametrize("n", [20000])
def test_float32_to_bfloat16_rounds_as_torch(n):
    x = _patterns(n)
    want = _torch_bits(x, torch.bfloat16)
    nan = np.isnan(x)
    for got in (K.f32_to_bf16(x), _numba_bf16(x)):
        np.testing.assert_array_equal(got[~nan], want[~nan])
        assert (got[nan] == K.BF16_NAN).all()


def _numba_bf16(x):
    out = np.empty(x.shape, np.uint16)
    K.f32_bits_to_bf16(out, x.view(np.uint32))
    return out


def test_float32_to_float16_rounds_as_torch_with_its_nan_bits():
    x = _patterns(20000, seed=1)
    np.testing.assert_array_equal(K.f32_to_f16(x).view(np.uint16), _torch_bits(x, torch.float16))


def test_back_to_float32_is_exact():
    bits = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)
    want = torch.from_numpy(bits.view(np.int16)).view(torch.bfloat16).float().numpy()
    np.testing.assert_array_equal(K.bf16_to_f32(bits).view(np.uint32), want.view(np.uint32))


@pytest.mark.slow
def test_every_float32_pattern_to_bfloat16():
    """The whole float32 space, 2^32 patterns, in slices (minutes)."""
    step = 1 << 24
    for lo in range(0, 1 << 32, step):
        x = np.arange(lo, lo + step, dtype=np.uint64).astype(np.uint32).view(np.float32)
        nan = np.isnan(x)
        np.testing.assert_array_equal(_numba_bf16(x)[~nan], _torch_bits(x, torch.bfloat16)[~nan])
