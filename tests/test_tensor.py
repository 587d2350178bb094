"""The Tensor object: metadata, storage, data_ptr, numpy interop (zero-copy where torch
shares memory), Python scalars, conversions, contiguous and clone."""
import math
import pickle

import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import assert_values, host, meta, numbered, same_as_torch, same_storage


def points():
    return tm.tensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]])


def test_metadata():
    x = points()
    assert x.shape == (3, 2) and x.size() == (3, 2) and x.size(-1) == 2 and x.shape[0] == 3
    assert repr(x.shape) == "torch.Size([3, 2])" and x.shape.numel() == 6
    assert x.stride() == (2, 1) and x.stride(0) == 2 and x.storage_offset() == 0
    assert (x.dim(), x.ndim, x.ndimension(), x.numel(), x.nelement()) == (2, 2, 2, 6, 6)
    assert x.dtype is tm.float32 and x.element_size() == 4 and x.is_floating_point()
    assert str(x.device) == "cpu" and x.is_cpu and not x.is_cuda
    assert len(x) == 3 and tm.numel(x) == 6 and tm.is_tensor(x) and not tm.is_tensor([1])
    assert x.type() == "torch.FloatTensor" and tm.tensor([1]).type() == "torch.LongTensor"
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.size(2)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.stride(-3)
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(tm.tensor(1.0))


def test_is_contiguous():
    x, _ = numbered((3, 4))
    assert x.is_contiguous() and not x.t().is_contiguous()
    assert not x[:, :2].is_contiguous() and x[:1].t().is_contiguous()   # size-1 dims don't count
    assert tm.zeros(0, 3).t().is_contiguous() and not x[:, 1:2].is_contiguous()
    assert tm.zeros(0).as_strided((0, 3), (1, 7)).is_contiguous()  # empty (regression)
    assert not x[::2].is_contiguous() and x[1:].is_contiguous()


def test_storage_is_shared_and_flat():
    x = points()
    s = x.storage()
    assert list(s) == [1.0, 4.0, 2.0, 1.0, 3.0, 5.0] and len(s) == 6
    assert s.dtype is tm.float32 and s.tolist() == list(s)
    assert repr(s) == " 1.0\n 4.0\n 2.0\n 1.0\n 3.0\n 5.0\n[torch.FloatStorage of size 6]"
    assert same_storage(x.t(), x) and same_storage(x[1:], x) and x[1:].storage_offset() == 2
    assert list(x[1:].storage()) == list(s)  # the whole storage, not the view
    assert x.t().untyped_storage().data_ptr() == s.data_ptr()


def test_data_ptr():
    x = points()
    assert x.data_ptr() == x.storage().data_ptr()
    assert x[1].data_ptr() - x.data_ptr() == 2 * 4
    assert x[:, 1].data_ptr() - x.data_ptr() == 4
    assert x.t().data_ptr() == x.data_ptr()
    assert x.clone().data_ptr() != x.data_ptr()
    d = tm.zeros(4, dtype=tm.float64)
    assert d[3].data_ptr() - d.data_ptr() == 24


def test_numpy_interop_is_zero_copy():
    x = points()
    n = x.numpy()
    n[0, 0] = 9
    assert x[0, 0].item() == 9.0                       # numpy() shares memory, as in torch
    nt = x.t().numpy()
    assert nt.strides == (4, 8) and np.shares_memory(nt, n)
    x[2, 1] = -1
    assert nt[1, 2] == -1
    a = np.arange(6.0).reshape(2, 3)
    t = tm.from_numpy(a)
    a[1, 2] = 100
    assert t[1, 2].item() == 100.0
    assert np.asarray(x).shape == (3, 2)
    assert np.shares_memory(np.asarray(x), n)          # np.asarray shares too
    c = np.array(x)                                    # np.array copies (regression)
    c[0, 0] = -5
    assert x[0, 0].item() == 9.0
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    assert np.asarray(tm.tensor(2.0)).shape == ()      # 0-d stays 0-d (regression)
    assert np.asarray(x.t()).tolist() == host(x).T.tolist()
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"):
        tm.ones(2, requires_grad=True).numpy()


def test_scalars_and_lists():
    assert tm.tensor(3).tolist() == 3 and isinstance(tm.tensor(3).tolist(), int)
    assert points().t().tolist() == [[1.0, 2.0, 3.0], [4.0, 1.0, 5.0]]
    assert tm.zeros(2, 0).tolist() == [[], []]
    assert points()[0, 1].item() == 4.0 and type(tm.tensor([3]).item()) is int
    assert type(tm.tensor(True).item()) is bool and type(tm.tensor(2.5).item()) is float
    assert float(tm.tensor([2.5])) == 2.5 and int(tm.tensor(2.7)) == 2
    assert [1, 2, 3][tm.tensor(1)] == 2 and bool(tm.tensor([0])) is False
    assert f"{tm.tensor(2.5):.2f}" == "2.50"
    with pytest.raises(RuntimeError, match="a Tensor with 6 elements cannot be converted to Scalar"):
        points().item()
    with pytest.raises(ValueError, match="only one element tensors can be converted to Python scalars"):
        float(tm.tensor([2.5, 1.0]))
    with pytest.raises(ValueError, match="only one element tensors"):
        int(tm.tensor([]))
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        [1, 2][tm.tensor(1.0)]
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(tm.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with no values is ambiguous"):
        bool(tm.tensor([]))
    assert [r.tolist() for r in points()] == [[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]]
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        list(tm.tensor(1.0))


def test_to_dtype_and_shortcuts():
    x = points()
    assert x.to(tm.float32) is x and x.to(tm.float32, copy=True) is not x
    assert_values(x.to(tm.int64), [[1, 4], [2, 1], [3, 5]], dtype=tm.int64)
    assert x.to(dtype=tm.float64).dtype is tm.float64 and x.to(tm.tensor([1])).dtype is tm.int64
    assert x.to("cpu") is x and x.to("cpu", tm.int8).dtype is tm.int8 and x.cpu() is x
    assert x.type(tm.int32).dtype is tm.int32
    f = tm.tensor([1.7, -1.7, 0.0, 300.0])
    assert_values(f.long(), [1, -1, 0, 300], dtype=tm.int64)        # truncation toward zero
    assert_values(f.int(), [1, -1, 0, 300], dtype=tm.int32)
    assert_values(f.short(), [1, -1, 0, 300], dtype=tm.int16)
    assert_values(f[:3].char(), [1, -1, 0], dtype=tm.int8)
    assert_values(f.byte(), [1, 255, 0, 44], dtype=tm.uint8)       # wraps, as in torch
    assert_values(f.bool(), [True, True, False, True], dtype=tm.bool)
    assert_values(tm.tensor([0, 2]).float(), [0.0, 2.0], dtype=tm.float32)
    assert_values(tm.tensor([1]).double(), [1.0], dtype=tm.float64)
    assert_values(tm.tensor([math.nan]).bool(), [True])
    assert tm.tensor([1e300], dtype=tm.float64).float().item() == math.inf
    t = x.t().to(tm.float64)  # conversions keep the memory order
    assert t.stride() == (1, 2) and t.tolist() == x.t().tolist()
    assert x.half().dtype is tm.float16 and x.bfloat16().dtype is tm.bfloat16
    assert x.t().half().stride() == (1, 2)


@pytest.mark.parametrize("dst", [tm.uint8, tm.int8, tm.int16, tm.int32])
@pytest.mark.parametrize("src", [tm.float32, tm.float64])
def test_float_to_narrow_integer_wraps_in_every_lane(src, dst):
    # long enough for the vectorised body and its scalar tail; out-of-range values make
    # a direct float -> uint8 conversion undefined, which gave 0 and 255 in one tensor
    rng = np.random.default_rng(5)
    a = (rng.standard_normal(203) * 300).astype(src.np)
    want = np.trunc(a).astype(np.int64).astype(dst.np)  # toward zero, then wrap: torch's
    x = tm.tensor(a)
    assert_values(x.to(dst), want, dtype=dst)
    assert_values(x[::3].to(dst), want[::3], dtype=dst)
    assert_values(x[:200].view(10, 20).t().to(dst), want[:200].reshape(10, 20).T, dtype=dst)


def test_contiguous_and_clone():
    x, a = numbered((3, 4))
    assert x.contiguous() is x
    c = x.t().contiguous()
    assert meta(c) == ((4, 3), (3, 1), 0) and not same_storage(c, x)
    np.testing.assert_array_equal(host(c), a.T)
    k = x.clone()
    k[0, 0] = -1
    assert x[0, 0].item() == 0 and meta(k) == meta(x)
    assert x.t().clone().stride() == (1, 4) and tm.clone(x).tolist() == x.tolist()
    s = x[1:, ::2].contiguous()
    assert meta(s) == ((2, 2), (2, 1), 0) and s.tolist() == a[1:, ::2].tolist()


def test_new_constructors_and_pickle():
    x = tm.ones(2, dtype=tm.int8)
    assert x.new_zeros(3).dtype is tm.int8 and x.new_ones((2, 2)).shape == (2, 2)
    assert x.new_full((2,), 5).tolist() == [5, 5] and x.new_empty(4).dtype is tm.int8
    assert x.new_tensor([1.5]).dtype is tm.int8 and x.new_tensor([1.5], dtype=tm.float32).dtype is tm.float32
    y = pickle.loads(pickle.dumps(points().t()))
    assert y.tolist() == points().t().tolist() and y.dtype is tm.float32
    assert pickle.loads(pickle.dumps(tm.int16)) is tm.int16


def test_contains_and_copy_():
    x = points()
    assert 4.0 in x and 7 not in x
    i = tm.zeros(2, 3, dtype=tm.int64)
    i.copy_(tm.tensor([1.7, -2.7, 3.2]))               # broadcast, truncated to the dtype
    assert i.tolist() == [[1, -2, 3], [1, -2, 3]]
    i.t().copy_(tm.arange(6).reshape(3, 2))             # through a transposed view
    assert i.tolist() == [[0, 2, 4], [1, 3, 5]]
    with pytest.raises(RuntimeError, match=r"output with shape \[2, 3\] doesn't match the broadcast"):
        i.copy_(tm.zeros(3, 2, 3))


def test_version_counter_is_shared_by_views():
    x = tm.zeros(3)
    v = x[1:]
    before = x._version
    v.add_(1)
    x[0] = 5
    v.fill_(2)
    assert x._version == v._version >= before + 3


def test_pickle_round_trip_keeps_values_dtype_and_grad_flag():
    import pickle
    t = tm.arange(6, dtype=tm.int16).view(2, 3).t()
    back = pickle.loads(pickle.dumps(t))
    assert back.dtype == tm.int16 and back.shape == (3, 2) and back.tolist() == t.tolist()
    leaf = tm.ones(2, requires_grad=True)
    assert pickle.loads(pickle.dumps(leaf)).requires_grad
    assert pickle.loads(pickle.dumps(leaf * 2)).is_leaf  # as torch; deepcopy refuses it


@pytest.mark.parametrize("expr", ["~lib.tensor([1.0])", "~lib.tensor([1, 2])",
                                  "~lib.tensor([True, False])"])
def test_invert_operator_as_torch(expr):
    same_as_torch(expr)


@pytest.mark.parametrize("expr", ["lib.softmax(lib.arange(6.).reshape(2, 3), 1)",
                                  "lib.arange(6.).reshape(2, 3).softmax(dim=0)",
                                  "lib.arange(6.).reshape(2, 3).log_softmax(1)",
                                  "lib.log_softmax(lib.arange(6.).reshape(2, 3), -1)"])
def test_softmax_functions_and_methods(expr):
    same_as_torch(expr)


def test_data_is_a_detached_alias_and_can_be_replaced_as_torch():
    def fn(lib):
        p = lib.nn.Parameter(lib.ones(3))
        d = p.data
        d[0] = 5.
        p.data = lib.ones(2, dtype=lib.float64)
        return d, d.requires_grad, p, p.requires_grad, p.is_leaf, p.dtype is lib.float64
    same_as_torch(fn)
    same_as_torch(lambda lib: setattr(lib.ones(2), "data", 3), message=False)


def test_grad_assignment_is_checked_and_deletable():
    x = tm.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"gradient of size '\[3\]' to a tensor of size '\[2\]'"):
        x.grad = tm.ones(3)
    with pytest.raises(RuntimeError, match="gradient with dtype 'long int' to a tensor with "
                                           "grad_dtype 'Float'"):
        x.grad = tm.ones(2, dtype=tm.int64)
    with pytest.raises(RuntimeError, match="device type 'cuda' to a tensor with device type 'cpu'"):
        x.grad = tm.ones(2, device="cuda")
    x.grad = tm.ones(1).expand(2)  # any strides, as torch
    del x.grad
    assert x.grad is None


@pytest.mark.parametrize("view", ["as_strided((3, 2), (1, 1))", "as_strided((2, 3), (1, 1))",
                                  "as_strided((2, 2), (1, 2))", "expand(2, 6)", "t()"])
def test_clone_strides_of_overlapping_and_other_views_as_torch(view):
    """Mutation audit: clone keeps a dense layout and lays out any other as torch does."""
    src = "lib.arange(6.)" if view != "t()" else "lib.arange(6.).reshape(2, 3)"
    same_as_torch(f"{src}.{view}.clone()")
