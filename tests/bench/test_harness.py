"""The benchmark harness's bookkeeping, with fake libraries and a fake clock: rates,
ratios, targets, interleaving, skipped peers and broken ops. Nothing here measures speed,
and nothing imports torch."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ sits at the repo root

from bench.cases import Case, same  # noqa: E402
from bench.libs import Lib, load_libs  # noqa: E402
from bench.report import markdown  # noqa: E402
from bench.runner import Settings, run_case  # noqa: E402
from bench.timing import EventTimer, measure  # noqa: E402

N = 1000
SETTINGS = Settings(warmup=1, min_sample_s=0.0, budget_s=0.0, min_rounds=3, max_rounds=3,
                    settle_s=0.0, cold_rounds=1)


class FakeTimer:
    """Every call 'takes' a fixed time; the calls still run, and are logged."""

    def __init__(self, seconds, log=None, name=None):
        self.seconds, self.log, self.name = seconds, log, name

    def per_call(self, fn, inner):
        for _ in range(inner):
            fn()
        if self.log is not None:
            self.log.append(self.name)
        return self.seconds


def fake_lib(name, seconds, log=None):
    timer = FakeTimer(seconds, log, name)
    return Lib(name, np, "torch", np.array, np.asarray, {"host": timer, "device": timer})


def add_case(**kw):
    return Case("a + b", "2^10", "contiguous add",
                lambda rng: (rng.random(N, dtype=np.float32), rng.random(N, dtype=np.float32)),
                same(lambda xp, a, b: lambda: a + b), nbytes=3 * 4 * N, **kw)


def run(libs, case=None, target=1.0):
    return run_case(case or add_case(), libs, SETTINGS, np.random.default_rng(0), target)


def test_rates_ratios_and_target():
    rec = run([fake_lib("tensorrt_mini", 2e-3), fake_lib("torch", 1e-3), fake_lib("numpy", 4e-3)])
    tm, torch = rec["libs"]["tensorrt_mini"], rec["libs"]["torch"]
    assert tm["median_s"] == 2e-3 and tm["n"] == 3
    assert tm["rate"] == pytest.approx(3 * 4 * N / 2e-3 / 1e9)  # every byte read and written
    assert tm["ratio"] == pytest.approx(2.0) and torch["ratio"] == 1.0
    assert rec["libs"]["numpy"]["ratio"] == pytest.approx(4.0)
    assert tm["rel_err"] == 0.0
    assert rec["met"] is False
    assert run([fake_lib("tensorrt_mini", 2e-3), fake_lib("torch", 1e-3)], target=2.5)["met"]


def test_libraries_are_interleaved():
    log = []
    fns = {name: (lambda: None) for name in ("tensorrt_mini", "torch", "numpy")}
    timers = {name: FakeTimer(1e-3, log, name) for name in fns}
    times, errors = measure(fns, timers, dict.fromkeys(fns, 1), rounds=2)
    assert log == ["tensorrt_mini", "torch", "numpy"] * 2
    assert not errors and times["torch"] == [1e-3, 1e-3]


def test_missing_peer_is_skipped_and_said():
    def missing():
        raise ImportError("No module named 'torch'")

    loaders = {"tensorrt_mini": lambda: fake_lib("tensorrt_mini", 1e-3), "torch": missing,
               "numpy": lambda: fake_lib("numpy", 1e-3), "torch.compile": missing}
    libs, skipped = load_libs("cpu", loaders)
    assert [lib.name for lib in libs] == ["tensorrt_mini", "numpy"]
    assert "not installed" in skipped["torch"]
    rec = run(libs)
    assert "ratio" not in rec["libs"]["tensorrt_mini"] and rec["met"] is None
    table = markdown([rec], {}, skipped, "cpu", "2026-01-01", quick=False)
    assert "peer not run: torch: not installed" in table
    assert "| not run |" in table


def test_broken_and_wrong_ops_are_reported_not_raised():
    def broken(xp, a, b):
        def fn():
            raise AttributeError("no attribute 'reduce'")
        return fn

    libs = [fake_lib("tensorrt_mini", 1e-3), fake_lib("torch", 1e-3)]
    libs[0].style = "mine"
    rec = run(libs, Case("sum()", "2^10", "sum()", add_case().inputs,
                         {"mine": broken, "torch": lambda xp, a, b: lambda: a + b}))
    assert rec["libs"]["tensorrt_mini"] == {"error": "AttributeError: no attribute 'reduce'"}
    assert rec["libs"]["torch"]["median_s"] == 1e-3 and rec["met"] is None

    rec = run(libs, Case("a + b", "2^10", "sum()", add_case().inputs,
                         {"mine": lambda xp, a, b: lambda: a - b,
                          "torch": lambda xp, a, b: lambda: a + b}))
    assert rec["libs"]["tensorrt_mini"]["error"].startswith("wrong result")


def test_event_timer_queues_busy_work_before_the_start_event():
    log = []

    class Event:
        def record(self):
            log.append("record")
            self.at = len(log)

        def synchronize(self):
            log.append("sync")

    def elapsed_ms(start, end):  # pretend each logged step took 1 ms
        return float(end.at - start.at)

    timer = EventTimer(Event, elapsed_ms, lambda: log.append("busy"))
    assert timer.per_call(lambda: log.append("op"), inner=4) == pytest.approx(5e-3 / 4)
    assert log == ["busy", "record", "op", "op", "op", "op", "record", "sync"]
