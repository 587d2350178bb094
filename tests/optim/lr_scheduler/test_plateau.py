"""ReduceLROnPlateau against torch's, fed a fixed sequence of losses."""
import pytest

import tensorrt_mini as tm
from scheduler_twins import (assert_same_state, check_same_error, make_optimizer,
                             torch_or_skip, twins)
from tensorrt_mini.optim import lr_scheduler

LOSSES = [1.0, 0.9, 0.95, 0.9, 0.91, 0.92, 0.93, 0.899, 0.8999, 0.9, 0.7, 0.71, 0.72, 0.73, 0.74,
          0.75, 0.69, 0.69, 0.69, 0.69, 0.69, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6] * 3

CASES = [
    dict(),
    dict(patience=2, factor=0.5),
    dict(patience=1, cooldown=2, factor=0.3, min_lr=[0.01, 0.001]),
    dict(mode="max", patience=2, threshold=0.05),
    dict(patience=0, threshold=0.05, threshold_mode="abs", min_lr=0.005),
    dict(mode="max", patience=1, threshold=0.01, threshold_mode="abs", cooldown=1),
    dict(patience=0, factor=0.5, eps=0.02),
]


@pytest.mark.parametrize("kw", CASES, ids=str)
def test_follows_a_fixed_loss_sequence(kw):
    torch = torch_or_skip()
    mine, theirs = twins(lambda L, o: L.ReduceLROnPlateau(o, **kw))
    for i, loss in enumerate(LOSSES):
        for lib, (opt, sched) in ((tm, mine), (torch, theirs)):
            opt.step()
            sched.step(loss if i % 2 else lib.tensor(loss))  # a float32 tensor: its value
        assert_same_state(mine, theirs)
        assert mine[1].state_dict() == theirs[1].state_dict()
    # the schedule really moved, and a reloaded scheduler carries on the same way
    assert mine[1].get_last_lr() != [0.1, 0.03]
    opt = make_optimizer(tm)
    sched = lr_scheduler.ReduceLROnPlateau(opt, **kw)
    opt.load_state_dict(mine[0].state_dict())
    sched.load_state_dict(mine[1].state_dict())
    for loss in LOSSES[:20]:
        for o, s in ((opt, sched), theirs):
            o.step()
            s.step(loss)
        assert_same_state((opt, sched), theirs)


def test_epoch_argument_warns():
    sched = lr_scheduler.ReduceLROnPlateau(make_optimizer(tm))
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step"):
        sched.step(1.0, epoch=7)
    assert sched.last_epoch == 7


def test_a_group_added_later():
    torch = torch_or_skip()
    for lib, L in ((tm, lr_scheduler), (torch, torch.optim.lr_scheduler)):
        opt = make_optimizer(lib)
        sched = L.ReduceLROnPlateau(opt, patience=0, min_lr=0.02)
        opt.add_param_group({"params": [lib.zeros(1, requires_grad=True)], "lr": 1.0})
        sched.step(1.0)
        sched.step(2.0)
        assert sched.get_last_lr() == [0.02, 0.02, 1.0 * 0.1]  # min_lr covers the new group
        listed = L.ReduceLROnPlateau(opt, patience=0, min_lr=[0, 0, 0])
        opt.add_param_group({"params": [lib.zeros(1, requires_grad=True)]})
        listed.step(1.0)
        with pytest.raises(RuntimeError, match=r"The number of param groups in the `optimizer` "
                                               r"\(4\) differs from when `ReduceLROnPlateau` was "
                                               r"initialized \(3\)"):
            listed.step(2.0)


ERRORS = {
    "factor": lambda L, o: L.ReduceLROnPlateau(o, factor=1.0),
    "not-an-optimizer": lambda L, o: L.ReduceLROnPlateau(None),
    "mode": lambda L, o: L.ReduceLROnPlateau(o, mode="lowest"),
    "threshold_mode": lambda L, o: L.ReduceLROnPlateau(o, threshold_mode="relative"),
    "min_lr-count": lambda L, o: L.ReduceLROnPlateau(o, min_lr=[0.0]),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors(name):
    check_same_error(ERRORS[name])
