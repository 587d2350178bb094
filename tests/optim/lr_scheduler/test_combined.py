"""SequentialLR and ChainedScheduler against torch's."""
import copy
import warnings

import pytest

import tensorrt_mini as tm
from scheduler_twins import (check_every_step, check_round_trip, check_same_error, make_optimizer,
                             outcome, torch_or_skip)
from tensorrt_mini.optim import lr_scheduler


def nested(L, o):
    return L.SequentialLR(o, [L.ChainedScheduler([L.ConstantLR(o, total_iters=8),
                                                  L.ExponentialLR(o, 0.97)]),
                              L.PolynomialLR(o, total_iters=90)], milestones=[40])


def quietly(make, L, o):
    """make(L, o) without the step-order warning that PyTorch gives when a composite member
    is stepped at construction (see test_nesting_steps_members_at_construction)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Detected call of `lr_scheduler.step")
        return make(L, o)


CASES = {
    "SequentialLR": (
        lambda L, o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.2, total_iters=20),
                                        L.ExponentialLR(o, gamma=0.98)], milestones=[20]), "SGD"),
    "SequentialLR-three": (
        lambda L, o: L.SequentialLR(o, [L.ConstantLR(o, factor=0.5, total_iters=10),
                                        L.CosineAnnealingLR(o, T_max=25),
                                        L.StepLR(o, step_size=9, gamma=0.5)],
                                    milestones=[10, 60]), "Adam"),
    "SequentialLR-nested": (lambda L, o: quietly(nested, L, o), "SGD"),
    "ChainedScheduler": (
        lambda L, o: L.ChainedScheduler([L.ConstantLR(o, factor=0.1, total_iters=30),
                                         L.ExponentialLR(o, gamma=0.99),
                                         L.CosineAnnealingLR(o, T_max=40)]), "SGD"),
}


@pytest.mark.parametrize("name", CASES)
def test_rates_equal_torch_at_every_step(name):
    check_every_step(*CASES[name])


@pytest.mark.parametrize("name", CASES)
def test_state_dict_round_trip_mid_run(name):
    check_round_trip(*CASES[name])


ERRORS = {
    "SequentialLR-empty": lambda L, o: L.SequentialLR(o, [], milestones=[]),
    "SequentialLR-milestones": lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2)], milestones=[3]),
    "SequentialLR-plateau": lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2),
                                                            L.ReduceLROnPlateau(o)], [3]),
    "SequentialLR-not-a-scheduler": lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2), 3], [3]),
    "ChainedScheduler-empty": lambda L, o: L.ChainedScheduler([]),
    "ChainedScheduler-plateau": lambda L, o: L.ChainedScheduler([L.ReduceLROnPlateau(o)]),
    "ChainedScheduler-not-a-scheduler": lambda L, o: L.ChainedScheduler([L.StepLR(o, 2), "x"]),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors(name):
    check_same_error(ERRORS[name])


@pytest.mark.parametrize("kind", [lr_scheduler.SequentialLR, lr_scheduler.ChainedScheduler])
def test_members_of_another_optimizer(kind):
    # (torch's message names the optimizer's repr, which differs between the libraries)
    torch = torch_or_skip()
    errors = []
    for lib, L in ((tm, lr_scheduler), (torch, torch.optim.lr_scheduler)):
        opt = make_optimizer(lib)
        members = [L.StepLR(opt, 2), L.StepLR(copy.deepcopy(opt), 2)]
        cls = getattr(L, kind.__name__)
        errors.append(outcome(lambda: cls(opt, members, milestones=[3]) if cls is L.SequentialLR
                              else cls(members, opt)))
    assert errors[0][0] is errors[1][0] is ValueError
    assert errors[0][1].split(" has ")[0] == errors[1][1].split(" has ")[0]


def test_step_takes_no_epoch():
    torch = torch_or_skip()
    errors = [outcome(lambda: L.SequentialLR(o, [L.StepLR(o, 2)], []).step(3))
              for o, L in ((make_optimizer(tm), lr_scheduler),
                           (make_optimizer(torch), torch.optim.lr_scheduler))]
    assert errors[0] == errors[1] and errors[0][0] is TypeError


def test_nesting_steps_members_at_construction():
    # SequentialLR takes its first member's construction step again: a ChainedScheduler
    # there steps its members, before any optimizer step, and they warn as torch's do
    torch = torch_or_skip()
    for lib, L in ((tm, lr_scheduler), (torch, torch.optim.lr_scheduler)):
        with pytest.warns(UserWarning, match="^Detected call of `lr_scheduler.step"):
            nested(L, make_optimizer(lib))
