"""Timers and the interleaved measurement loop.

A timer answers one question: seconds per call of `fn`, over `inner` back-to-back calls.
The libraries of a case are measured in rounds (tensorrt_mini, peer, peer, tensorrt_mini,
...), so that drift in the machine's speed (other tenants, clocks, heat) falls on all of
them alike; each library's figure is its median over the rounds.
"""
import math
import statistics
import time


class WallTimer:
    """The host clock. `sync` (a device synchronise) runs inside the timed region, so
    device work queued by the calls is counted; on the CPU there is nothing to wait for."""

    def __init__(self, sync=None):
        self.sync = sync

    def per_call(self, fn, inner):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        if self.sync is not None:
            self.sync()
        return (time.perf_counter() - t0) / inner


class EventTimer:
    """Device time between two events recorded on the current stream.

    `busy` queues a long device-side fill first: the start event then fires when that
    fill ends, by which time the host has launched the timed work, so the host's launch
    latency stays out of a device-time figure (per-op host time has its own cases). The
    fill also evicts the operands from L2.
    """

    def __init__(self, new_event, elapsed_ms, busy):
        self.new_event = new_event
        self.elapsed_ms = elapsed_ms
        self.busy = busy

    def per_call(self, fn, inner):
        start, end = self.new_event(), self.new_event()
        self.busy()
        start.record()
        for _ in range(inner):
            fn()
        end.record()
        end.synchronize()
        return self.elapsed_ms(start, end) / 1e3 / inner


def calibrate(fn, timer, min_sample_s, max_inner=10_000):
    """(seconds per call, calls per sample) so that one sample lasts about `min_sample_s`:
    short ops are timed in loops, as the timer's own cost would swamp one call."""
    t = timer.per_call(fn, 1)
    inner = _inner_for(t, min_sample_s, max_inner)
    if inner > 1:  # one call is too short to time well: measure again over a loop
        t = timer.per_call(fn, inner)
        inner = _inner_for(t, min_sample_s, max_inner)
    return t, inner


def _inner_for(t, min_sample_s, max_inner):
    return max(1, min(max_inner, math.ceil(min_sample_s / max(t, 1e-9))))


def rounds_for(per_round_s, budget_s, lo, hi):
    """As many rounds as fit the case's time budget, within [lo, hi]."""
    return max(lo, min(hi, int(budget_s / max(per_round_s, 1e-9))))


def measure(fns, timers, inner, rounds, settle_s=0.0, overhead=None):
    """Interleaved samples. Returns ({name: [seconds per call]}, {name: error}).

    Before each sample the library sleeps `settle_s` (other libraries' spinning worker
    threads go idle instead of competing for the cores) and makes one untimed call (its
    own thread pool wakes up outside the timed region). `overhead` (seconds per call of
    the loop itself, measured with an empty callable) is subtracted for host-time cases.
    A library that raises is dropped from the remaining rounds.
    """
    overhead = overhead or {}
    times = {name: [] for name in fns}
    errors = {}
    for _ in range(rounds):
        for name, fn in fns.items():
            if name in errors:
                continue
            if settle_s:
                time.sleep(settle_s)
            try:
                fn()
                t = timers[name].per_call(fn, inner[name])
            except Exception as e:  # a broken op is a result to report, not a crash
                errors[name] = describe(e)
                continue
            times[name].append(max(t - overhead.get(name, 0.0), 0.0))
    return times, errors


def summarize(ts):
    return dict(median_s=statistics.median(ts), min_s=min(ts), max_s=max(ts), n=len(ts),
                samples_s=list(ts))


def describe(e):
    return f"{type(e).__name__}: {e}".strip()
