"""The transformer family against torch with torch's weights loaded: Transformer,
TransformerEncoder/Decoder and their layers, post- and pre-norm, batch_first both ways,
masks (causal, key padding, memory), train mode with dropout=0 (values and gradients) and
inference (torch's nested-tensor zeros at padded positions); reprs, state_dict keys,
warnings and errors."""
import warnings

import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini import nn
from tensorrt_mini.backends import cuda_runtime

RNG = np.random.default_rng(2)
D, HEADS, FF, N, S, T = 8, 2, 16, 2, 4, 3


def normal(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def load(mine, theirs):
    mine.load_state_dict({k: tm.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return mine


def quiet(make):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make()


def sequence(length, batch_first):
    return normal(N, length, D) if batch_first else normal(length, N, D)


def close(mine, theirs, rtol=1e-4, atol=1e-5):
    np.testing.assert_allclose(mine.detach().cpu().numpy(), theirs.detach().numpy(), rtol=rtol,
                               atol=atol)


PADDING = np.array([[False, False, False, True], [False, False, False, False]])


@pytest.mark.parametrize("batch_first, norm_first, activation, bias", [
    (False, False, "relu", True), (True, True, "gelu", True), (True, False, "gelu", False),
    (False, True, "relu", False)])
def test_transformer_trains_as_torch(batch_first, norm_first, activation, bias):
    """Train mode with dropout=0: outputs and every parameter's gradient, with a causal
    target mask and padded source and memory keys."""
    torch = pytest.importorskip("torch")
    kwargs = dict(d_model=D, nhead=HEADS, num_encoder_layers=2, num_decoder_layers=1,
                  dim_feedforward=FF, dropout=0.0, activation=activation,
                  batch_first=batch_first, norm_first=norm_first, bias=bias)
    theirs = quiet(lambda: torch.nn.Transformer(**kwargs))
    mine = load(quiet(lambda: nn.Transformer(**kwargs)), theirs)
    src, tgt = sequence(S, batch_first), sequence(T, batch_first)
    masks = {"tgt_mask": nn.Transformer.generate_square_subsequent_mask(T).numpy(),
             "src_key_padding_mask": PADDING, "memory_key_padding_mask": PADDING}
    t_out = theirs(torch.tensor(src), torch.tensor(tgt),
                   **{k: torch.tensor(v) for k, v in masks.items()})
    m_out = mine(tm.tensor(src), tm.tensor(tgt), **{k: tm.tensor(v) for k, v in masks.items()})
    close(m_out, t_out)
    gout = normal(*t_out.shape)
    (t_out * torch.tensor(gout)).sum().backward()
    (m_out * tm.tensor(gout)).sum().backward()
    theirs_params = dict(theirs.named_parameters())
    for key, p in mine.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_params[key].grad.numpy(), rtol=1e-3,
                                   atol=1e-5, err_msg=key)


@pytest.mark.parametrize("padding", [PADDING, np.array([[False, True, False, False]] * 2)])
def test_encoder_inference_matches_torch_nested_tensor_path(padding):
    """In eval mode without grad, torch runs a batch_first encoder on nested tensors and
    returns zeros at padded positions (before the final norm); a mask with padding inside a
    sequence is not left-aligned and keeps the plain path."""
    torch = pytest.importorskip("torch")
    layer = torch.nn.TransformerEncoderLayer(D, HEADS, FF, batch_first=True)
    theirs = torch.nn.TransformerEncoder(layer, 2, norm=torch.nn.LayerNorm(D)).eval()
    mine = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, HEADS, FF, batch_first=True), 2,
                                 norm=nn.LayerNorm(D))
    load(mine, theirs).eval()
    src = normal(N, S, D)
    with torch.no_grad(), tm.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's "nested tensors are a prototype" warning
        expected = theirs(torch.tensor(src), src_key_padding_mask=torch.tensor(padding))
        got = mine(tm.tensor(src), src_key_padding_mask=tm.tensor(padding))
    close(got, expected)


def test_decoder_stack_detects_a_causal_mask_and_handles_unbatched_input():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.TransformerDecoder(
        torch.nn.TransformerDecoderLayer(D, HEADS, FF, dropout=0.0), 2)
    mine = load(nn.TransformerDecoder(nn.TransformerDecoderLayer(D, HEADS, FF, dropout=0.0), 2),
                theirs)
    tgt, memory = normal(T, D), normal(S, D)  # one sequence, no batch dim
    causal = nn.Transformer.generate_square_subsequent_mask(T)
    memory_mask = RNG.random((T, S)) > 0.6
    memory_mask[:, 0] = False
    expected = theirs(torch.tensor(tgt), torch.tensor(memory), tgt_mask=torch.tensor(
        causal.numpy()), memory_mask=torch.tensor(memory_mask))
    got = mine(tm.tensor(tgt), tm.tensor(memory), tgt_mask=causal,
               memory_mask=tm.tensor(memory_mask))
    close(got, expected)


def test_causal_mask_as_torch():
    torch = pytest.importorskip("torch")
    got = nn.Transformer.generate_square_subsequent_mask(4, dtype=tm.float64)
    expected = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    assert got.dtype is tm.float64
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


@pytest.mark.parametrize("make", [
    lambda nn_: nn_.Transformer(D, HEADS, 1, 1, FF, bias=False),
    lambda nn_: nn_.TransformerEncoderLayer(D, HEADS, FF, activation=nn_.GELU()),
    lambda nn_: nn_.TransformerDecoderLayer(D, HEADS, FF, norm_first=True, layer_norm_eps=1e-6),
])
def test_repr_keys_and_warnings_as_torch(make):
    torch = pytest.importorskip("torch")
    records = []
    for lib_nn in (nn, torch.nn):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            layer = make(lib_nn)
        records.append((repr(layer), list(layer.state_dict()),
                        [str(w.message) for w in caught]))
    assert records[0] == records[1]


@pytest.mark.parametrize("layer_kwargs", [{}, {"batch_first": True, "norm_first": True},
                                          {"batch_first": True, "nhead": 1}])
def test_encoder_nested_tensor_warning_as_torch(layer_kwargs):
    torch = pytest.importorskip("torch")
    kwargs = {"d_model": D, "nhead": HEADS, "dim_feedforward": FF, **layer_kwargs}
    messages = []
    for lib_nn in (nn, torch.nn):
        layer = lib_nn.TransformerEncoderLayer(**kwargs)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            encoder = lib_nn.TransformerEncoder(layer, 1)
        messages.append(([str(w.message) for w in caught], encoder.use_nested_tensor))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("call, message", [
    (lambda m: m(tm.randn(S, 2, D), tm.randn(T, 3, D)), "the batch number of src and tgt must "
                                                         "be equal"),
    (lambda m: m(tm.randn(S, 2, D), tm.randn(T, 2, 4)), "the feature number of src and tgt must "
                                                         "be equal to d_model"),
    (lambda m: nn.TransformerEncoderLayer(D, HEADS, activation="tanh"),
     "activation should be relu/gelu, not tanh"),
])
def test_errors_as_torch(call, message):
    model = quiet(lambda: nn.Transformer(D, HEADS, 1, 1, FF))
    with pytest.raises(RuntimeError, match=message):
        call(model)


def test_encoder_layer_runs_on_cuda():
    if not cuda_runtime.is_available():
        pytest.skip("no CUDA device (nor the simulator)")
    torch = pytest.importorskip("torch")
    theirs = torch.nn.TransformerEncoderLayer(4, 1, 4, dropout=0.0, batch_first=True)
    mine = load(nn.TransformerEncoderLayer(4, 1, 4, dropout=0.0, batch_first=True),
                theirs).to("cuda")
    src = normal(1, 2, 4)
    close(mine(tm.tensor(src, device="cuda")), theirs(torch.tensor(src)))


def test_dropout_in_train_mode_draws_as_torch():
    """Same seed, same dropout masks: tm's dropout (and SDPA's) draw as torch's do, so a
    layer with dropout trains to torch's numbers too."""
    torch = pytest.importorskip("torch")
    theirs = torch.nn.TransformerDecoderLayer(D, HEADS, FF, dropout=0.3)
    mine = load(nn.TransformerDecoderLayer(D, HEADS, FF, dropout=0.3), theirs)
    tgt, memory = normal(T, N, D), normal(S, N, D)
    torch.manual_seed(5)
    tm.manual_seed(5)
    close(mine(tm.tensor(tgt), tm.tensor(memory)),
          theirs(torch.tensor(tgt), torch.tensor(memory)))


def test_encoder_layer_inference_matches_torch_fast_path():
    """Eval mode without grad: torch's fused encoder-layer path, with each kind of mask."""
    torch = pytest.importorskip("torch")
    theirs = torch.nn.TransformerEncoderLayer(D, HEADS, FF, batch_first=True).eval()
    mine = load(nn.TransformerEncoderLayer(D, HEADS, FF, batch_first=True), theirs).eval()
    src, mask = normal(N, S, D), RNG.random((S, S)) > 0.7
    np.fill_diagonal(mask, False)  # every position may attend to itself
    with torch.no_grad(), tm.no_grad():
        for masks in ({"src_key_padding_mask": PADDING}, {"src_mask": mask},
                      {"src_mask": mask, "src_key_padding_mask": PADDING}):
            close(mine(tm.tensor(src), **{k: tm.tensor(v) for k, v in masks.items()}),
                  theirs(torch.tensor(src), **{k: torch.tensor(v) for k, v in masks.items()}))
