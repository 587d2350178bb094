"""Module: registration, traversal, modes, device moves, state_dict and repr."""
from collections import OrderedDict

import pytest

import tensorrt_mini as tm
from oracle import outcome
from tensorrt_mini import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.act = nn.ReLU()
        self.scale = nn.Parameter(tm.ones(2))
        self.register_buffer("count", tm.zeros(1, dtype=tm.int64))
        self.plain = 5

    def forward(self, x):
        return self.act(self.fc(x)) * self.scale


def test_attributes_register_parameters_modules_and_buffers():
    b = Block()
    assert [n for n, _ in b.named_parameters()] == ["scale", "fc.weight", "fc.bias"]
    assert dict(b.named_children()) == {"fc": b.fc, "act": b.act}
    assert [n for n, _ in b.named_buffers()] == ["count"]
    assert b.plain == 5 and "plain" not in b._parameters
    assert [type(m).__name__ for m in b.modules()] == ["Block", "Linear", "ReLU"]
    with pytest.raises(AttributeError, match="'Block' object has no attribute 'missing'"):
        b.missing
    with pytest.raises(TypeError, match="cannot assign"):
        b.scale = tm.ones(2)


def test_named_parameters_are_unique_and_ordered_like_torch():
    shared = nn.Linear(2, 2)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(seq.parameters())) == 2


def test_call_runs_forward_and_backward_reaches_parameters():
    b = Block()
    out = b(tm.ones(4, 3))
    assert out.shape == (4, 2)
    out.sum().backward()
    assert all(p.grad is not None for p in b.parameters())
    b.zero_grad()
    assert all(p.grad is None for p in b.parameters())


def test_zero_grad_in_place():
    lin = nn.Linear(2, 2)
    lin(tm.ones(1, 2)).sum().backward()
    g = lin.weight.grad
    lin.zero_grad(set_to_none=False)
    assert lin.weight.grad is g and g.tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_train_and_eval_reach_every_submodule():
    seq = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout()))
    assert all(m.training for m in seq.modules())
    assert seq.eval() is seq
    assert not any(m.training for m in seq.modules())
    seq.train()
    assert all(m.training for m in seq.modules())


def test_to_converts_in_place_and_keeps_parameter_objects():
    b = Block()
    w = b.fc.weight
    b.to(tm.float64)
    assert b.fc.weight is w and w.dtype == tm.float64 and w.requires_grad and w.is_leaf
    assert b.count.dtype == tm.int64  # dtype moves only floating point tensors
    b.to("cpu")
    b.float()
    assert w.dtype == tm.float32


def test_state_dict_round_trip():
    a, b = Block(), Block()
    sd = a.state_dict()
    assert list(sd) == ["scale", "count", "fc.weight", "fc.bias"]
    assert not any(t.requires_grad for t in sd.values())
    result = b.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert b.fc.weight.tolist() == a.fc.weight.tolist()
    assert b.fc.weight is not a.fc.weight


def test_load_state_dict_errors():
    lin = nn.Linear(2, 3)
    with pytest.raises(RuntimeError, match=r'Error\(s\) in loading state_dict for Linear:\n\t'
                                           r'Missing key\(s\) in state_dict: "bias"'):
        lin.load_state_dict({"weight": tm.zeros(3, 2)})
    with pytest.raises(RuntimeError, match=r"size mismatch for weight: copying a param with shape "
                                           r"torch.Size\(\[2, 2\]\) from checkpoint, the shape in "
                                           r"current model is torch.Size\(\[3, 2\]\)."):
        lin.load_state_dict({"weight": tm.zeros(2, 2), "bias": tm.zeros(3)})
    extra = {"weight": tm.zeros(3, 2), "bias": tm.zeros(3), "other": tm.zeros(1)}
    assert lin.load_state_dict(extra, strict=False).unexpected_keys == ["other"]


def test_repr_like_torch():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Tanh()))
    assert repr(seq) == ("Sequential(\n"
                         "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
                         "  (1): ReLU()\n"
                         "  (2): Sequential(\n"
                         "    (0): Tanh()\n"
                         "  )\n"
                         ")")
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(1, 1, bias=False))]))
    assert repr(named) == "Sequential(\n  (fc): Linear(in_features=1, out_features=1, bias=False)\n)"


def test_parameter_is_a_leaf_that_requires_grad():
    p = nn.Parameter(tm.ones(2))
    assert isinstance(p, tm.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p) == "Parameter containing:\ntensor([1., 1.], requires_grad=True)"
    assert not nn.Parameter(tm.ones(1), requires_grad=False).requires_grad


def test_deepcopy_keeps_parameters_as_parameters():
    import copy
    model = tm.nn.Linear(3, 2)
    clone = copy.deepcopy(model)
    for (name, p), (_, q) in zip(model.named_parameters(), clone.named_parameters()):
        assert type(q) is tm.nn.Parameter and q.requires_grad, name
        assert q.data_ptr() != p.data_ptr()
        assert q.tolist() == p.tolist()


def _linear_pair(torch):
    lin, ref = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(lin.weight.tolist()))
        ref.bias.copy_(torch.tensor(lin.bias.tolist()))
    return lin, ref


def test_forward_hooks_change_inputs_and_outputs_like_torch():
    torch = pytest.importorskip("torch")
    outputs, logs = [], []
    for lib, mod in zip((tm, torch), _linear_pair(torch)):
        log = []
        mod.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
        mod.register_forward_pre_hook(lambda m, args: args[0] + 1)  # one value: wrapped
        mod.register_forward_hook(lambda m, args, out, log=log: log.append(args[0].tolist()))
        mod.register_forward_hook(lambda m, args, out: out * 10)
        mod.register_forward_hook(lambda m, args, out, log=log: log.append("first"),
                                  prepend=True)
        outputs.append(mod(lib.tensor([[1.0, 2.0, 3.0]])).tolist()[0])
        logs.append(log)
    assert logs[0] == logs[1]
    assert outputs[0] == pytest.approx(outputs[1])


def test_forward_hooks_with_kwargs():
    torch = pytest.importorskip("torch")
    seen = []
    for lib in (tm, torch):
        class Scale(lib.nn.Module):
            def forward(self, x, factor=1.0):
                return x * factor
        m = Scale()
        m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": 3.0}),
                                    with_kwargs=True)
        m.register_forward_hook(
            lambda mod, args, kwargs, out: seen.append((kwargs, out.tolist())), with_kwargs=True)
        m(lib.tensor([1.0, 2.0]), factor=2.0)
    assert seen[0] == seen[1]
    bad = Block()
    bad.register_forward_pre_hook(lambda mod, args, kwargs: args, with_kwargs=True)
    with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
        bad(tm.ones(1, 3))


def test_a_removed_forward_hook_no_longer_runs_and_gradients_flow_through_hooks():
    block = Block()
    x = tm.ones(1, 3)
    plain = block(x).tolist()
    handle = block.fc.register_forward_hook(lambda m, args, out: out * 0)
    assert block(x).tolist() == [[0.0, 0.0]]
    handle.remove()
    assert block(x).tolist() == plain
    block.register_forward_hook(lambda m, args, out: out * 3)
    block(x).sum().backward()
    assert block.scale.grad is not None and block.fc.weight.grad is not None


def _buffered(L):
    m = L.nn.Linear(2, 3)
    m.register_buffer("cache", L.zeros(2), persistent=False)
    m.register_buffer("count", L.zeros((), dtype=L.int64))
    return m


def test_non_persistent_buffers_move_but_are_not_saved_like_torch():
    torch = pytest.importorskip("torch")
    mine, theirs = _buffered(tm), _buffered(torch)
    assert list(mine.state_dict()) == list(theirs.state_dict()) == ["weight", "bias", "count"]
    assert [n for n, _ in mine.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert mine.to(tm.float64).cache.dtype == tm.float64
    mine.load_state_dict({k: v.clone() for k, v in mine.state_dict().items()})
    mine.register_buffer("cache", tm.ones(1))  # registered again, now persistent
    assert "cache" in mine.state_dict()


REGISTRATION_ERRORS = [
    "m.register_buffer('a.b', None)", "m.register_buffer('', None)",
    "m.register_buffer('forward', None)", "m.register_buffer(3, None)",
    "m.register_parameter('a.b', None)", "m.register_parameter('', None)",
    "m.register_parameter('forward', None)", "m.register_parameter(1, None)",
    "m.add_module('a.b', None)", "m.add_module('', None)", "m.add_module('forward', None)",
    "m.add_module(1, None)",
    "m.get_submodule('0.x')", "m.get_submodule('1')", "m.get_submodule('0.weight')",
    "m.get_parameter('0.zz')", "m.get_parameter('0')", "m.get_buffer('0.weight')",
    "m.get_buffer('0.q')", "m.set_submodule('x.a', L.nn.ReLU())",
    "m.set_submodule('0.weight', L.nn.ReLU())", "m.set_submodule('', L.nn.ReLU())",
    "m.load_state_dict([1])", "m.load_state_dict({'0.weight': 1, '0.bias': L.zeros(1)})",
    "m.get_submodule('') is m", "tuple(m.get_parameter('0.weight').shape)",
]


@pytest.mark.parametrize("expr", REGISTRATION_ERRORS)
def test_registration_and_lookup_by_path_as_torch(expr):
    torch = pytest.importorskip("torch")

    def run(L):
        m = L.nn.Sequential(L.nn.Linear(1, 1))
        return outcome(L, lambda: eval(expr, {"L": L, "m": m}))
    assert run(tm) == run(torch)


def test_set_submodule_replaces_in_place_and_keeps_order():
    m = nn.Sequential(nn.Linear(1, 1), nn.ReLU())
    m.set_submodule("0", nn.Tanh())
    assert [type(c).__name__ for c in m] == ["Tanh", "ReLU"]


class Counter(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(1, 1)
        self.steps = 0

    def get_extra_state(self):
        return {"steps": self.steps}

    def set_extra_state(self, state):
        self.steps = state["steps"]


def test_extra_state_is_saved_and_loaded():
    a, b = nn.Sequential(Counter()), nn.Sequential(Counter())
    a[0].steps = 7
    state = a.state_dict()
    assert list(state) == ["0._extra_state", "0.fc.weight", "0.fc.bias"]  # torch's order
    b.load_state_dict(state)
    assert b[0].steps == 7
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "0._extra_state"'):
        b.load_state_dict({k: v for k, v in state.items() if k != "0._extra_state"})


def test_load_state_dict_assign_keeps_the_checkpoints_tensors():
    m = nn.Linear(2, 1)
    w, b = tm.full((1, 2), 3.0), tm.zeros(1)
    m.load_state_dict({"weight": w, "bias": b}, assign=True)
    assert isinstance(m.weight, nn.Parameter) and m.weight.requires_grad
    assert m.weight.data_ptr() == w.data_ptr()
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]


@pytest.mark.parametrize("method", ["half", "bfloat16"])
def test_half_and_bfloat16_convert_floating_parameters_and_buffers(method):
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    ours[0](tm.ones(4, 3)).sum().backward()
    weight = ours[0].weight
    assert getattr(ours, method)() is ours and ours[0].weight is weight  # in place
    assert weight.grad.dtype is weight.dtype  # the gradient converted with it
    getattr(theirs, method)()
    got = {k: v.dtype.name for k, v in ours.state_dict().items()}
    want = {k: str(v.dtype)[6:] for k, v in theirs.state_dict().items()}
    assert got == want and got["1.num_batches_tracked"] == "int64"
    assert ours.float()[0].weight.dtype is tm.float32
