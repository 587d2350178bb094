"""backends/half.py: float16 and bfloat16 through every backend op, computed in float32
and rounded, against torch (casts bit for bit; ops as torch's CPU kernels give them)."""
import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini import backends
from tensorrt_mini.backends import cuda_runtime

torch = pytest.importorskip("torch")

HALF = ("float16", "bfloat16")


def _cuda():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    return "cuda"


def _bits(t):
    """The 16 bits of each element of a tm or torch half tensor, as uint16."""
    if isinstance(t, tm.Tensor):  # the storage's own values: float16, or bfloat16's bits
        return backends.get("cpu").to_host(t.cpu()).view(np.uint16)
    return t.view(torch.int16).numpy().view(np.uint16)


def _float32_patterns(n, seed):
    rng = np.random.default_rng(seed)
    special = np.array([0, 0x80000000, 0x7F800000, 0xFF800000, 0x7F7FFFFF, 0x00000001,
                        0x3F808000, 0x3F818000, 0x477FF000, 0x33000000, 0x387FC000], np.uint32)
    return np.concatenate([special, rng.integers(0, 1 << 32, n, dtype=np.uint32)]).view(np.float32)


@pytest.mark.parametrize("device", ["cpu", "cuda"])
@pytest.mark.parametrize("name", HALF)
def test_float32_casts_bit_for_bit(device, name):
    if device == "cuda":
        _cuda()
    x = _float32_patterns(200 if device == "cuda" else 5000, seed=len(name))
    x = x[~np.isnan(x)]  # (torch's NaN bits differ between its own paths)
    got = tm.tensor(x, device=device).to(getattr(tm, name))
    want = torch.from_numpy(x).to(getattr(torch, name))
    assert got.dtype is getattr(tm, name) and got.device.type == device
    np.testing.assert_array_equal(_bits(got), _bits(want))
    # and back, exactly
    np.testing.assert_array_equal(np.array(got.float().tolist(), np.float32), want.float().numpy())
    assert np.isnan(tm.tensor([np.nan], device=device).to(getattr(tm, name)).item())


@pytest.mark.parametrize("name", HALF)
def test_other_types_convert_as_torch(name):
    """float64 rounds through float32 (twice, as torch); integers and bool through float32;
    half to integers truncates; half to half rounds once."""
    tdt, dt = getattr(torch, name), getattr(tm, name)
    doubles = np.array([1 + 2 ** -8 + 2 ** -30, 1 + 2 ** -11 + 2 ** -40, 1e300, -3.3e38, 1e-300,
                        0.1, 65519.0, 70000.0])
    np.testing.assert_array_equal(_bits(tm.tensor(doubles).to(dt)), _bits(torch.tensor(doubles).to(tdt)))
    ints = np.array([0, 1, -7, 2049, 16809985, 2 ** 40 + 1])
    np.testing.assert_array_equal(_bits(tm.tensor(ints).to(dt)), _bits(torch.tensor(ints).to(tdt)))
    assert tm.tensor([True, False]).to(dt).tolist() == [1.0, 0.0]
    values = [-2.75, 0.5, 300.7, -0.0]
    for target in ("int64", "int32", "uint8", "bool", "float64", "float16", "bfloat16"):
        got = tm.tensor(values, dtype=dt).to(getattr(tm, target))
        want = torch.tensor(values, dtype=tdt).to(getattr(torch, target))
        assert got.tolist() == want.tolist() and got.dtype.name == target


@pytest.mark.parametrize("name", HALF)
def test_spellings_and_copy_between_dtypes(name):
    dt, tdt = getattr(tm, name), getattr(torch, name)
    x = tm.tensor([[1.1, -2.3, 3.7], [4.9, 5.5, -6.01]])
    method = "half" if name == "float16" else "bfloat16"
    assert getattr(x, method)().dtype is dt and x.type(dt).dtype is dt
    assert getattr(x, method)().type() == f"torch.{ {'float16': 'Half', 'bfloat16': 'BFloat16'}[name]}Tensor"
    assert x.to(dt).float().dtype is tm.float32
    # copy_ into a transposed half view from float64, and from half into a stepped float32 view
    dst = tm.zeros(3, 2, dtype=dt).t()
    dst.copy_(x.double())
    tdst = torch.zeros(3, 2, dtype=tdt).t()
    tdst.copy_(torch.tensor(x.tolist()).double())
    assert dst.tolist() == tdst.tolist()
    back = tm.zeros(2, 6)[:, ::2]
    back.copy_(dst)
    assert back.tolist() == tdst.float().tolist()
    assert x.to(dt).element_size() == 2 and x.to(dt).is_floating_point()


@pytest.mark.parametrize("name", HALF)
def test_creation_functions(name):
    dt, tdt = getattr(tm, name), getattr(torch, name)
    for make in (lambda L, d: L.zeros(2, 3, dtype=d), lambda L, d: L.ones(4, dtype=d),
                 lambda L, d: L.full((2,), 1.001, dtype=d), lambda L, d: L.arange(0, 1, 0.1, dtype=d),
                 lambda L, d: L.eye(3, dtype=d),
                 lambda L, d: L.tensor([[1.3, 2.7e4], [-1e-6, 3.0]], dtype=d),
                 lambda L, d: L.zeros_like(L.ones(3), dtype=d), lambda L, d: L.full_like(L.ones(2, dtype=d), 7.7)):
        got, want = make(tm, dt), make(torch, tdt)
        assert got.dtype is dt and got.tolist() == want.tolist(), (got, want)
    # (torch's half linspace rounds its partial sums in its own way: an ulp apart at times)
    ulp = {"float16": 2 ** -10, "bfloat16": 2 ** -7}[name]
    np.testing.assert_allclose(tm.linspace(-1, 3, 50, dtype=dt).tolist(),
                               torch.linspace(-1, 3, 50, dtype=tdt).tolist(), rtol=ulp, atol=ulp)
    for make in (tm.rand, tm.randn, tm.empty):
        assert make(5, dtype=dt).dtype is dt
    assert tm.rand_like(tm.ones(3, dtype=dt)).dtype is dt
    # rand draws float32 and rounds, as torch's does (so bfloat16 may give 1.0, as torch's)
    tm.manual_seed(7)
    torch.manual_seed(7)
    assert tm.rand(1000, dtype=dt).tolist() == torch.rand(1000, dtype=tdt).tolist()
    with pytest.raises(RuntimeError, match="value cannot be converted to type c10::"):
        tm.full((2,), 1e39, dtype=dt)


def test_numpy_interop():
    h = tm.tensor([1.5, 2.25], dtype=tm.float16)
    assert h.numpy().dtype == np.float16 and h.numpy().tolist() == [1.5, 2.25]
    assert tm.from_numpy(np.array([0.1, 3.0], np.float16)).dtype is tm.float16
    with pytest.raises(TypeError, match="Got unsupported ScalarType BFloat16"):
        tm.ones(2, dtype=tm.bfloat16).numpy()
    b = tm.tensor([[1.0, 2.5]], dtype=tm.bfloat16)
    assert b.tolist() == [[1.0, 2.5]] and b[0, 1].item() == 2.5 and isinstance(b[0, 1].item(), float)


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# (name, op) pairs on a half tensor t: torch's CPU kernels compute these in float32 and
# round once, so the bits agree
EXACT = [
    ("add", lambda L, t: t + t.flip(0)), ("mul scalar", lambda L, t: t * 2.1),
    ("rsub", lambda L, t: 1 - t), ("exp", lambda L, t: t.exp()), ("tanh", lambda L, t: t.tanh()),
    ("where", lambda L, t: L.where(t > 0, t, 0.5)), ("clamp", lambda L, t: t.clamp(-0.5, 0.5)),
    ("sum", lambda L, t: t.sum()), ("sum dim", lambda L, t: t.sum(0)), ("mean", lambda L, t: t.mean(1)),
    ("amax", lambda L, t: t.amax(1)), ("argmax", lambda L, t: t.argmax()), ("gt", lambda L, t: t > 0),
    ("sort", lambda L, t: t.sort(1).values), ("cumsum", lambda L, t: t.cumsum(0)),
    ("softmax", lambda L, t: t.softmax(1)), ("masked", lambda L, t: t[t > 0]),
    ("transposed", lambda L, t: t.t().contiguous()), ("in place", lambda L, t: t.add_(1).mul_(t)),
    ("cat", lambda L, t: L.cat([t, t.float()])), ("int + half", lambda L, t: L.tensor([1, 2]) + t[0, :2]),
    ("lerp", lambda L, t: L.lerp(t, t * 2, 0.3)), ("var", lambda L, t: t.var()),
    ("setitem", lambda L, t: t.__setitem__((slice(None), 1), 7.3) or t),
    ("masked_fill", lambda L, t: t.masked_fill(t > 0, 1.0)),
]


@pytest.mark.parametrize("name", HALF)
def test_ops_compute_in_float32_and_round_as_torch(name):
    dt, tdt = getattr(tm, name), getattr(torch, name)
    x = _x((3, 4))
    for label, op in EXACT:
        got, want = op(tm, tm.tensor(x).to(dt)), op(torch, torch.tensor(x).to(tdt))
        assert got.dtype.name == str(want.dtype)[6:], label
        assert got.tolist() == want.tolist(), (label, got, want)


def test_promotion_of_results():
    b, h = tm.ones(2, dtype=tm.bfloat16), tm.ones(2, dtype=tm.float16)
    assert (b + h).dtype is tm.float32 and (b + tm.ones(2)).dtype is tm.float32
    assert (h + tm.ones(2, dtype=tm.float64)).dtype is tm.float64
    assert (b + 2.5).dtype is tm.bfloat16 and (h * tm.tensor(3.0)).dtype is tm.float16
    assert (tm.ones(2, dtype=tm.int64) + h).dtype is tm.float16
    assert (b > h).dtype is tm.bool and b.sum().dtype is tm.bfloat16 and h.mean().dtype is tm.float16


@pytest.mark.parametrize("name", HALF)
def test_matmul_family_on_cpu(name):
    """numpy's BLAS in float32, rounded once: torch's CPU kernels accumulate in float32
    too, in another order, so the results agree to an ulp."""
    dt, tdt = getattr(tm, name), getattr(torch, name)
    a, b, c = _x((2, 3, 5), 1), _x((2, 5, 4), 2), _x((4,), 3)
    ulp = {"float16": 2 ** -10, "bfloat16": 2 ** -7}[name]
    cases = [lambda L, a, b: a @ b, lambda L, a, b: L.bmm(a, b), lambda L, a, b: L.mm(a[0], b[1]),
             lambda L, a, b: a[0].t().matmul(a[1]), lambda L, a, b: L.nn.functional.linear(a, b[0].t()),
             lambda L, a, b: a @ b[0, :, 0]]
    for op in cases:
        got = op(tm, tm.tensor(a).to(dt), tm.tensor(b).to(dt))
        want = op(torch, torch.tensor(a).to(tdt), torch.tensor(b).to(tdt))
        assert got.dtype is dt and tuple(got.shape) == tuple(want.shape)
        np.testing.assert_allclose(got.float().tolist(), want.float().numpy(), rtol=2 * ulp, atol=1e-6)
    assert (tm.tensor(c).to(dt) @ tm.tensor(c).to(dt)).dtype is dt


@pytest.mark.parametrize("name", HALF)
def test_cuda_matches_cpu(name):
    """The cuda path (under the simulator: numpy for cuBLAS, as for float32) agrees with
    the cpu's, bit for bit, for casts, ops and matmul."""
    device = _cuda()
    dt = getattr(tm, name)
    x, w = _x((3, 4), 4), _x((4, 2), 5)
    ops = [lambda t: t + 1, lambda t: (t * t).sum(1), lambda t: t.exp(), lambda t: t @ tm.tensor(w).to(t.device).to(dt),
           lambda t: t.t() @ t, lambda t: t.amax(), lambda t: tm.where(t > 0, t, -1.0),
           lambda t: t.float(), lambda t: t.to(tm.float16 if t.dtype is tm.bfloat16 else tm.bfloat16)]
    for op in ops:
        got, want = op(tm.tensor(x, device=device).to(dt)), op(tm.tensor(x).to(dt))
        assert got.device.type == "cuda" and got.dtype is want.dtype
        assert got.tolist() == want.tolist()
    t = tm.tensor(x).to(dt)
    assert t.to(device).cpu().tolist() == t.tolist()
    filled = tm.full((3,), 2.7, dtype=dt, device=device)
    assert filled.tolist() == torch.full((3,), 2.7, dtype=getattr(torch, name)).tolist()


def test_ops_without_half_kernels_name_the_dtype():
    with pytest.raises(RuntimeError, match="bfloat16"):
        tm.linalg.inv(tm.eye(2, dtype=tm.bfloat16))


@pytest.mark.parametrize("name", HALF)
def test_gradients_are_half_as_torch(name):
    results = []
    for lib in (tm, torch):
        dt = getattr(lib, name)
        x = lib.tensor([[0.5, -1.25, 2.0], [0.1, 0.2, -0.3]], dtype=dt, requires_grad=True)
        w = lib.tensor([[0.3], [0.7], [-0.2]], dtype=dt, requires_grad=True)
        ((x @ w).tanh() * x).sum().add(x.exp().mean()).backward()
        results.append([(str(g.dtype), g.tolist()) for g in (x.grad, w.grad)])
    assert results[0] == results[1]


@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_storage_reads_and_writes_numbers(device):
    """A bfloat16 storage holds bits; its items read and write numbers, rounded as torch."""
    if device == "cuda":
        _cuda()
    t = tm.zeros(3, dtype=tm.bfloat16, device=device)
    s = t.storage()
    s[1] = 2.7
    assert s[1] == 2.703125 and s[-1] == 0.0 and t.tolist() == [0.0, 2.703125, 0.0]
    s.fill_(1.001)
    assert s.tolist() == [1.0, 1.0, 1.0] and s[0:2] == [1.0, 1.0]
    assert tm.ones(2, dtype=tm.float16, device=device).storage().tolist() == [1.0, 1.0]
