"""The fused attention kernels (kernels/cuda/flash_attention.py) under the simulator, on raw
numpy buffers of float32, float16 and bfloat16 bits: out, lse, dq, dk and dv against a
float64 reference that holds the whole score matrix; causal with L < S and L > S, sizes
that are not tile multiples, head dims that are not powers of two, tiles of unequal
rows; bfloat16's round-to-nearest-even through the kernels' stores."""
import numpy as np
import pytest

from tensorrt_mini.kernels.cuda import flash_attention as fa

RNG = np.random.default_rng(7)
BH, E, EV = 2, 5, 3


def bf16_bits(x):
    """float32 values rounded to bfloat16 (nearest, ties to even), as uint16 bits."""
    bits = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    return np.where(np.isnan(x), np.uint16(0x7FC0), rounded)


def bf16_values(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def encode(x, dtype):
    """(kernel buffer, the float64 values it holds) for float values x."""
    if dtype == "bfloat16":
        bits = bf16_bits(x.astype(np.float32))
        return bits.ravel(), bf16_values(bits).astype(np.float64)
    stored = x.astype(dtype)
    return stored.ravel(), stored.astype(np.float64)


def decode(buffer, dtype, shape):
    values = bf16_values(buffer) if dtype == "bfloat16" else buffer
    return values.astype(np.float64).reshape(shape)


def reference(q, k, v, dout, scale, causal):
    """out, lse, dq, dk, dv in float64 through the full (L, S) probabilities."""
    s = scale * q @ k.transpose(0, 2, 1)
    if causal:  # top-left aligned: query i sees keys j <= i
        s = np.where(np.tril(np.ones(s.shape[1:], bool)), s, -np.inf)
    m = s.max(-1, keepdims=True)
    p = np.exp(s - m)
    total = p.sum(-1, keepdims=True)
    p /= total
    out = p @ v
    dv = p.transpose(0, 2, 1) @ dout
    dp = dout @ v.transpose(0, 2, 1)
    ds = p * (dp - (dout * out).sum(-1, keepdims=True))
    return out, (m + np.log(total))[..., 0], scale * ds @ k, scale * ds.transpose(0, 2, 1) @ q, dv


def run(sim, dtype, q, k, v, dout, scale, causal, tiles):
    """The backend's launch sequence on host buffers: forward, then delta, dkdv and dq."""
    (bh, L, e), S, ev = q.shape, k.shape[1], v.shape[2]
    block_m, block_n = tiles
    qb, kb, vb, dob = (encode(x, dtype)[0] for x in (q, k, v, dout))
    store = qb.dtype
    out, lse = np.empty(bh * L * ev, store), np.empty(bh * L, np.float32)
    causal = int(causal)
    scale = np.float32(scale)
    sim.simulate(fa.forward(dtype, e, ev, block_m, block_n), (-(-L // block_m), bh), (block_m,),
                 [out, lse, qb, kb, vb, L, S, scale, causal])
    delta = np.empty(bh * L, np.float32)
    sim.simulate(fa.delta(dtype, ev, block_m), (-(-bh * L // block_m),), (block_m,),
                 [delta, out, dob, bh * L])
    dq, dk, dv = (np.empty(x.size, store) for x in (q, k, v))
    tail = [qb, kb, vb, dob, lse, delta, L, S, scale, causal]
    sim.simulate(fa.dkdv(dtype, e, ev, block_m, block_n), (-(-S // block_n), bh), (block_n,),
                 [dk, dv] + tail)
    sim.simulate(fa.dq(dtype, e, ev, block_m, block_n), (-(-L // block_m), bh), (block_m,),
                 [dq] + tail)
    return (decode(out, dtype, (bh, L, ev)), lse.reshape(bh, L).astype(np.float64),
            decode(dq, dtype, q.shape), decode(dk, dtype, k.shape), decode(dv, dtype, v.shape))


# absolute tolerance on values of order 1: float32's rounding, or one unit in the last
# place of the 16-bit result plus what rounding the stored out does to the gradients
TOL = {"float32": 2e-5, "float16": 4e-3, "bfloat16": 3e-2}


def inputs(L, S, dtype, e=E, ev=EV):
    """Random q, k, v, dout, and the values the kernels see (rounded to dtype)."""
    arrays = [RNG.standard_normal(shape) for shape in
              ((BH, L, e), (BH, S, e), (BH, S, ev), (BH, L, ev))]
    return [encode(x, dtype)[1] for x in arrays]


@pytest.mark.parametrize("dtype", fa.DTYPES)
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("L,S,tiles", [
    (7, 11, (4, 4)),   # L < S: causal rows see a prefix; 7 and 11 are not tile multiples
    (11, 6, (4, 8)),   # L > S: rows past S see every key; more query than key tiles
    (9, 9, (8, 2)),    # square, tiles of unequal rows: dkdv's first query tile
])
def test_matches_the_float64_reference(sim, dtype, causal, L, S, tiles):
    q, k, v, dout = inputs(L, S, dtype)
    scale = 0.8
    got = run(sim, dtype, q, k, v, dout, scale, causal, tiles)
    want = reference(q, k, v, dout, scale, causal)
    for name, g, w in zip(("out", "lse", "dq", "dk", "dv"), got, want):
        tol = 2e-5 if name == "lse" else TOL[dtype]  # lse is float32 whatever the dtype
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol, err_msg=name)


def test_causal_skips_tiles_above_the_diagonal(sim):
    # with L = 4 and tiles of 4, keys 4.. are above the diagonal: never read, so nan there
    # reaches no result, and their dk and dv are zero
    q, k, v, dout = inputs(4, 12, "float32")
    k[:, 4:] = np.nan
    v[:, 4:] = np.nan
    out, lse, dq, dk, dv = run(sim, "float32", q, k, v, dout, 0.5, True, (4, 4))
    want = reference(q, k[:, :4], v[:, :4], dout, 0.5, True)
    for g, w in zip((out, lse, dq, dk[:, :4], dv[:, :4]), want):
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-5)
    assert not dk[:, 4:].any() and not dv[:, 4:].any()


def test_wide_head_dims_and_one_key(sim):
    # E past the tile's rows; one key: every row's probability is 1, out is v itself
    q, k, v, dout = inputs(3, 1, "float32", e=19, ev=2)
    got = run(sim, "float32", q, k, v, dout, 1.0, False, (2, 2))
    np.testing.assert_allclose(got[0], np.broadcast_to(v, got[0].shape), rtol=1e-6)
    np.testing.assert_allclose(got[1], np.einsum("bie,bje->bi", q, k), rtol=1e-5)
    assert not got[2].any() and not got[3].any()  # softmax of one score has no slope


def test_bfloat16_stores_round_to_nearest_even(sim):
    # q = 0: each row averages its keys' values in float32, then rounds to bfloat16
    one, up1, up2 = 0x3F80, 0x3F81, 0x3F82  # 1, 1 + 2^-7, 1 + 2^-6
    pairs = [(one, up1, 0x3F80),   # 1 + 2^-8: a tie, to the even 0x3F80
             (up1, up2, 0x3F82),   # 1 + 3 * 2^-8: a tie, to the even 0x3F82
             (one, up2, 0x3F81),   # exact
             (0xBF80, 0xBF81, 0xBF80),  # negative tie
             (0x7F80, one, 0x7F80),  # inf stays inf
             (0x7FC0, one, 0x7FC0)]  # nan: the quiet nan
    v = np.array([[[a], [b]] for a, b, _ in pairs], np.uint16)
    n = len(pairs)
    q = np.zeros(n * 1 * 1, np.uint16)
    k = np.zeros(n * 2 * 1, np.uint16)
    out, lse = np.empty(n, np.uint16), np.empty(n, np.float32)
    sim.simulate(fa.forward("bfloat16", 1, 1, 2, 2), (1, n), (2,),
                 [out, lse, q, k, v.ravel(), 1, 2, np.float32(1), 0])
    assert [hex(b) for b in out] == [hex(want) for *_, want in pairs]
    np.testing.assert_allclose(lse, np.log(2), rtol=1e-6)


def test_test_rounding_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.concatenate([RNG.standard_normal(200).astype(np.float32),
                        np.float32([1 + 2 ** -8, 1 + 3 * 2 ** -8, -0.0, np.inf])])
    want = torch.tensor(x).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)
    np.testing.assert_array_equal(bf16_bits(x), want)


def test_factories_refuse_what_they_do_not_build():
    with pytest.raises(TypeError, match="flash attention takes float32, float16, bfloat16"):
        fa.forward("float64", 8, 8, 4, 4)
    with pytest.raises(ValueError, match="head dims 1 to 128, got 129, 8"):
        fa.dq("float32", 129, 8, 4, 4)
