"""Shared helpers for the learning-rate scheduler tests: the same scheduler over the same
optimizer in tm and in torch, stepped side by side and compared exactly (the schedulers'
arithmetic follows PyTorch's order of operations, so the rates agree to the last bit)."""
import warnings

import pytest

import tensorrt_mini as tm
from tensorrt_mini.optim import lr_scheduler

STEPS = 200


def torch_or_skip():
    return pytest.importorskip("torch")


def make_optimizer(lib, kind="SGD"):
    """Two parameter groups with different rates (and momenta), in lib (tm or torch)."""
    a = lib.zeros(2, requires_grad=True)
    b = lib.zeros(3, requires_grad=True)
    if kind == "SGD":
        return lib.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.03, "momentum": 0.5}],
                             lr=0.1, momentum=0.9)
    return lib.optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.002, "betas": (0.8, 0.99)}],
                          lr=0.01)


def settings(optimizer):
    return [{k: v for k, v in g.items() if k != "params"} for g in optimizer.param_groups]


def twins(make, kind="SGD"):
    """make(lr_scheduler module, optimizer) in tm and in torch: [(opt, sched), (opt, sched)]."""
    torch = torch_or_skip()
    pairs = []
    for lib, module in ((tm, lr_scheduler), (torch, torch.optim.lr_scheduler)):
        opt = make_optimizer(lib, kind)
        pairs.append((opt, make(module, opt)))
    return pairs


def assert_same_state(mine, theirs):
    """The same last rates and the same group settings (rates, momenta, the keys the
    scheduler added)."""
    assert mine[1].get_last_lr() == theirs[1].get_last_lr()
    assert settings(mine[0]) == settings(theirs[0])


def advance(pairs, steps):
    for opt, sched in pairs:
        for _ in range(steps):
            opt.step()
            sched.step()


def check_every_step(make, kind):
    mine, theirs = twins(make, kind)
    assert_same_state(mine, theirs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning in the documented order of calls
        for _ in range(STEPS):
            advance([mine, theirs], 1)
            assert_same_state(mine, theirs)


def check_round_trip(make, kind):
    """Equal state_dicts mid-run, and a scheduler resumed from one carries on as torch's."""
    mine, theirs = twins(make, kind)
    advance([mine, theirs], STEPS // 2 + 3)
    state = mine[1].state_dict()
    assert state == theirs[1].state_dict()  # same keys, same values
    # resume as a checkpoint does: fresh optimizer and scheduler, then both states
    opt = make_optimizer(tm, kind)
    sched = make(lr_scheduler, opt)
    opt.load_state_dict(mine[0].state_dict())
    sched.load_state_dict(state)
    assert sched.state_dict() == state
    resumed = (opt, sched)
    for _ in range(STEPS // 2 - 3):
        advance([resumed, theirs], 1)
        assert_same_state(resumed, theirs)


def check_epoch_argument(make, kind, epochs=(3, 7, 7, 30, 2, 120, 121)):
    """step(epoch) warns that the argument is deprecated and jumps to that epoch."""
    mine, theirs = twins(make, kind)
    for epoch in epochs:
        for opt, sched in (mine, theirs):
            opt.step()
            with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step"):
                sched.step(epoch)
        assert_same_state(mine, theirs)
        assert mine[1].last_epoch == epoch


def outcome(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the exception itself is what is compared
        return type(e), str(e)
    return None


def check_same_error(make, optimizer=make_optimizer):
    """make(lr_scheduler module, optimizer) raises the same exception, with the same
    message, as in torch; optimizer(lib) builds the optimizer."""
    torch = torch_or_skip()
    mine = outcome(lambda: make(lr_scheduler, optimizer(tm)))
    theirs = outcome(lambda: make(torch.optim.lr_scheduler, optimizer(torch)))
    assert theirs is not None
    assert mine == theirs
