"""F.pad in its four modes: values against numpy.pad over random shapes and pads, results
and errors against torch, gradients against torch, and cuda (simulated in CI) as the cpu."""
import importlib

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorrt_mini as tm
import tensorrt_mini.nn.functional as TF
from oracle import expr_outcome, host, needs_torch
from tensorrt_mini.backends import cuda_runtime

NUMPY_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
               "circular": "wrap"}

EXPRESSIONS = [
    "F(L).pad(L.arange(6.).view(1, 2, 3), (2, 1), mode='constant')",
    "F(L).pad(L.arange(24.).view(1, 2, 3, 4).transpose(2, 3), (1, 2, 2, 1), mode='constant')",
    "F(L).pad(L.arange(6.).view(1, 2, 3), (2, 1), mode='reflect')",
    "F(L).pad(L.arange(24.).view(1, 2, 3, 4).transpose(2, 3), (1, 2, 2, 1), mode='reflect')",
    "F(L).pad(L.arange(6.).view(1, 2, 3), (2, 1), mode='replicate')",
    "F(L).pad(L.arange(24.).view(1, 2, 3, 4).transpose(2, 3), (1, 2, 2, 1), mode='replicate')",
    "F(L).pad(L.arange(6.).view(1, 2, 3), (2, 1), mode='circular')",
    "F(L).pad(L.arange(24.).view(1, 2, 3, 4).transpose(2, 3), (1, 2, 2, 1), mode='circular')",
    'F(L).pad(L.arange(6.).view(1, 2, 3), (1, 1, 1, 0), value=9.)',
    'F(L).pad(L.arange(6.).view(1, 2, 3), (-1, 1))',
    'F(L).pad(L.arange(6.).view(1, 2, 3), (-2, -2))',
    "F(L).pad(L.arange(4.).view(1, 1, 2, 2), (1, 1, 1, 1), mode='reflect')",
    "F(L).pad(L.arange(6.).view(1, 2, 3), (3, 0), mode='reflect')",
    "F(L).pad(L.ones(3), (1, 1), mode='reflect')",
    "F(L).pad(L.arange(6.).view(1, 2, 3), (1,), mode='constant')",
    "F(L).pad(L.arange(6.).view(1, 2, 3), (1, 1), mode='foo')",
    "F(L).pad(L.arange(6.).view(1, 2, 3), (4, 0), mode='circular')",
    'F(L).pad(L.arange(6).view(2, 3), (1, 1), value=7)',
]


def F(lib):
    return importlib.import_module(lib.__name__ + ".nn.functional")




@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_results_and_errors_match_torch(expr):
    torch = needs_torch()
    assert expr_outcome(tm, expr, F=F) == expr_outcome(torch, expr, F=F)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(NUMPY_MODES)), st.lists(st.integers(1, 4), min_size=2, max_size=4),
       st.data())
def test_pad_matches_numpy(mode, shape, data):
    nd = len(shape)  # torch pads the last nd - 1 or nd - 2 dims outside constant mode
    n = data.draw(st.sampled_from([k for k in (nd - 2, nd - 1) if 1 <= k <= 3]
                                  if mode != "constant" else [1, 2, 3][:nd]))
    pads = []
    for k in range(n):
        size = shape[-1 - k]
        top = size - 1 if mode == "reflect" else size if mode == "circular" else 3
        pads += [data.draw(st.integers(0, top)), data.draw(st.integers(0, top))]
    a = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    got = TF.pad(tm.tensor(a), tuple(pads), mode=mode)
    widths = [(0, 0)] * (len(shape) - n) + [(pads[2 * k], pads[2 * k + 1])
                                            for k in reversed(range(n))]
    np.testing.assert_array_equal(host(got), np.pad(a, widths, mode=NUMPY_MODES[mode]))


@pytest.mark.parametrize("mode", sorted(NUMPY_MODES))
def test_gradients_match_torch(mode):
    torch = needs_torch()
    grads = []
    for lib in (tm, torch):
        x = lib.arange(24.0, dtype=lib.float64).reshape(1, 2, 3, 4).requires_grad_()
        y = F(lib).pad(x, (2, 1, 1, 2), mode=mode)
        (y * lib.arange(1.0, y.numel() + 1, dtype=lib.float64).reshape(y.shape)).sum().backward()
        grads.append(x.grad.tolist())
    assert grads[0] == grads[1]


def test_on_cuda_as_on_cpu():
    if not cuda_runtime.is_available():
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    results = [[TF.pad(tm.arange(6.0, device=d).view(1, 2, 3), (2, 1), mode=m).tolist()
                for m in sorted(NUMPY_MODES)] for d in ("cpu", "cuda")]
    assert results[0] == results[1]
