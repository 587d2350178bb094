"""AveragedModel, SWALR and update_bn against torch.optim.swa_utils, from the same
weights."""
import copy
import warnings

import numpy as np
import pytest

import tensorrt_mini as tm
from tensorrt_mini.optim import lr_scheduler, swa_utils

RNG = np.random.default_rng(7)


def torch_or_skip():
    return pytest.importorskip("torch")


class Net:
    """Linear, ReLU, Linear, plus a float and an int64 buffer, in either library."""

    @staticmethod
    def build(lib, dtype="float32"):
        net = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))
        net[0].register_buffer("scale", lib.ones(4))
        net[0].register_buffer("count", lib.tensor([3, 8], dtype=lib.int64))
        return net.to(getattr(lib, dtype))

    @staticmethod
    def load(net, lib, arrays):
        """Set every parameter and buffer, in order, to the given numpy arrays."""
        with lib.no_grad():
            for t, a in zip([*net.parameters(), *net.buffers()], arrays, strict=True):
                t.copy_(lib.tensor(a.astype(np.asarray(t.detach()).dtype)))


def sample_weights(dtype="float32"):
    shapes = [(4, 3), (4,), (2, 4), (2,)]
    params = [RNG.standard_normal(s).astype(dtype) for s in shapes]
    return params + [RNG.standard_normal(4).astype(dtype), RNG.integers(-50, 50, 2)]


def twin_models(dtype, options):
    """The same model and an AveragedModel of it, in tm and in torch; options(swa_utils)
    gives the AveragedModel's keywords."""
    torch = torch_or_skip()
    models, averages = [], []
    for lib, S in ((tm, swa_utils), (torch, torch.optim.swa_utils)):
        net = Net.build(lib, dtype)
        models.append(net)
        averages.append(S.AveragedModel(net, **options(S)))
    return models, averages


def values(module):
    return [np.asarray(t.detach().cpu()) for t in module.state_dict().values()]


AVERAGING = {
    "default": lambda S: {},
    "use_buffers": lambda S: {"use_buffers": True},
    "swa_avg_fn": lambda S: {"avg_fn": S.get_swa_avg_fn()},
    "ema_avg_fn": lambda S: {"avg_fn": S.get_ema_avg_fn(0.9)},
    "swa_multi_avg_fn": lambda S: {"multi_avg_fn": S.get_swa_multi_avg_fn()},
    "ema_multi_avg_fn": lambda S: {"multi_avg_fn": S.get_ema_multi_avg_fn(0.8)},
    "ema_multi_avg_fn-use_buffers": lambda S: {"multi_avg_fn": S.get_ema_multi_avg_fn(0.8),
                                               "use_buffers": True},
    "custom_avg_fn": lambda S: {"avg_fn": lambda avg, cur, n: 0.25 * avg + 0.75 * cur},
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", AVERAGING)
def test_averaged_model_matches_torch(name, dtype):
    torch = torch_or_skip()
    models, averages = twin_models(dtype, AVERAGING[name])
    for _ in range(4):
        weights = sample_weights(dtype)
        for lib, net, avg in zip((tm, torch), models, averages):
            Net.load(net, lib, weights)
            avg.update_parameters(net)
        mine, theirs = values(averages[0]), values(averages[1])
        assert [a.dtype for a in mine] == [a.dtype for a in theirs]
        for a, b in zip(mine, theirs, strict=True):
            np.testing.assert_array_equal(a, b)
    assert list(averages[0].state_dict()) == list(averages[1].state_dict())
    assert averages[0].n_averaged.item() == 4 and averages[0].n_averaged.dtype == tm.int64
    x = RNG.standard_normal((5, 3)).astype(dtype)
    np.testing.assert_allclose(np.asarray(averages[0](tm.tensor(x)).detach()),
                               averages[1](torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-7)


def test_swa_multi_avg_fn_on_integer_tensors_raises_as_torch_does():
    torch = torch_or_skip()
    errors = []
    for lib, S in ((tm, swa_utils), (torch, torch.optim.swa_utils)):
        avg, cur = lib.tensor([1, 2]), lib.tensor([4, 8])
        for n in (lib.tensor(1), 1):
            with pytest.raises(RuntimeError) as info:
                S.get_swa_multi_avg_fn()([avg], [cur], n)
            errors.append(str(info.value))
    assert errors[:2] == errors[2:]


def test_averaged_model_owns_a_copy():
    net = Net.build(tm)
    avg = swa_utils.AveragedModel(net)
    with tm.no_grad():
        net[0].weight.add_(1.0)
    assert not (avg.module[0].weight == net[0].weight).any().item()
    assert avg.module[0].weight is not net[0].weight and avg.module[0].weight.requires_grad


def test_averaged_model_on_another_device():
    from tensorrt_mini.backends import cuda_runtime
    if not cuda_runtime.is_available():
        pytest.skip("no cuda device")
    torch = torch_or_skip()
    net = Net.build(tm)
    avg = swa_utils.AveragedModel(net, device="cuda")
    theirs_net = Net.build(torch)
    # torch's cuda path averages with its lerp kernels: the swa multi_avg_fn on the host
    theirs = torch.optim.swa_utils.AveragedModel(
        theirs_net, multi_avg_fn=torch.optim.swa_utils.get_swa_multi_avg_fn())
    for _ in range(3):
        weights = sample_weights()
        Net.load(net, tm, weights)
        Net.load(theirs_net, torch, weights)
        avg.update_parameters(net)
        theirs.update_parameters(theirs_net)
    assert avg.module[0].weight.device.type == "cuda" and avg.n_averaged.device.type == "cuda"
    for a, b in zip(values(avg), values(theirs), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_averaged_model_errors():
    torch = torch_or_skip()
    for S in (swa_utils, torch.optim.swa_utils):
        with pytest.raises(AssertionError, match="^Only one of avg_fn and multi_avg_fn should be "
                                                 "provided$"):
            S.AveragedModel(Net.build(tm if S is swa_utils else torch), avg_fn=S.get_swa_avg_fn(),
                            multi_avg_fn=S.get_swa_multi_avg_fn())
        for factory in (S.get_ema_avg_fn, S.get_ema_multi_avg_fn):
            with pytest.raises(ValueError, match=r"^Invalid decay value 1.5 provided. Please "
                                                 r"provide a value in \[0,1\] range.$"):
                factory(1.5)


# --- SWALR ---------------------------------------------------------------------------
def make_optimizer(lib):
    a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
    return lib.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.3}], lr=0.1, momentum=0.9)


def settings(optimizer):
    return [{k: v for k, v in g.items() if k != "params"} for g in optimizer.param_groups]


SWALR_CASES = [dict(swa_lr=0.05), dict(swa_lr=[0.05, 0.01], anneal_epochs=7),
               dict(swa_lr=0.02, anneal_epochs=4, anneal_strategy="linear"),
               dict(swa_lr=[0.2, 0.5], anneal_epochs=0)]


@pytest.mark.parametrize("kw", SWALR_CASES, ids=str)
def test_swalr_matches_torch(kw):
    torch = torch_or_skip()
    runs = []
    for lib, L, S in ((tm, lr_scheduler, swa_utils),
                      (torch, torch.optim.lr_scheduler, torch.optim.swa_utils)):
        opt = make_optimizer(lib)
        # the usual recipe: a schedule first, SWALR from the SWA start on
        warm = L.CosineAnnealingLR(opt, T_max=20)
        for _ in range(8):
            opt.step()
            warm.step()
        runs.append((opt, S.SWALR(opt, **kw)))
    (mine_opt, mine), (theirs_opt, theirs) = runs
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(25):
            assert mine.get_last_lr() == theirs.get_last_lr()
            assert settings(mine_opt) == settings(theirs_opt)
            if i == 3:
                state = mine.state_dict()
                assert state == theirs.state_dict()
                fresh = make_optimizer(tm)
                mine = swa_utils.SWALR(fresh, **kw)
                fresh.load_state_dict(mine_opt.state_dict())
                mine.load_state_dict(state)
                mine_opt = fresh
            for opt, sched in ((mine_opt, mine), (theirs_opt, theirs)):
                opt.step()
                sched.step()
    swa_lrs = kw["swa_lr"] if isinstance(kw["swa_lr"], list) else [kw["swa_lr"]] * 2
    assert mine.get_last_lr() == pytest.approx(swa_lrs, rel=1e-12)


@pytest.mark.parametrize("kw", [dict(swa_lr=0.1, anneal_strategy="exp"),
                                dict(swa_lr=0.1, anneal_epochs=-1),
                                dict(swa_lr=0.1, anneal_epochs=2.0),
                                dict(swa_lr=[0.1, 0.2, 0.3])], ids=str)
def test_swalr_errors_match_torch(kw):
    torch = torch_or_skip()
    messages = []
    for lib, S in ((tm, swa_utils), (torch, torch.optim.swa_utils)):
        with pytest.raises(ValueError) as info:
            S.SWALR(make_optimizer(lib), **kw)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


# --- update_bn -----------------------------------------------------------------------
def batchnorm_or_skip():
    return pytest.importorskip("tensorrt_mini.nn.modules.batchnorm",
                               reason="no batch norm in tm.nn yet")


@pytest.mark.parametrize("batches", ["tensors", "pairs"])
def test_update_bn_matches_torch(batches):
    batchnorm_or_skip()
    torch = torch_or_skip()
    xs = [RNG.standard_normal((6, 3)).astype("float32") * (i + 1) for i in range(4)]
    # Linear's weight and bias, the batch norm's weight and bias, then its stale statistics
    weights = [RNG.standard_normal((4, 3)), np.zeros(4), np.ones(4), np.zeros(4),
               RNG.standard_normal(4), np.full(4, 3.0), np.array(5)]
    stats = []
    for lib, S in ((tm, swa_utils), (torch, torch.optim.swa_utils)):
        net = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4, momentum=0.3))
        Net.load(net, lib, weights)
        net.eval()
        loader = [lib.tensor(x) if batches == "tensors" else (lib.tensor(x), lib.tensor(0))
                  for x in xs]
        S.update_bn(loader, net)
        assert not net.training and net[1].momentum == 0.3
        stats.append([np.asarray(b) for b in net.buffers()])
    for a, b in zip(*stats, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_update_bn_without_batch_norm_leaves_the_loader_alone():
    batchnorm_or_skip()

    def loader():
        raise AssertionError("update_bn iterated the loader of a model without batch norm")
        yield
    swa_utils.update_bn(loader(), Net.build(tm))


def test_deepcopy_keeps_the_averaged_model_usable():
    avg = swa_utils.AveragedModel(Net.build(tm))
    twin = copy.deepcopy(avg)
    twin.update_parameters(Net.build(tm))
    assert twin.n_averaged.item() == 1 and avg.n_averaged.item() == 0
