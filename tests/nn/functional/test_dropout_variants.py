"""dropout1d, dropout2d, dropout3d and alpha_dropout: torch's masks and values from the same seed, the
channel-wise structure, train/eval, and torch's errors and warnings."""
import warnings

import numpy as np
import pytest

import tensorrt_mini as tm
import tensorrt_mini.nn.functional as F
from tensorrt_mini.backends import cuda_runtime

CALLS = [("dropout1d", (3, 4, 5)), ("dropout1d", (4, 5)), ("dropout2d", (3, 4, 2, 2)),
         ("dropout2d", (3, 4, 5)), ("alpha_dropout", (5, 7)), ("alpha_dropout", (2, 3, 4)),
         ("dropout3d", (2, 3, 2, 1, 2)), ("dropout3d", (3, 2, 1, 2))]


def _seeded(lib, name, shape, p, inplace, transpose):
    lib.manual_seed(7)
    leaf = lib.randn(*shape, requires_grad=not inplace)
    x = leaf.transpose(-1, -2) if transpose else leaf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dropout2d's 3-D warning (tested below)
        y = getattr(lib.nn.functional, name)(x if not inplace else x.clone(), p, training=True,
                                             inplace=inplace)
    if inplace:
        return y.numpy(), None
    (y * lib.arange(float(y.numel())).view(y.shape)).sum().backward()
    return y.detach().numpy(), leaf.grad.numpy()


@pytest.mark.parametrize("p", [0.2, 0.7])
@pytest.mark.parametrize("name,shape", CALLS, ids=[f"{n}-{s}" for n, s in CALLS])
def test_same_numbers_and_gradients_as_torch_after_the_same_seed(name, shape, p):
    torch = pytest.importorskip("torch")
    for inplace, transpose in ((False, False), (True, False), (False, True)):
        got = _seeded(tm, name, shape, p, inplace, transpose)
        want = _seeded(torch, name, shape, p, inplace, transpose)
        np.testing.assert_array_equal(got[0], want[0])
        if want[1] is not None:
            np.testing.assert_array_equal(got[1], want[1])


@pytest.mark.parametrize("name,shape", [("dropout1d", (6, 8, 5)), ("dropout2d", (6, 8, 3, 2))])
def test_whole_channels_are_dropped_or_scaled(name, shape):
    x = tm.ones(*shape)
    y = getattr(F, name)(x, 0.5).numpy().reshape(shape[0], shape[1], -1)
    per_channel = y[:, :, :1]
    assert (y == per_channel).all()
    assert set(np.unique(per_channel)) == {0.0, 2.0}


@pytest.mark.parametrize("name", ["dropout1d", "dropout2d", "alpha_dropout"])
def test_eval_and_p_zero_return_the_input_and_p_one_zeroes(name):
    x = tm.randn(2, 3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dropout2d's 3-D warning (tested below)
        assert getattr(F, name)(x, 0.5, training=False) is x
        assert getattr(F, name)(x, 0.0, training=True) is x
        assert (getattr(F, name)(x, 1.0, training=True) == 0).all()


def test_alpha_dropout_is_off_by_default_as_in_torch():
    x = tm.randn(3, 4)
    assert F.alpha_dropout(x) is x


@pytest.mark.parametrize("name", ["dropout1d", "dropout2d", "dropout3d", "alpha_dropout"])
@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_probability_outside_zero_one_raises(name, p):
    with pytest.raises(ValueError, match=f"dropout probability has to be between 0 and 1, but got {p}"):
        getattr(F, name)(tm.ones(2, 3, 4), p)


@pytest.mark.parametrize("shape", [(4,), (1, 2, 3, 4)])
def test_dropout1d_refuses_other_ranks_as_torch(shape):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.functional.dropout1d(torch.ones(*shape))
    with pytest.raises(RuntimeError) as mine:
        F.dropout1d(tm.ones(*shape))
    assert str(mine.value) == str(theirs.value)


@pytest.mark.parametrize("name,shape", [("dropout2d", (2, 3)), ("dropout2d", (2, 3, 4)),
                                        ("dropout2d", (1, 2, 1, 2, 2)), ("dropout3d", (2, 3, 4)),
                                        ("dropout3d", (1, 2, 1, 2, 2, 1))])
def test_dropout2d_and_3d_warn_as_torch(name, shape):
    torch = pytest.importorskip("torch")
    caught = []
    for lib in (tm, torch):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            getattr(lib.nn.functional, name)(lib.ones(*shape), 0.5)
        caught.append([(x.category, str(x.message)) for x in w])
    assert caught[0] == caught[1] and caught[0]


def test_dropout2d_of_a_vector_refuses_as_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions"):
            F.dropout2d(tm.ones(4), 0.5)


def test_inplace_unbatched_dropout1d_keeps_the_tensor_shape():
    x = tm.ones(4, 5)
    y = F.dropout1d(x, 0.5, inplace=True)
    assert y.shape == x.shape == (4, 5)
    assert y.data_ptr() == x.data_ptr()


@pytest.mark.parametrize("name,shape", [("dropout2d", (2, 3, 2, 2)), ("dropout3d", (2, 3, 2, 1, 2)),
                                        ("alpha_dropout", (3, 4))])
def test_cuda(name, shape):
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    x = tm.ones(*shape, device="cuda", requires_grad=True)
    y = getattr(F, name)(x, 0.5, training=True)
    assert y.device.type == "cuda"
    y.sum().backward()
    values = y.detach().cpu().numpy()
    if name != "alpha_dropout":
        assert set(np.unique(values)) <= {0.0, 2.0}
        assert (values == values[:, :, :1, :1]).all()
        np.testing.assert_array_equal(x.grad.cpu().numpy(), values)
    else:  # kept elements stay x * a + b, dropped ones become alpha' = -alpha * a + b
        a = 1 / np.sqrt((1.7580993408473766 ** 2 * 0.5 + 1) * 0.5)
        b = 1.7580993408473766 * a * 0.5
        expected = np.array([a + b, b - 1.7580993408473766 * a])
        assert (np.abs(values[..., None] - expected).min(-1) < 1e-6).all()
