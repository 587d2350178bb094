"""nn.RNN, nn.LSTM, nn.GRU and their cells against torch's: reprs, parameters and their
initialisation, outputs, final states and every gradient with the same weights loaded,
packed sequences, dropout, errors, and the cuda device."""
import warnings

import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import expr_outcome, needs_torch
from tensorrt_mini.backends import cuda_runtime

CONSTRUCTORS = [
    "L.nn.RNN(10, 20, 2, nonlinearity='relu', bias=False, batch_first=True, dropout=0.5, "
    "bidirectional=True)",
    "L.nn.RNN(10, 20, 2, 'relu')",
    "L.nn.LSTM(10, 20, proj_size=5)",
    "L.nn.GRU(3, 4, num_layers=3)",
    "L.nn.RNNCell(3, 4, nonlinearity='relu', bias=False)",
    "L.nn.LSTMCell(3, 4)",
    "L.nn.GRUCell(3, 4, bias=False)",
    # torch's errors
    "L.nn.RNN(10, 20, nonlinearity='sigmoid')",
    "L.nn.RNN(10, 20, dropout=1.5)",
    "L.nn.RNN(10, 0)",
    "L.nn.RNN(10, 2.0)",
    "L.nn.RNN(10, 5, num_layers=0)",
    "L.nn.LSTM(10, 5, proj_size=5)",
    "L.nn.LSTM(10, 5, proj_size=-1)",
    "L.nn.RNN(10, 5, proj_size=2)",
    "L.nn.GRU(10, 5, proj_size=7)",
]


@pytest.mark.parametrize("expr", CONSTRUCTORS)
def test_repr_and_constructor_errors_as_torch(expr):
    torch = needs_torch()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert expr_outcome(tm, expr) == expr_outcome(torch, expr)


def test_dropout_on_one_layer_warns_as_torch():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1, "
                      "but got dropout=0.5 and num_layers=1"):
        tm.nn.GRU(2, 3, dropout=0.5)


@pytest.mark.parametrize("expr", [
    "L.nn.LSTM(2, 3, 2, bidirectional=True, proj_size=1)",
    "L.nn.GRU(2, 3, bias=False)",
    "L.nn.RNN(2, 3, 2)",
    "L.nn.GRUCell(2, 3)",
    "L.nn.RNNCell(2, 3, bias=False)",
])
def test_parameter_names_shapes_and_init_range_as_torch(expr):
    torch = needs_torch()
    ours, theirs = eval(expr, {"L": tm}), eval(expr, {"L": torch})
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    bound = 1 / np.sqrt(ours.hidden_size)
    values = np.concatenate([p.detach().numpy().ravel() for p in ours.parameters()])
    # uniform(-bound, bound): std bound / sqrt(3)
    assert values.min() >= -bound and values.max() <= bound and values.std() > bound / 3


def test_all_weights_and_flatten_parameters():
    lstm = tm.nn.LSTM(2, 3, 2, bidirectional=True)
    assert lstm.flatten_parameters() is None
    names = [[n for n, _ in lstm.named_parameters()][i:i + 4] for i in range(0, 16, 4)]
    assert [[p is getattr(lstm, n) for p, n in zip(ws, ns)] for ws, ns in
            zip(lstm.all_weights, names)] == [[True] * 4] * 4
    assert lstm._flat_weights_names == [n for n, _ in lstm.named_parameters()]


def _pair(torch, expr, dtype="double"):
    """A torch module and a tm one built by `expr` holding the same weights."""
    theirs = getattr(eval(expr, {"L": torch}), dtype)()
    ours = getattr(eval(expr, {"L": tm}), dtype)()
    ours.load_state_dict({k: tm.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    return theirs, ours


def _leaf(lib, array):
    return lib.tensor(array, requires_grad=True)


def _flat(out):
    """The tensors of a (output, state or (h, c)) result, in order."""
    if isinstance(out, tuple):
        return [t for part in out for t in _flat(part)]
    return [out]


def _run_both(torch, expr, x, states=(), layout=None, dtype="double"):
    """Runs both modules on x and the states (arrays); backpropagates sum(out * weights)
    through every result; returns ([torch results, grads], [tm's]) as numpy arrays."""
    theirs, ours = _pair(torch, expr, dtype)
    sides = []
    for lib, module in ((torch, theirs), (tm, ours)):
        leaves = [_leaf(lib, a) for a in (x, *states)]
        inputs = leaves if layout is None else [layout(t) for t in leaves]
        hx = None
        if len(inputs) == 3:
            hx = (inputs[1], inputs[2])
        elif len(inputs) == 2:
            hx = inputs[1]
        results = _flat(module(inputs[0], hx))
        loss = sum((r * lib.arange(1.0, r.numel() + 1, dtype=r.dtype).reshape(r.shape)
                    .sin()).sum() for r in results)
        loss.backward()
        grads = [t.grad for t in leaves] + [p.grad for p in module.parameters()]
        sides.append([np.array(t.detach().numpy()) for t in results + grads])
        sides[-1].append([t.stride() for t in results])
    return sides


def _assert_close(a, b, tol=1e-10):
    """Equal arrays; a last entry that is a list (the results' strides) equal as it is."""
    assert len(a) == len(b)
    if isinstance(a[-1], list):
        assert a[-1] == b[-1]
        a, b = a[:-1], b[:-1]
    for x, y in zip(a, b):
        assert x.shape == y.shape
        np.testing.assert_allclose(y, x, rtol=tol, atol=tol)


CASES = [  # (module, input shape, state shapes)
    ("L.nn.RNN(3, 4, 2, bidirectional=True)", (5, 2, 3), [(4, 2, 4)]),
    ("L.nn.RNN(3, 4, nonlinearity='relu', batch_first=True)", (2, 5, 3), []),
    ("L.nn.LSTM(3, 4, 2, bidirectional=True, proj_size=2)", (4, 3, 3), [(4, 3, 2), (4, 3, 4)]),
    ("L.nn.LSTM(3, 4, batch_first=True, bias=False)", (1, 4, 3), [(1, 1, 4), (1, 1, 4)]),
    ("L.nn.GRU(3, 4, 2, bidirectional=True, batch_first=True)", (2, 4, 3), [(4, 2, 4)]),
    ("L.nn.GRU(3, 4)", (4, 2, 3), []),
    # unbatched: (T, I), states (L * D, H)
    ("L.nn.LSTM(3, 4, 2)", (4, 3), [(2, 4), (2, 4)]),
    ("L.nn.GRU(3, 4, bidirectional=True, batch_first=True)", (4, 3), [(2, 4)]),
    ("L.nn.RNN(3, 4, batch_first=True)", (4, 3), []),
]


@pytest.mark.parametrize("expr,shape,states", CASES)
def test_outputs_states_and_gradients_as_torch(expr, shape, states):
    torch = needs_torch()
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in [shape] + states]
    _assert_close(*_run_both(torch, expr, arrays[0], arrays[1:]))


def test_non_contiguous_input_and_states():
    torch = needs_torch()
    rng = np.random.default_rng(1)
    # (B, T, I) and (B, L * D, H) transposed into (T, B, I) and (L * D, B, H)
    x, h, c = rng.standard_normal((3, 5, 2)), rng.standard_normal((3, 2, 4)), \
        rng.standard_normal((3, 2, 4))
    _assert_close(*_run_both(torch, "L.nn.LSTM(2, 4, bidirectional=True)", x, (h, c),
                             layout=lambda t: t.transpose(0, 1)))


def test_float32_matches_torch():
    torch = needs_torch()
    x = np.random.default_rng(2).standard_normal((6, 3, 5)).astype(np.float32)
    _assert_close(*_run_both(torch, "L.nn.LSTM(5, 8, 2)", x, dtype="float"), tol=2e-5)


def test_empty_batch_as_torch():
    torch = needs_torch()
    theirs, ours = _pair(torch, "L.nn.GRU(3, 4, 2)")
    y, h = ours(tm.zeros(5, 0, 3, dtype=tm.float64))
    ty, th = theirs(torch.zeros(5, 0, 3, dtype=torch.float64))
    assert (tuple(y.shape), tuple(h.shape)) == (tuple(ty.shape), tuple(th.shape))


def test_one_graph_node_per_layer_and_direction():
    lstm = tm.nn.LSTM(2, 3)
    y, (h, c) = lstm(tm.randn(50, 1, 2))
    assert type(y.grad_fn).__name__ == "RnnLayerBackward0"
    assert [type(n).__name__ for n, _ in y.grad_fn.next_functions if n is not None] == \
        ["AccumulateGrad"] * 4
    with pytest.raises(NotImplementedError, match="create_graph"):
        tm.autograd.grad(y.sum(), lstm.weight_hh_l0, create_graph=True)


def _packed_pair(torch, lib, seqs):
    leaves = [_leaf(lib, s) for s in seqs]
    return leaves, lib.nn.utils.rnn.pack_sequence(leaves, enforce_sorted=False)


@pytest.mark.parametrize("expr,states", [
    ("L.nn.LSTM(3, 4, 2, bidirectional=True, proj_size=2)", [(4, 4, 2), (4, 4, 4)]),
    ("L.nn.GRU(3, 4, bidirectional=True)", []),
    ("L.nn.RNN(3, 4, batch_first=True)", [(1, 4, 4)]),
])
def test_packed_sequences_with_unsorted_lengths_as_torch(expr, states):
    torch = needs_torch()
    rng = np.random.default_rng(3)
    seqs = [rng.standard_normal((n, 3)) for n in (2, 5, 3, 5)]
    state_arrays = [rng.standard_normal(s) for s in states]
    theirs, ours = _pair(torch, expr)
    sides = []
    for lib, module in ((torch, theirs), (tm, ours)):
        leaves, packed = _packed_pair(torch, lib, seqs)
        hx = [_leaf(lib, a) for a in state_arrays]
        out, state = module(packed, tuple(hx) if len(hx) == 2 else hx[0] if hx else None)
        assert type(out).__name__ == "PackedSequence"
        padded, lengths = lib.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
        results = [padded, out.batch_sizes, out.sorted_indices, out.unsorted_indices, lengths]
        results += _flat(state)
        loss = sum((r * lib.arange(1.0, r.numel() + 1, dtype=r.dtype).reshape(r.shape).cos())
                   .sum() for r in [padded] + _flat(state))
        loss.backward()
        results += [t.grad for t in leaves + hx] + [p.grad for p in module.parameters()]
        sides.append([np.array(t.detach().numpy()) for t in results])
    _assert_close(*sides)


def test_dropout_between_layers_in_training_only():
    torch = needs_torch()
    x = np.random.default_rng(4).standard_normal((4, 2, 3))
    # p = 1 zeroes every layer's input but the first: a draw-free comparison with torch
    for training in (True, False):
        theirs, ours = _pair(torch, "L.nn.LSTM(3, 4, 3, dropout=1.0)")
        theirs.train(training)
        ours.train(training)
        ty, _ = theirs(torch.tensor(x))
        y, _ = ours(tm.tensor(x))
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), atol=1e-12)
    ours.train()
    ours.dropout = 0.5
    a, b = (ours(tm.tensor(x))[0].detach().numpy() for _ in range(2))
    assert not np.allclose(a, b)


FORWARD_ERRORS = [  # (module, input, hx)
    ("L.nn.RNN(10, 20, 2)", "L.randn(5, 3, 7)", None),
    ("L.nn.RNN(10, 20, 2)", "L.randn(5, 3, 10, 2)", None),
    ("L.nn.RNN(10, 20, 2)", "L.randn(5)", None),
    ("L.nn.RNN(10, 20, 2)", "L.randn(5, 3, 10)", "L.randn(1, 3, 20)"),
    ("L.nn.RNN(10, 20, 2)", "L.randn(5, 3, 10)", "L.randn(2, 20)"),
    ("L.nn.RNN(10, 20, 2)", "L.randn(5, 10)", "L.randn(2, 3, 20)"),
    ("L.nn.RNN(10, 20, 2)", "L.randn(5, 3, 10).double()", None),
    ("L.nn.LSTM(10, 20, proj_size=5)", "L.randn(5, 3, 10, 2)", None),
    ("L.nn.LSTM(10, 20, proj_size=5)", "L.randn(5, 3, 10)",
     "(L.randn(1, 3, 20), L.randn(1, 3, 20))"),
    ("L.nn.LSTM(10, 20, proj_size=5)", "L.randn(5, 3, 10)", "(L.randn(1, 3, 5), L.randn(1, 3, 5))"),
    ("L.nn.LSTM(10, 20, proj_size=5)", "L.randn(5, 3, 10)", "(L.randn(3, 5), L.randn(1, 3, 20))"),
    ("L.nn.LSTM(10, 20, proj_size=5)", "L.randn(5, 10)", "(L.randn(1, 3, 5), L.randn(1, 3, 20))"),
    ("L.nn.GRU(10, 20)", "L.randn(5, 3, 10, 2)", None),
    ("L.nn.GRU(10, 20)", "L.randn(0, 3, 10)", None),
    ("L.nn.RNNCell(10, 20)", "L.randn(3, 7)", None),
    ("L.nn.RNNCell(10, 20)", "L.randn(3, 10)", "L.randn(2, 20)"),
    ("L.nn.RNNCell(10, 20)", "L.randn(3, 10)", "L.randn(3, 21)"),
    ("L.nn.RNNCell(10, 20)", "L.randn(3, 10, 1)", None),
    ("L.nn.RNNCell(10, 20)", "L.randn(3, 10)", "L.randn(3, 20, 1)"),
    ("L.nn.LSTMCell(10, 20)", "L.randn(3, 10, 1)", None),
    ("L.nn.LSTMCell(10, 20)", "L.randn(3, 10)", "(L.randn(3, 20), L.randn(3, 21))"),
    ("L.nn.GRUCell(10, 20)", "L.randn(3, 7)", None),
    ("L.nn.RNNCell(3, 4)", "L.ones(2, 3, dtype=L.float64)", None),
    ("L.nn.RNN(3, 4)", "L.ones(2, 2, 3)", "L.ones(1, 2, 4, dtype=L.float64)"),
]


@pytest.mark.parametrize("module,input,hx", FORWARD_ERRORS)
def test_forward_errors_as_torch(module, input, hx):
    torch = needs_torch()
    expr = f"{module}({input}, {hx})"
    outcome = expr_outcome(tm, expr)
    assert outcome == expr_outcome(torch, expr)
    assert "Error" in outcome


@pytest.mark.parametrize("expr,states", [
    ("L.nn.RNNCell(3, 4, nonlinearity='relu')", [(2, 4)]),
    ("L.nn.RNNCell(3, 4)", []),
    ("L.nn.LSTMCell(3, 4)", [(2, 4), (2, 4)]),
    ("L.nn.GRUCell(3, 4, bias=False)", [(2, 4)]),
])
def test_cells_as_torch(expr, states):
    torch = needs_torch()
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal(s) for s in [(2, 3)] + states]
    _assert_close(*_run_both(torch, expr, arrays[0], arrays[1:]))
    # unbatched: a 1-D input and 1-D states
    _assert_close(*_run_both(torch, expr, arrays[0][0], [a[0] for a in arrays[1:]]))


def test_cuda_matches_cpu():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    rng = np.random.default_rng(6)
    lstm = tm.nn.LSTM(2, 3, 2, bidirectional=True, proj_size=2).double()
    seqs = [rng.standard_normal((n, 2)) for n in (2, 3)]
    results = []
    for device in ("cpu", "cuda"):
        module = lstm.to(device)
        leaves = [tm.tensor(s, device=device, requires_grad=True) for s in seqs]
        packed = tm.nn.utils.rnn.pack_sequence(leaves, enforce_sorted=False)
        out, (h, c) = module(packed)
        padded, _ = tm.nn.utils.rnn.pad_packed_sequence(out)
        (padded.sum() + h.sum() + (c * c).sum()).backward()
        results.append([t.detach().cpu().numpy() for t in (padded, h, c, *(x.grad for x in leaves),
                                                            *(p.grad for p in module.parameters()))])
        module.zero_grad()
    _assert_close(*results)
    gru = tm.nn.GRU(2, 3, bidirectional=True, batch_first=True).double()
    x, h0 = rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 2, 3))
    results = []
    for device in ("cpu", "cuda"):
        module = gru.to(device)
        leaves = [tm.tensor(a, device=device, requires_grad=True) for a in (x, h0)]
        y, h = module(*leaves)
        (y.sum() + (h * h).sum()).backward()
        results.append([t.detach().cpu().numpy() for t in (y, h, *(t.grad for t in leaves),
                                                            *(p.grad for p in module.parameters()))])
        module.zero_grad()
    _assert_close(*results)
    cell = tm.nn.GRUCell(2, 3).to("cuda")
    h = cell(tm.ones(1, 2, device="cuda"))
    assert h.device.type == "cuda" and tuple(h.shape) == (1, 3)
    with pytest.raises(RuntimeError, match="Input and hidden tensors are not at the same "
                       "device, found input tensor at cuda:0 and hidden tensor at cpu"):
        cell(tm.ones(1, 2, device="cuda"), tm.ones(1, 3))
    with pytest.raises(RuntimeError, match="Input and parameter tensors are not at the same "
                       "device, found input tensor at cpu and parameter tensor at cuda:0"):
        cell(tm.ones(1, 2))
