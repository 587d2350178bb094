"""no_grad, enable_grad and set_grad_enabled, as context managers and as decorators."""
import tensorrt_mini as tm

X = tm.ones(2, requires_grad=True)


def test_no_grad_context():
    with tm.no_grad():
        y = X * 2
        assert not tm.is_grad_enabled()
    assert tm.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_no_grad_decorator():
    @tm.no_grad()
    def f(x):
        return x * 2
    assert not f(X).requires_grad
    assert tm.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    with tm.no_grad():
        with tm.enable_grad():
            assert (X * 2).requires_grad
        assert not (X * 2).requires_grad

    @tm.enable_grad()
    def f(x):
        return x * 2
    with tm.no_grad():
        assert f(X).requires_grad


def test_set_grad_enabled_as_call_and_context():
    with tm.set_grad_enabled(False):
        assert not (X * 2).requires_grad
    assert tm.is_grad_enabled()
    tm.set_grad_enabled(False)
    try:
        assert not tm.is_grad_enabled()
    finally:
        tm.set_grad_enabled(True)
    assert (X * 2).requires_grad


def test_mode_is_restored_after_an_exception():
    try:
        with tm.no_grad():
            raise ValueError
    except ValueError:
        pass
    assert tm.is_grad_enabled()
