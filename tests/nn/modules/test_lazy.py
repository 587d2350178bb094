"""Lazy modules against torch: reprs before and after the first input, the parameters drawn
from torch's random stream, the class they become, state dicts either way, and use with an
optimizer made before the first forward."""
import numpy as np
import pytest

import tensorrt_mini as tm

LAYERS = [  # (constructor taking lib, an input shape)
    (lambda lib: lib.nn.LazyLinear(3), (2, 5)),
    (lambda lib: lib.nn.LazyLinear(4, bias=False), (2, 3, 6)),
    (lambda lib: lib.nn.LazyConv1d(4, 3, padding=1), (2, 3, 7)),
    (lambda lib: lib.nn.LazyConv2d(4, 3, groups=2), (1, 2, 5, 5)),
    (lambda lib: lib.nn.LazyConv3d(2, 2, bias=False), (1, 3, 3, 3, 3)),
    (lambda lib: lib.nn.LazyConvTranspose1d(4, 3, stride=2), (3, 5)),  # no batch dim
    (lambda lib: lib.nn.LazyConvTranspose2d(2, 2, output_padding=1, stride=2), (1, 3, 3, 3)),
    (lambda lib: lib.nn.LazyConvTranspose3d(2, 2), (1, 2, 2, 2, 2)),
    (lambda lib: lib.nn.LazyBatchNorm1d(), (3, 4)),
    (lambda lib: lib.nn.LazyBatchNorm2d(affine=False), (2, 3, 2, 2)),
    (lambda lib: lib.nn.LazyBatchNorm3d(momentum=None), (2, 2, 2, 2, 2)),
    (lambda lib: lib.nn.LazyInstanceNorm1d(), (2, 3, 4)),
    (lambda lib: lib.nn.LazyInstanceNorm2d(affine=False, bias=False), (1, 2, 5, 5)),
    (lambda lib: lib.nn.LazyInstanceNorm3d(track_running_stats=False), (1, 2, 3, 3, 3)),
]


def _life(lib, make, shape):
    lib.manual_seed(0)
    layer = make(lib)
    before = (repr(layer), type(layer).__name__, layer.has_uninitialized_params(),
              sorted(layer.state_dict()))
    x = lib.tensor(np.linspace(-1, 1, int(np.prod(shape))).reshape(shape), dtype=lib.float32)
    out = layer(x)
    after = (repr(layer), type(layer).__name__, hasattr(layer, "has_uninitialized_params"),
             type(layer.weight).__name__ if getattr(layer, "weight", None) is not None else None,
             {k: v.numpy() for k, v in layer.state_dict().items()})
    return before, after, out.detach().numpy()


@pytest.mark.parametrize("make,shape", LAYERS, ids=[repr(m(tm)) for m, _ in LAYERS])
def test_first_input_initializes_as_torch(make, shape):
    torch = pytest.importorskip("torch")
    mine, theirs = _life(tm, make, shape), _life(torch, make, shape)
    assert mine[0] == theirs[0]
    assert mine[1][:4] == theirs[1][:4]
    assert mine[1][4].keys() == theirs[1][4].keys()
    for key in mine[1][4]:
        np.testing.assert_allclose(mine[1][4][key], theirs[1][4][key], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(mine[2], theirs[2], rtol=1e-5, atol=1e-6)


def test_a_state_dict_materializes_without_a_forward_as_torch():
    torch = pytest.importorskip("torch")
    outcomes = []
    for lib in (tm, torch):
        lazy = lib.nn.LazyLinear(3)
        eager = lib.nn.Linear(6, 3)
        lazy.load_state_dict(eager.state_dict())
        outcomes.append((repr(lazy), type(lazy).__name__, tuple(lazy.weight.shape),
                         lazy.has_uninitialized_params(),
                         bool((lazy.weight == eager.weight).all())))
    assert outcomes[0] == outcomes[1]


def test_uninitialized_entries_save_as_they_are_and_refuse_to_load_as_torch():
    torch = pytest.importorskip("torch")
    outcomes = []
    for lib in (tm, torch):
        sd = lib.nn.LazyLinear(3).state_dict()
        outcomes.append([repr(v) for v in sd.values()])
        with pytest.raises(RuntimeError) as e:
            lib.nn.Linear(2, 3).load_state_dict(sd)
        outcomes.append(str(e.value))
    assert outcomes[:2] == outcomes[2:]


def test_an_optimizer_made_before_the_first_forward_trains_the_materialized_parameters():
    layer = tm.nn.LazyLinear(2)
    opt = tm.optim.SGD(layer.parameters(), lr=0.5)
    x = tm.ones(1, 4)
    layer(x).sum().backward()
    before = layer.weight.detach().clone()
    opt.step()
    assert layer.weight.shape == (2, 4)
    np.testing.assert_allclose(layer.weight.detach().numpy(), before.numpy() - 0.5, rtol=1e-6)


def test_uninitialized_parameters_as_torch():
    torch = pytest.importorskip("torch")
    outcomes = []
    for lib in (tm, torch):
        p = lib.nn.parameter.UninitializedParameter()
        b = lib.nn.parameter.UninitializedBuffer()
        row = [repr(p), repr(b), lib.nn.parameter.is_lazy(p), p.requires_grad, b.requires_grad]
        with pytest.raises(RuntimeError) as e:
            p.shape
        row.append(str(e.value))
        p.materialize((2, 3))
        b.materialize(4)
        row += [type(p).__name__, tuple(p.shape), p.requires_grad, type(b).__name__,
                tuple(b.shape), lib.nn.parameter.is_lazy(p)]
        outcomes.append(row)
    assert outcomes[0] == outcomes[1]


@pytest.mark.cuda
def test_cuda_lazy_layer_stays_on_its_device():
    if not tm.cuda.is_available():
        pytest.skip("no cuda device and no simulator")
    layer = tm.nn.LazyLinear(2, device="cuda")
    out = layer(tm.ones(1, 3, device="cuda"))
    assert layer.weight.device.type == out.device.type == "cuda"
