"""no_grad, enable_grad, set_grad_enabled and inference_mode, as context managers and as
decorators; each thread has its own mode."""
import threading

import tensorrt_mini as tm
from oracle import needs_torch

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


def test_inference_mode_as_torch():
    torch = needs_torch()
    for lib in (tm, torch):
        seen = []
        with lib.inference_mode():
            seen.append((lib.is_grad_enabled(), lib.is_inference_mode_enabled()))
            with lib.inference_mode(False):
                seen.append((lib.is_grad_enabled(), lib.is_inference_mode_enabled()))
            with lib.enable_grad():  # leaves inference mode on
                seen.append((lib.is_grad_enabled(), lib.is_inference_mode_enabled()))
        with lib.no_grad(), lib.inference_mode(False):
            seen.append((lib.is_grad_enabled(), lib.is_inference_mode_enabled()))
        seen.append((lib.is_grad_enabled(), lib.is_inference_mode_enabled()))

        @lib.inference_mode()
        def f():
            return lib.is_grad_enabled()
        seen.append(f())
        x = lib.ones(2, requires_grad=True)
        with lib.inference_mode():
            seen.append((x * 2).requires_grad)
        if lib is tm:
            mine = seen
    assert mine == seen


def test_one_instance_entered_twice_restores_each_level():
    mode = tm.no_grad()
    with tm.enable_grad():
        with mode:
            with tm.enable_grad():
                with mode:
                    assert not tm.is_grad_enabled()
                assert tm.is_grad_enabled()
            assert not tm.is_grad_enabled()
        assert tm.is_grad_enabled()


def test_grad_mode_is_per_thread():
    """Thread B records while thread A sits inside no_grad (torch keeps the flag per
    thread; one process-wide flag made B's result silently not require grad)."""
    inside, done = threading.Event(), threading.Event()

    def a():
        with tm.no_grad():
            inside.set()
            done.wait(10)

    t = threading.Thread(target=a)
    t.start()
    inside.wait(10)
    try:
        assert tm.is_grad_enabled()
        assert (X * 2).requires_grad
    finally:
        done.set()
        t.join()
    assert tm.is_grad_enabled()


def test_a_thread_leaving_no_grad_never_switches_another_threads_mode():
    """A's exit from no_grad used to restore the flag B had set meanwhile."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def a():
        with tm.no_grad():
            a_in.set()
            b_in.wait(10)
        a_out.set()

    t = threading.Thread(target=a)
    t.start()
    a_in.wait(10)
    with tm.no_grad():
        b_in.set()
        a_out.wait(10)
        assert not tm.is_grad_enabled()  # A left its block: ours still holds
    t.join()
    assert tm.is_grad_enabled()
