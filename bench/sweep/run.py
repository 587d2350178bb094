"""The sweep's cases (op x form x size x dtype x layout) and how one is timed: tensorrt_mini
and torch on the same inputs, results checked against torch's, then interleaved samples
(bench.timing) whose medians give the ratio."""
from dataclasses import dataclass

import numpy as np

from ..runner import rel_err
from ..timing import calibrate, describe, measure, rounds_for, summarize

EXPONENTS = (10, 14, 18, 22)  # sizes, as powers of two of the element count


@dataclass
class Settings:
    warmup: int
    min_sample_s: float
    budget_s: float
    min_rounds: int
    max_rounds: int
    settle_s: float


SETTINGS = {
    "full": Settings(2, 0.005, 0.25, 3, 9, 0.005),
    "quick": Settings(1, 0.002, 0.06, 3, 3, 0.0),
}


@dataclass(frozen=True)
class Case:
    op: object        # registry.SweepOp
    form: str         # "1d" or "2d"
    exp: int          # 2^exp elements
    dtype: str
    transposed: bool  # 2-D operands after the first read as b.t()

    @property
    def shape(self):
        if self.form == "1d":
            return (1 << self.exp,)
        return (1 << self.exp // 2, 1 << (self.exp - self.exp // 2))

    @property
    def layout(self):
        return f"{self.form}{'-T' if self.transposed else ''}"

    def key(self):
        return dict(op=self.op.name, family=self.op.family, form=self.form, exp=self.exp,
                    dtype=self.dtype, layout=self.layout, shape=list(self.shape))


def cases(ops, exponents, dtypes=None):
    """Every case of `ops` at `exponents`; `dtypes` limits the dtypes (None: each op's)."""
    out = []
    for op in ops:
        for form in op.forms:
            for exp in exponents:
                if not op.min_exp <= exp <= op.max_exp:
                    continue
                for dtype in op.dtypes:
                    if dtypes and dtype not in dtypes:
                        continue
                    out.append(Case(op, form, exp, dtype, False))
                    if op.transposed and form == "2d":
                        out.append(Case(op, form, exp, dtype, True))
    return out


def run(case, libs, settings, rng):
    """A result record: each library's median seconds per call, or why it has none.
    `libs` is (tensorrt_mini, torch)."""
    rec = case.key()
    results = rec["libs"] = {lib.name: {} for lib in libs}
    try:
        host = _inputs(case, libs, rng)
    except Exception as e:  # a broken op is a result to report, not a crash
        rec["error"] = describe(e)
        return rec
    fns, outs = {}, {}
    for lib in libs:
        try:
            fns[lib.name] = _build(case, lib, host)
            out = fns[lib.name]()
            for _ in range(settings.warmup - 1):
                out = fns[lib.name]()
            outs[lib.name] = _host(lib, out) if case.op.check else None
        except Exception as e:
            results[lib.name]["error"] = describe(e)
            fns.pop(lib.name, None)
    tm, ref = (lib.name for lib in libs)
    _check(outs, case.op.tol, results, fns, tm, ref)

    timers = {lib.name: lib.timers["device"] for lib in libs}
    inner, per_round = {}, 0.0
    for name in list(fns):
        t, inner[name] = calibrate(fns[name], timers[name], settings.min_sample_s)
        per_round += t * (inner[name] + 1) + settings.settle_s
    rounds = rounds_for(per_round, settings.budget_s, settings.min_rounds, settings.max_rounds)
    times, errors = measure(fns, timers, inner, rounds, settings.settle_s)
    for name, ts in times.items():
        if name in errors:
            results[name]["error"] = errors[name]
        elif ts:
            results[name].update(summarize(ts))
    tm_s, ref_s = results[tm].get("median_s"), results[ref].get("median_s")
    if tm_s and ref_s:
        rec["ratio"] = tm_s / ref_s
    return rec


def _inputs(case, libs, rng):
    """Host inputs from the op's first domain where torch's result is finite."""
    torch_lib = libs[1]
    for domain in case.op.domains:
        host = case.op.inputs(rng, case.shape, case.dtype, domain)
        if len(case.op.domains) == 1:
            return host
        out = _host(torch_lib, _build(case, torch_lib, host)())
        if np.all(np.isfinite(out)):
            return host
    raise ValueError(f"no domain of {case.op.name} gives finite results: {case.op.domains}")


def _build(case, lib, host):
    arrays = [lib.put(h) for h in host]
    if case.transposed:  # same values laid out column-major: the op reads b.t()
        arrays[1:] = [x.t().contiguous().t() if tuple(x.shape) == case.shape else x
                      for x in arrays[1:]]
    return case.op.build(lib.xp, *arrays)


def _host(lib, out):
    return np.asarray(lib.get(out))


def _check(outs, tol, results, fns, tm, ref):
    """tensorrt_mini's result against torch's: a wrong result is an error, and not timed."""
    got, want = outs.get(tm), outs.get(ref)
    if got is None or want is None:
        return
    if got.shape != want.shape or got.dtype != want.dtype:
        problem = (f"wrong result: {got.dtype}{list(got.shape)}, torch gives "
                   f"{want.dtype}{list(want.shape)}")
    else:
        err = results[tm]["rel_err"] = rel_err(got, want)
        problem = None if err <= tol else f"wrong result: ||x - torch|| / ||torch|| = {err:.2g}"
    if problem:
        results[tm]["error"] = problem
        fns.pop(tm)
