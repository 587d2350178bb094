"""The loss modules against torch's: constructor signatures, attributes, reprs, buffers,
the legacy size_average/reduce arguments, and each module's forward pass."""
import inspect
import warnings

import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import expr_outcome, needs_torch
from tensorrt_mini.backends import cuda_runtime

RNG = np.random.default_rng(3)
X = RNG.standard_normal((3, 4))
Y = RNG.standard_normal((3, 4))
P = RNG.uniform(0.1, 0.9, (3, 4))
CLASSES = np.array([1, 0, 3])
SIGNS = np.array([1.0, -1.0, 1.0])

# name: (constructor keyword arguments, forward arguments as functions of lib)
MODULES = {
    "L1Loss": ({}, lambda L: (L.tensor(X), L.tensor(Y))),
    "MSELoss": ({"reduction": "sum"}, lambda L: (L.tensor(X), L.tensor(Y))),
    "SmoothL1Loss": ({"beta": 0.5}, lambda L: (L.tensor(X), L.tensor(Y))),
    "HuberLoss": ({"delta": 0.5, "reduction": "none"}, lambda L: (L.tensor(X), L.tensor(Y))),
    "BCELoss": ({"weight": np.arange(1.0, 5.0)}, lambda L: (L.tensor(P), L.tensor(P[::-1].copy()))),
    "BCEWithLogitsLoss": ({"pos_weight": np.arange(1.0, 5.0)},
                          lambda L: (L.tensor(X), L.tensor(P))),
    "CrossEntropyLoss": ({"weight": np.arange(1.0, 5.0), "ignore_index": 0,
                          "label_smoothing": 0.1}, lambda L: (L.tensor(X), L.tensor(CLASSES))),
    "NLLLoss": ({"ignore_index": 1}, lambda L: (L.tensor(X), L.tensor(CLASSES))),
    "KLDivLoss": ({"reduction": "batchmean", "log_target": True},
                  lambda L: (L.tensor(X), L.tensor(Y))),
    "PoissonNLLLoss": ({"log_input": False, "full": True},
                       lambda L: (L.tensor(P), L.tensor(P * 4))),
    "GaussianNLLLoss": ({"full": True, "eps": 1e-3}, lambda L: (L.tensor(X), L.tensor(Y),
                                                               L.tensor(P[:, 0]))),
    "CosineEmbeddingLoss": ({"margin": 0.1}, lambda L: (L.tensor(X), L.tensor(Y),
                                                        L.tensor(SIGNS))),
    "MarginRankingLoss": ({"margin": 0.2}, lambda L: (L.tensor(X[0]), L.tensor(Y[0]),
                                                      L.tensor(np.r_[SIGNS, -1.0]))),
    "TripletMarginLoss": ({"margin": 2.0, "p": 1.0, "swap": True},
                          lambda L: (L.tensor(X), L.tensor(Y), L.tensor(P))),
    "CTCLoss": ({"blank": 3, "reduction": "sum", "zero_infinity": True},
                lambda L: (L.tensor(X).view(3, 1, 4).log_softmax(-1), L.tensor([[1, 0]]),
                           L.tensor([3]), L.tensor([2]))),
    "MultiLabelSoftMarginLoss": ({"weight": np.arange(1.0, 5.0)},
                                 lambda L: (L.tensor(X), L.tensor((P > 0.5) * 1.0))),
    "SoftMarginLoss": ({"reduction": "sum"}, lambda L: (L.tensor(X), L.tensor(np.sign(Y)))),
    "HingeEmbeddingLoss": ({"margin": 0.5}, lambda L: (L.tensor(X), L.tensor(np.sign(Y)))),
    "MultiMarginLoss": ({"p": 2, "margin": 0.7, "weight": np.arange(1.0, 5.0)},
                        lambda L: (L.tensor(X), L.tensor(CLASSES))),
    "MultiLabelMarginLoss": ({"reduction": "none"},
                             lambda L: (L.tensor(X), L.tensor([[3, 0, -1, 2]] * 3))),
    "TripletMarginWithDistanceLoss": ({"margin": 2.0, "swap": True},
                                      lambda L: (L.tensor(X), L.tensor(Y), L.tensor(P))),
}


def build(lib, name, kwargs):
    kwargs = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    return getattr(lib.nn, name)(**kwargs)


def parameters(fn):
    """(name, kind, default) of each parameter: a signature without its annotations."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


def public_attributes(module):
    return {k: v for k, v in vars(module).items() if not k.startswith("_") and k != "training"}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_constructor_and_forward_as_torch(name):
    torch = needs_torch()
    mine, theirs = (getattr(lib.nn, name) for lib in (tm, torch))
    assert parameters(mine.__init__) == parameters(theirs.__init__)
    assert list(inspect.signature(mine.forward).parameters) == \
        list(inspect.signature(theirs.forward).parameters)
    kwargs, inputs = MODULES[name]
    a, b = build(tm, name, kwargs), build(torch, name, kwargs)
    assert repr(a) == repr(b) and repr(getattr(tm.nn, name)()) == repr(theirs())
    assert public_attributes(a) == public_attributes(b)
    assert list(a.state_dict()) == list(b.state_dict())
    np.testing.assert_allclose(np.asarray(a(*inputs(tm)).tolist()),
                               b(*inputs(torch)).numpy(), rtol=1e-12)


def test_multi_margin_loss_refuses_what_torch_refuses():
    torch = needs_torch()
    for call in ("nn.MultiMarginLoss(p=3)", "nn.MultiMarginLoss(weight=L.ones(2, 2))",
                 "nn.TripletMarginWithDistanceLoss(margin=-1)"):
        assert expr_outcome(tm, "L." + call) == expr_outcome(torch, "L." + call)


def test_triplet_margin_with_distance_loss_takes_any_distance():
    torch = needs_torch()

    def run(lib):
        def distance(a, b):
            return (a - b).abs().sum(-1)
        loss = lib.nn.TripletMarginWithDistanceLoss(distance_function=distance, margin=3.0)
        return loss(lib.tensor(X), lib.tensor(Y), lib.tensor(P)).item()
    assert run(tm) == pytest.approx(run(torch), rel=1e-12)


def test_triplet_margin_loss_refuses_a_margin_that_is_not_positive():
    with pytest.raises(ValueError, match="^TripletMarginLoss: expected margin to be greater "
                                         "than 0, got 0 instead$"):
        tm.nn.TripletMarginLoss(margin=0)


@pytest.mark.parametrize("size_average,reduce", [(False, None), (None, False), (True, True),
                                                 (False, True)])
def test_legacy_arguments_set_torchs_reduction_and_warn(size_average, reduce):
    torch = needs_torch()

    def made(lib):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m = lib.nn.NLLLoss(size_average=size_average, reduce=reduce)
        return m.reduction, [str(w.message) for w in caught]
    assert made(tm) == made(torch)


def test_weight_buffer_follows_the_module_to_cuda():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    loss = tm.nn.CrossEntropyLoss(weight=tm.tensor([1.0, 2.0])).to("cuda")
    assert loss.weight.device.type == "cuda"
    out = loss(tm.tensor([[0.0, 1.0], [2.0, 0.0]], device="cuda"),
               tm.tensor([1, 1], device="cuda"))
    expected = (np.log1p(np.exp(-1.0)) * 2 + np.log1p(np.exp(2.0)) * 2) / 4
    assert out.item() == pytest.approx(expected, rel=1e-6)
