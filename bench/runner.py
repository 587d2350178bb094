"""Runs one case: set up every library, check that they agree, then time them interleaved.

A library whose setup, first call or result fails is reported with the reason and left
out of the timing; the others still run. Nothing here raises for a broken op.
"""
import statistics
import time
from dataclasses import dataclass

import numpy as np

from .libs import COMPILED, REFERENCE, TM
from .timing import calibrate, describe, measure, rounds_for, summarize


@dataclass
class Settings:
    warmup: int          # untimed calls first (compilation, caches, allocator pools)
    min_sample_s: float  # one sample is a loop of calls at least this long
    budget_s: float      # time to spend timing one case, all libraries together
    min_rounds: int
    max_rounds: int
    settle_s: float      # sleep before each sample (see timing.measure)
    cold_rounds: int     # fresh interpreters per library for the cold-start case


SETTINGS = {  # (device, quick)
    ("cpu", False): Settings(2, 0.02, 3.0, 5, 21, 0.1, 5),
    ("cpu", True): Settings(1, 0.005, 0.3, 3, 5, 0.02, 1),
    ("cuda", False): Settings(2, 0.005, 2.0, 5, 31, 0.0, 3),
    ("cuda", True): Settings(1, 0.002, 0.3, 3, 5, 0.0, 1),
}


class Skip(Exception):
    """A library cannot run this case yet (not an error in what it has)."""


def new_record(case, libs, target, target_kind="ratio", compiled_target=None):
    return dict(name=case.name, size=case.size, target_key=case.target, target=target,
                target_kind=target_kind, compiled_target=compiled_target, unit=unit(case),
                timing=case.timing, libs={lib.name: {} for lib in libs})


def unit(case):
    if getattr(case, "flops", 0):
        return "GFLOP/s"
    return "GB/s" if getattr(case, "nbytes", 0) else None


def run_case(case, libs, settings, rng, target, compiled_target=None):
    rec = new_record(case, libs, target, compiled_target=compiled_target)
    results = rec["libs"]
    fns = set_up(case, libs, settings, rng, results)
    timers = {lib.name: lib.timers[case.timing] for lib in libs}
    inner, overhead, rounds = plan(fns, timers, settings, case.timing == "host", results)
    times, errors = measure(fns, timers, inner, rounds, settings.settle_s, overhead)
    del fns  # the device data goes with the callables
    for lib in libs:
        lib.release()

    work = case.flops or case.nbytes
    for name, ts in times.items():
        res = results[name]
        if name in errors:
            res["error"] = errors[name]
            continue
        res.update(summarize(ts), inner=inner[name])
        if name in overhead:
            res["loop_overhead_s"] = overhead[name]
        if work and res["median_s"] > 0:
            res["rate"] = work / res["median_s"] / 1e9
    return finish(rec)


def set_up(case, libs, settings, rng, results):
    """{library: callable} for the libraries whose setup, warm-up and result are sound;
    the others get a reason in `results`."""
    host = case.inputs(rng)
    fns, outs = {}, {}
    for lib in libs:
        res = results[lib.name]
        if lib.style not in case.make:
            # torch.compile runs only the cases that spell a compiled form: no reason needed
            res["skipped"] = case.not_for if lib.style != "compile" else ""
            continue
        try:
            fns[lib.name], outs[lib.name], res["first_call_s"] = prepare(
                case, lib, host, settings.warmup)
        except Skip as e:
            res["skipped"] = str(e)
        except Exception as e:  # a broken op is a result to report, not a crash
            res["error"] = describe(e)
    for name, problem in compare(outs, case.tol, results).items():
        results[name]["error"] = problem
        del fns[name]
    return fns


def plan(fns, timers, settings, host_timing, results):
    """Calls per sample and the loop's own cost per library, and the number of rounds
    that fits the time budget. A library that fails here is dropped from `fns`."""
    inner, overhead, per_round = {}, {}, 0.0
    for name in list(fns):
        try:
            t, inner[name] = calibrate(fns[name], timers[name], settings.min_sample_s)
        except Exception as e:
            results[name]["error"] = describe(e)
            del fns[name]
            continue
        per_round += t * (inner[name] + 1) + settings.settle_s
        if host_timing:  # host-time figures leave out the cost of the timing loop itself
            overhead[name] = statistics.median(
                timers[name].per_call(lambda: None, inner[name]) for _ in range(5))
    rounds = rounds_for(per_round, settings.budget_s, settings.min_rounds, settings.max_rounds)
    return inner, overhead, rounds


def prepare(case, lib, host, warmup):
    """The callable to time, after `warmup` calls, a host copy of its result (None when
    the case checks no results), and the seconds its first call took (compilation, for
    the libraries that compile). Device data lives only in the callable."""
    fn = case.make[lib.style](lib.xp, *(lib.put(h) for h in host))
    start = time.perf_counter()
    out = fn()
    # on a GPU, the first call has run only once its result is back
    first_result = np.asarray(lib.get(out)) if case.check else None
    first = time.perf_counter() - start
    for _ in range(warmup - 1):
        out = fn()
    return fn, (np.asarray(lib.get(out)) if case.check and warmup > 1 else first_result), first


def compare(outs, tol, results):
    """Check every result against torch's (or, without torch, another peer's). Records the
    relative error; returns {library: problem} for results that are wrong."""
    outs = {name: out for name, out in outs.items() if out is not None}
    ref_name = REFERENCE if REFERENCE in outs else next((n for n in outs if n != TM), None)
    if ref_name is None:
        return {}
    ref = outs[ref_name]
    problems = {}
    for name, out in outs.items():
        if name == ref_name:
            continue
        if out.shape != ref.shape:
            problems[name] = f"wrong result: shape {out.shape}, {ref_name} gives {ref.shape}"
            continue
        err = rel_err(out, ref)
        results[name]["rel_err"] = err
        if not err <= tol:  # NaN fails too
            problems[name] = f"wrong result: ||x - {ref_name}|| / ||{ref_name}|| = {err:.2g}"
    return problems


def rel_err(x, ref):
    x, ref = np.asarray(x, np.float64), np.asarray(ref, np.float64)
    scale = np.linalg.norm(ref.ravel())
    diff = np.linalg.norm((x - ref).ravel())
    return float(diff / scale) if scale else float(diff)


def finish(rec):
    """Ratios to torch's median, and whether tensorrt_mini meets the target."""
    ref = rec["libs"].get(REFERENCE, {}).get("median_s")
    for res in rec["libs"].values():
        if ref and "median_s" in res:
            res["ratio"] = res["median_s"] / ref
    tm = rec["libs"].get(TM, {})
    figure = tm.get("ratio") if rec["target_kind"] == "ratio" else tm.get("median_s")
    rec["met"] = None if rec["target"] is None or figure is None else figure <= rec["target"]
    compiled = rec["libs"].get(COMPILED, {}).get("median_s")
    if compiled and "median_s" in tm:  # a user-fused case: held to torch.compile's time too
        rec["vs_compiled"] = tm["median_s"] / compiled
        if rec.get("compiled_target") is not None and rec["met"] is not None:
            rec["met"] = rec["met"] and rec["vs_compiled"] <= rec["compiled_target"]
    return rec
