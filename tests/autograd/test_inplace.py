"""In-place safety: PyTorch's version-counter check and its refusals on leaves."""
import pytest

import tensorrt_mini as tm


def test_modifying_a_saved_input_raises_at_backward():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    w = tm.tensor([3.0, 4.0])
    y = x * w
    w.add_(1)
    with pytest.raises(RuntimeError, match=r"one of the variables needed for gradient computation "
                                           r"has been modified by an inplace operation: "
                                           r"\[torch.FloatTensor \[2\]\] is at version 1; "
                                           r"expected version 0 instead"):
        y.sum().backward()


def test_modifying_through_another_view_is_seen():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    w = tm.tensor([3.0, 4.0, 5.0])
    y = x * w[:2]
    w[2:].zero_()  # same storage: the version counter is shared
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_in_place_on_a_leaf_that_requires_grad_raises():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an "
                                           "in-place operation."):
        x.add_(1)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being "
                                           "used in an in-place operation."):
        x[0].mul_(2)
    with pytest.raises(RuntimeError, match="a leaf Variable"):
        x[0] = 3.0


def test_in_place_on_a_leaf_is_fine_under_no_grad():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    with tm.no_grad():
        x.add_(1)
        x[0] = 5.0
    assert x.tolist() == [5.0, 3.0] and x.is_leaf and x.requires_grad


def test_y_times_2_add_1_is_rebased():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.add_(1)
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_in_place_op_needing_the_old_value_keeps_it():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    w = tm.tensor([3.0, 4.0], requires_grad=True)
    y = x * 1
    y.mul_(w)  # w's gradient is y's value before the write
    y.sum().backward()
    assert w.grad.tolist() == [1.0, 2.0] and x.grad.tolist() == [3.0, 4.0]


# A view whose memory was written in place (through its base or a sibling view) after it
# got its grad_fn must route its gradient through that write, as torch's does.
VIEW_CASES = {
    "base written, then the view used": lambda lib, x: _base_written(lib, x),
    "a sibling view written": lambda lib, x: _sibling_written(lib, x),
    "written twice, used between": lambda lib, x: _written_twice(lib, x),
    "a leaf's view, the leaf written under no_grad": lambda lib, x: _leaf_written(lib, x),
}


def _base_written(lib, x):
    b = x * 1
    v, w = b[:2], b[1:]
    b.mul_(2)
    return v.sum() + (w * 10).sum()


def _sibling_written(lib, x):
    b = x * 1
    v, w = b[:2], b[1:]
    v.mul_(3)
    return (w * 10).sum()


def _written_twice(lib, x):
    b = x * 1
    v = b[:2]
    b.add_(1)
    first = (v * 5).sum()
    b[2:].mul_(7)
    v.mul_(2)
    return first + (v * v).sum() + b.sum()


def _leaf_written(lib, x):
    v = x[1:]
    y = (v * 3).sum()
    with lib.no_grad():
        x.mul_(2)
    return y + (v * v).sum()


@pytest.mark.parametrize("case", list(VIEW_CASES))
def test_a_view_written_through_its_base_or_a_sibling_matches_torch(case):
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (tm, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        VIEW_CASES[case](lib, x).backward()
        grads.append(x.grad.tolist())
    assert grads[0] == grads[1]


@pytest.mark.parametrize("expr", ["b * 5", "5 * b", "b / 4", "b * c"])
def test_writing_an_operand_that_the_gradient_does_not_read_is_no_error(expr):
    # as torch: x * 5 and x * c (c needing no gradient) keep nothing of x, x / 4 neither
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (tm, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        b, c = x * 1, lib.tensor([3.0, 4.0])
        y = eval(expr, {"b": b, "c": c})
        b.add_(1)
        y.sum().backward()
        grads.append(x.grad.tolist())
    assert grads[0] == grads[1]


def test_a_view_made_under_no_grad_stays_a_leaf():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (tm, torch):
        x = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        y = x * 2
        with lib.no_grad():
            v = y[:2]
        v.requires_grad_()
        (v * 3).sum().backward()
        results.append((v.is_leaf, v.grad.tolist(), x.grad))
    assert results[0] == results[1]


@pytest.mark.parametrize("write", ["the base", "the view"])
def test_retain_grad_follows_a_view_to_its_new_grad_fn(write):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (tm, torch):
        x = lib.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        b = x * 1
        v = b[:2]
        v.retain_grad()
        (b if write == "the base" else v).mul_(2)
        (v * 3).sum().backward()
        results.append((v.grad.tolist(), x.grad.tolist()))
    assert results[0] == results[1]


NO_GRAD_VIEW_WRITES = {
    "mul_": lambda lib, v: v.mul_(2),
    "setitem": lambda lib, v: v.__setitem__(0, 5.0),
    "zero_": lambda lib, v: v.zero_(),
    "copy_": lambda lib, v: v.copy_(lib.ones(2)),
    "clamp_": lambda lib, v: v.clamp_(0, 1),
    "add_ of a tensor that requires grad": lambda lib, v: v.add_(lib.ones(2, requires_grad=True)),
}


@pytest.mark.parametrize("write", list(NO_GRAD_VIEW_WRITES))
@pytest.mark.parametrize("base", ["non-leaf", "leaf"])
def test_writing_with_grad_mode_into_a_view_made_under_no_grad_raises_torchs_error(write, base):
    torch = pytest.importorskip("torch")
    messages = []
    for lib in (tm, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = x * 1 if base == "non-leaf" else x
        with lib.no_grad():
            v = b[:2]
        with pytest.raises(RuntimeError) as err:
            NO_GRAD_VIEW_WRITES[write](lib, v)
        messages.append(str(err.value))
        with lib.no_grad():  # inside no_grad, as torch suggests, it is allowed
            NO_GRAD_VIEW_WRITES[write](lib, v)
    assert messages[0] == messages[1]


def test_retain_grad_follows_a_base_written_through_its_view():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (tm, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        b = x * 1
        b.retain_grad()
        b[:1].mul_(2)
        (b * 3).sum().backward()
        results.append((b.grad.tolist(), x.grad.tolist()))
    assert results[0] == results[1]
