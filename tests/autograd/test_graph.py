"""What a graph looks like from a tensor: grad_fn names, is_leaf, requires_grad, detach."""
import pytest

import tensorrt_mini as tm

M = tm.ones(3, 4, requires_grad=True)
V = tm.ones(3, requires_grad=True)

# the names PyTorch 2.x gives these nodes
NAMES = [
    (lambda: M + 1, "AddBackward0"), (lambda: M - 1, "SubBackward0"),
    (lambda: 1 - M, "RsubBackward1"), (lambda: M * 2, "MulBackward0"),
    (lambda: M / 2, "DivBackward0"), (lambda: -M, "NegBackward0"),
    (lambda: M.exp(), "ExpBackward0"), (lambda: M.relu(), "ReluBackward0"),
    (lambda: M.log1p(), "Log1PBackward0"), (lambda: M.sigmoid(), "SigmoidBackward0"),
    (lambda: M.pow(2), "PowBackward0"), (lambda: M.pow(M), "PowBackward1"),
    (lambda: 2 ** M, "PowBackward2"), (lambda: M.clamp(0), "ClampBackward1"),
    (lambda: M.clamp(M, M), "ClampBackward0"), (lambda: tm.where(M > 0, M, 0.0), "WhereBackward0"),
    (lambda: tm.maximum(M, M), "MaximumBackward0"), (lambda: M.floor(), "FloorBackward0"),
    (lambda: M.sum(), "SumBackward0"), (lambda: M.sum(0), "SumBackward1"),
    (lambda: M.mean(), "MeanBackward0"), (lambda: M.mean(0), "MeanBackward1"),
    (lambda: M.prod(), "ProdBackward0"), (lambda: M.prod(0), "ProdBackward1"),
    (lambda: M.var(), "VarBackward0"), (lambda: M.std(0), "StdBackward0"),
    (lambda: M.amax(), "AmaxBackward0"), (lambda: M.amin(0), "AminBackward0"),
    (lambda: M.max(0)[0], "MaxBackward0"), (lambda: M.min(0)[0], "MinBackward0"),
    (lambda: M.view(12), "ViewBackward0"), (lambda: M.reshape(4, 3), "ViewBackward0"),
    (lambda: M.transpose(0, 1), "TransposeBackward0"),
    (lambda: M.permute(1, 0), "PermuteBackward0"), (lambda: M.expand(2, 3, 4), "ExpandBackward0"),
    (lambda: M.unsqueeze(0), "UnsqueezeBackward0"), (lambda: M.squeeze(), "SqueezeBackward0"),
    (lambda: M.squeeze(0), "SqueezeBackward1"),
    (lambda: M.as_strided((2, 2), (1, 1)), "AsStridedBackward0"),
    (lambda: M.narrow(0, 1, 1), "SliceBackward0"), (lambda: M.select(0, 1), "SelectBackward0"),
    (lambda: M.diagonal(), "DiagonalBackward0"), (lambda: M.clone(), "CloneBackward0"),
    (lambda: M[1:], "SliceBackward0"), (lambda: M[0], "SelectBackward0"),
    (lambda: M[:, None], "UnsqueezeBackward0"), (lambda: M[...], "AliasBackward0"),
    (lambda: M[1:, 0], "SelectBackward0"), (lambda: M[[0, 1]], "IndexBackward0"),
    (lambda: M @ M.t(), "MmBackward0"), (lambda: V @ V, "DotBackward0"),
    (lambda: M.t() @ V, "MvBackward0"), (lambda: M.double(), "ToCopyBackward0"),
    (lambda: tm.cat([M, M]), "CatBackward0"),
]


@pytest.mark.parametrize("fn,name", NAMES, ids=[n for _, n in NAMES])
def test_grad_fn_names(fn, name):
    out = fn()
    assert out.grad_fn.name() == name
    assert type(out.grad_fn).__name__ == name
    assert repr(out).endswith(f"grad_fn=<{name}>)")


def test_next_functions_lead_to_the_leaves():
    x = tm.ones(2, requires_grad=True)
    y = (x * 2).exp()
    (mul, _), = y.grad_fn.next_functions
    assert mul.name() == "MulBackward0"
    (acc, _), (none, _) = mul.next_functions
    assert acc.name() == "AccumulateGrad" and acc.variable is x and none is None


def test_requires_grad_and_is_leaf():
    x = tm.ones(2, requires_grad=True)
    c = tm.ones(2)
    assert x.requires_grad and x.is_leaf and c.is_leaf and not c.requires_grad
    y = x * c
    assert y.requires_grad and not y.is_leaf
    assert not (c * 2).requires_grad
    c.requires_grad_()
    assert c.requires_grad
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require "
                                           "gradients"):
        tm.ones(2, dtype=tm.int64).requires_grad_()


def test_detach_shares_memory_without_the_graph():
    x = tm.ones(2, requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    d.add_(1)
    assert y.tolist() == [3.0, 3.0]


def test_detach_in_place():
    x = tm.ones(2, requires_grad=True)
    y = x * 2
    y.detach_()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
