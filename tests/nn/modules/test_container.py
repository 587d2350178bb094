"""ModuleList, ModuleDict, ParameterList, ParameterDict and Sequential's list methods,
against PyTorch's reprs, keys and errors."""
from collections import OrderedDict

import numpy as np
import pytest

import tensorrt_mini as tm
from oracle import outcome
from tensorrt_mini import nn

BUILDS = [
    "L.nn.ModuleList([L.nn.Linear(2, 2), L.nn.Linear(2, 2), L.nn.ReLU(), L.nn.Linear(2, 2)])",
    "L.nn.ModuleList()",
    "L.nn.ModuleList([L.nn.ReLU(), L.nn.Tanh(), L.nn.ReLU()])[1:]",
    "L.nn.ModuleList([L.nn.ReLU()]) + L.nn.ModuleList([L.nn.Tanh()])",
    "L.nn.ModuleDict({'b': L.nn.ReLU(), 'a': L.nn.Linear(1, 1)})",
    "L.nn.ModuleDict([('z', L.nn.ReLU())])",
    "L.nn.ParameterList([L.nn.Parameter(L.zeros(2, 3)), L.zeros(4, dtype=L.float64), 5])",
    "L.nn.ParameterList([L.zeros(())])",
    "L.nn.ParameterDict({'y': L.zeros(3), 'x': L.nn.Parameter(L.zeros(2))})",
    "L.nn.ParameterDict(OrderedDict([('y', L.zeros(3)), ('x', L.zeros(2, 2))]))",
    "L.nn.ParameterDict({'a': 3})",
    "L.nn.Sequential(L.nn.ReLU()) + L.nn.Sequential(L.nn.Tanh())",
]
ERRORS = [
    "L.nn.ModuleList([L.nn.ReLU()])[5]",
    "L.nn.ModuleList([L.nn.ReLU()])['a']",
    "L.nn.ModuleList(L.nn.ReLU())",
    "L.nn.ModuleList([3])",
    "L.nn.ModuleDict({'a': L.nn.ReLU()})['zz']",
    "L.nn.ModuleDict().update(3)",
    "L.nn.ModuleDict().update([('z',)])",
    "L.nn.ModuleDict({'a.b': L.nn.ReLU()})",
    "L.nn.ParameterList([L.zeros(1)])[1]",
]


def _run(torch, expr):
    mine = outcome(tm, lambda: eval(expr, {"L": tm, "OrderedDict": OrderedDict}))
    theirs = outcome(torch, lambda: eval(expr, {"L": torch, "OrderedDict": OrderedDict}))
    return mine, theirs


@pytest.mark.parametrize("expr", BUILDS + ERRORS)
def test_reprs_and_errors_as_torch(expr):
    torch = pytest.importorskip("torch")
    mine, theirs = _run(torch, expr)
    assert mine == theirs


def _state(lib, build):
    m = build(lib)
    return {k: (tuple(v.shape), str(v.dtype)) for k, v in m.state_dict().items()}, \
        [n for n, _ in m.named_parameters()]


def _holder(L):
    m = L.nn.Module()
    m.blocks = L.nn.ModuleList([L.nn.Linear(2, 3), L.nn.Linear(3, 1)])
    m.heads = L.nn.ModuleDict({"b": L.nn.Linear(1, 1), "a": L.nn.Linear(1, 2, bias=False)})
    m.scales = L.nn.ParameterList([L.ones(2), L.ones(3)])
    m.extra = L.nn.ParameterDict({"w": L.ones(4)})
    return m


def test_state_dict_keys_and_parameters_as_torch():
    torch = pytest.importorskip("torch")
    assert _state(tm, _holder) == _state(torch, _holder)


def test_module_list_edits_renumber_like_torch():
    torch = pytest.importorskip("torch")

    def edit(L):
        ms = L.nn.ModuleList([L.nn.ReLU(), L.nn.Tanh(), L.nn.Sigmoid()])
        del ms[0]
        ms.insert(1, L.nn.Identity())
        ms.append(L.nn.ReLU())
        ms.extend([L.nn.Tanh()])
        ms += L.nn.ModuleList([L.nn.Sigmoid()])
        popped = ms.pop(-1)
        ms[0] = L.nn.Identity()
        return repr(ms), repr(popped), list(dict(ms.named_children()))
    assert edit(tm) == edit(torch)

    def edit_seq(L):
        s = L.nn.Sequential(L.nn.ReLU(), L.nn.Tanh())
        s.insert(0, L.nn.Sigmoid())
        popped = s.pop(1)
        s.extend([L.nn.Identity()])
        return repr(s), repr(popped)
    assert edit_seq(tm) == edit_seq(torch)


def test_module_dict_is_a_mapping():
    d = nn.ModuleDict({"a": nn.ReLU()})
    d["b"] = nn.Tanh()
    assert list(d) == ["a", "b"] and "b" in d and len(d) == 2
    assert list(d.keys()) == ["a", "b"] and [type(m).__name__ for m in d.values()] == \
        ["ReLU", "Tanh"]
    assert isinstance(d.pop("a"), nn.ReLU) and list(d) == ["b"]
    d.clear()
    assert len(d) == 0 and list(d.parameters()) == []


def test_parameter_containers_wrap_tensors_and_train():
    pl = nn.ParameterList([tm.ones(2), tm.full((2,), 2.0)])
    pd = nn.ParameterDict({"s": tm.ones(2)})
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in [*pl, pd["s"]])
    loss = (pl[0] * pl[1] * pd["s"]).sum()
    loss.backward()
    np.testing.assert_array_equal(np.asarray(pl[0].grad), [2.0, 2.0])
    np.testing.assert_array_equal(np.asarray(pd["s"].grad), [2.0, 2.0])
    assert pd.get("missing") is None and pd.setdefault("t", tm.zeros(1)).shape == (1,)
    assert pd.popitem()[0] == "t" and list(pd.keys()) == ["s"]
    with pytest.raises(KeyError):
        pd["missing"]
    assert len(pl[:1]) == 1 and pl[:1][0] is pl[0]


def test_containers_move_with_to():
    m = _holder(tm).to(tm.float64)
    assert {str(p.dtype) for p in m.parameters()} == {"torch.float64"}
