"""Autograd under threads, as torch promises it: grad mode is per thread, backward runs in
several threads at once on separate graphs, and concurrent backward through a shared leaf
accumulates every contribution."""
import threading

import numpy as np

import tensorrt_mini as tm
from tensorrt_mini import nn, optim

STEPS = 500
THREADS = 4


def test_recording_while_another_thread_runs_backward():
    """B records y = x*2 and u = x*3 while A's backward is under way (the engine switches
    grad mode off while it runs); B's gradient must still be torch's [5, 5]."""
    x = tm.ones(2, requires_grad=True)
    in_backward, recorded = threading.Event(), threading.Event()
    a_leaf = tm.ones(2, requires_grad=True)
    a_out = a_leaf * 4

    def pause(g):
        in_backward.set()
        recorded.wait(10)
        return g
    a_out.register_hook(pause)
    a = threading.Thread(target=lambda: a_out.sum().backward())
    a.start()
    in_backward.wait(10)
    try:
        y = x * 2
        u = x * 3
    finally:
        recorded.set()
        a.join()
    (y + u).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]
    assert a_leaf.grad.tolist() == [4.0, 4.0]
    assert tm.is_grad_enabled()


def test_concurrent_backward_through_a_shared_leaf_accumulates_every_gradient():
    w = tm.zeros(64, dtype=tm.float64, requires_grad=True)
    start = threading.Barrier(THREADS)

    def work(k):
        start.wait()
        for _ in range(50):
            (w * float(k)).sum().backward()
    threads = [threading.Thread(target=work, args=(k,)) for k in range(1, THREADS + 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # integers in float64: exact whatever the order the threads added them in
    assert w.grad.tolist() == [50.0 * sum(range(1, THREADS + 1))] * 64


def _setup(seed):
    """A small MLP, its optimizer and its data. Made in the main thread: initialisation
    draws from the one global generator, which threads drawing at once would share out
    in any order (in torch as well)."""
    tm.manual_seed(seed)
    model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 1))
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    rng = np.random.default_rng(seed)
    x = tm.tensor(rng.standard_normal((32, 8)).astype(np.float32))
    y = tm.tensor(rng.standard_normal((32, 1)).astype(np.float32))
    return model, opt, x, y


def _train(setup, grads, steps=STEPS):
    """`steps` training steps; every step's gradients appended to grads."""
    model, opt, x, y = setup
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        grads.append([p.grad.numpy().copy() for p in model.parameters()])
        opt.step()


def test_threads_training_their_own_models_match_serial_runs_bit_for_bit():
    serial = {seed: [] for seed in range(THREADS)}
    for seed, grads in serial.items():
        _train(_setup(seed), grads)
    setups = {seed: _setup(seed) for seed in range(THREADS)}
    threaded = {seed: [] for seed in range(THREADS)}
    errors = []

    def work(seed):
        try:
            _train(setups[seed], threaded[seed])
        except Exception as e:  # a thread's failure must fail the test
            errors.append(e)
    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for seed in range(THREADS):
        assert len(threaded[seed]) == STEPS
        for step, (mine, ref) in enumerate(zip(threaded[seed], serial[seed])):
            for g, r in zip(mine, ref):
                assert np.array_equal(g, r), (seed, step)
