"""LRScheduler, the base: a user-written get_lr stepped against torch's, the warnings
about the order of calls, and the errors of its constructor."""
import warnings

import pytest

import tensorrt_mini as tm
from scheduler_twins import (check_epoch_argument, check_every_step, check_round_trip,
                             check_same_error, make_optimizer)
from tensorrt_mini.optim import lr_scheduler


def halving(L, o):
    """A user-written scheduler: only get_lr, on the base class."""
    class Halving(L.LRScheduler):
        def get_lr(self):
            return [base_lr * 0.5 ** (self.last_epoch // 10) for base_lr in self.base_lrs]
    return Halving(o)


def test_subclass_rates_equal_torch_at_every_step():
    check_every_step(halving, "SGD")


def test_subclass_state_dict_round_trip():
    check_round_trip(halving, "Adam")


def test_epoch_argument_without_a_closed_form_uses_get_lr():
    check_epoch_argument(halving, "SGD")


def test_old_name():
    assert issubclass(lr_scheduler._LRScheduler, lr_scheduler.LRScheduler)
    check_every_step(lambda L, o: type("Old", (L._LRScheduler,), {
        "get_lr": lambda self: [b / (1 + self.last_epoch) for b in self.base_lrs]})(o), "SGD")


@pytest.mark.parametrize("make", [lambda L, o: L.ExponentialLR([1.0], 0.9),
                                  lambda L, o: L.StepLR(o, 3, last_epoch=4)],
                         ids=["not-an-optimizer", "resumed-without-initial_lr"])
def test_constructor_errors(make):
    check_same_error(make)


def test_warns_when_stepped_before_the_optimizer():
    opt = make_optimizer(tm)
    sched = lr_scheduler.StepLR(opt, 3)
    with pytest.warns(UserWarning, match=r"^Detected call of `lr_scheduler.step\(\)` before "
                                         r"`optimizer.step\(\)`"):
        sched.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # only the first step is checked
        sched.step()


def test_warns_when_the_optimizer_step_is_replaced():
    opt = make_optimizer(tm)
    sched = lr_scheduler.ExponentialLR(opt, 0.9)
    opt.step = lambda closure=None: None
    with pytest.warns(UserWarning, match=r"^Seems like `optimizer.step\(\)` has been overridden"):
        sched.step()


def test_get_lr_outside_step_warns():
    sched = lr_scheduler.StepLR(make_optimizer(tm), 3)
    with pytest.warns(UserWarning, match=r"^To get the last learning rate computed by the "
                                         r"scheduler, please use `get_last_lr\(\)`.$"):
        sched.get_lr()


def test_two_schedulers_wrap_the_optimizer_step_once():
    opt = make_optimizer(tm)
    lr_scheduler.StepLR(opt, 3)
    wrapped = opt.step
    lr_scheduler.ExponentialLR(opt, 0.9)
    assert opt.step is wrapped and wrapped._wrapped_by_lr_sched
    opt.step()
    assert opt._opt_called


def test_construction_records_initial_lr_once():
    opt = make_optimizer(tm)
    lr_scheduler.ExponentialLR(opt, 0.5)
    opt.param_groups[0]["lr"] = 7.0
    sched = lr_scheduler.StepLR(opt, 2)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.03]
    assert sched.base_lrs == [0.1, 0.03] and sched.get_last_lr() == [7.0, 0.03]
