"""Running one case: draw its steps, run each on torch (cpu) and on tm, compare.

A case stops at its first difference (later ones are mostly its echoes) or where a guard
says torch's result is undefined. Float results that agree within tolerance are copied
from torch into tm's tensors before the next step, so rounding differences a step is
allowed to make are not amplified by the steps after it.
"""
import math
import warnings
from dataclasses import dataclass, field

import torch

import tensorrt_mini as tm

from . import compare, guards
from .cases import case_rng, draw_program
from .program import Meta, Scope
from .summary import describe


@dataclass
class Outcome:
    value: object = None
    error: Exception | None = None
    text: str = ""  # what it was when it ran (later steps may write to it)


@dataclass
class Difference:
    step: int
    kind: str       # the step's kind
    category: str   # what differs ("values", "tm raises", ...)
    detail: str


@dataclass
class CaseResult:
    seed: int
    case: int
    device: str
    steps: list = field(default_factory=list)      # the Steps run
    outcomes: list = field(default_factory=list)   # (tm's, torch's) Outcome.text per step
    differences: list = field(default_factory=list)
    undefined: str | None = None  # why the case stopped early, if a guard stopped it


def execute(step, ns):
    try:
        exec(compile(step.code, "<fuzz>", "exec"), ns)
    except Exception as e:  # noqa: BLE001 (the error is what gets compared)
        outcome = Outcome(error=e)
    else:
        outcome = Outcome(ns.get(step.target) if step.target else None)
    outcome.text = describe(outcome)
    return outcome


def _first_guard(step, ns):
    for guard in step.guards:
        try:
            fired = guard(ns)
        except guards.Invalid:
            fired = None  # the step itself raises: torch will say so
        if fired:
            return fired
    return None


def compare_result(step, tm_out, torch_out, before, ns_torch):
    t, r = tm_out.value, torch_out.value
    if isinstance(r, tuple):
        if not isinstance(t, tuple) or len(t) != len(r):
            return [("result type", f"tm {type(t).__name__}, torch tuple of {len(r)}")]
        return [d for a, b in zip(t, r) for d in compare_result(step, Outcome(a), Outcome(b),
                                                                {}, ns_torch)]
    if r is None:  # a statement
        return [] if t is None else [("result type", f"tm {type(t).__name__}, torch None")]
    diffs = compare.tensors(t, r, _tolerance(step, r, ns_torch))
    if diffs or not before:
        return diffs
    operands = [before[n] for n in step.reads]
    if compare.same_layouts(operands):  # else a view here may be a copy there (reshape)
        diffs = compare.aliasing(t, r, before)
        if diffs:
            return diffs
    return compare.layout(t, r, compare.strides_defined(step, r, operands))


def _tolerance(step, result, ns_torch):
    dtype = compare.dtype_name(result)
    if dtype not in compare.RTOL:
        return 0.0, 0.0
    scale = 1.0
    # the operands' magnitude, integer ones too (a float mean of huge int64 values loses
    # its small terms in whatever order the sum takes them)
    for t in [result, *(ns_torch[n] for n in step.reads)]:
        if t.numel() and t.dtype is not torch.bool:
            t = t.double()
            finite = t[t.isfinite()]
            if finite.numel():
                scale = max(scale, float(finite.abs().max()))
    return compare.tolerance(step, dtype, scale)


def compare_variables(step, names, ns_tm, ns_torch):
    """Every variable holds the same values on both sides (in-place writes through views
    reach the same tensors)."""
    for name in names:
        want = ns_torch[name]
        tol = _tolerance(step, want, ns_torch)
        for category, detail in compare.tensors(ns_tm[name], want, tol):
            return [(f"{category} of a variable after the step", f"{name}: {detail}")]
    return []


def sync(names, ns_tm, ns_torch, device):
    """Give tm's float variables torch's exact values (see the module's docstring)."""
    for name in names:
        want = ns_torch[name]
        if not want.is_floating_point():
            continue
        got = compare.host(ns_tm[name])
        if compare.same_values(got, want):
            continue
        offsets = guards.storage_offsets(want)
        if offsets.unique().numel() < offsets.numel():
            continue  # an expanded view: its memory is synced through its base
        try:
            ns_tm[name].copy_(tm.tensor(compare.host(want), device=device))
            copied = compare.same_values(compare.host(ns_tm[name]), want)
        except Exception:  # noqa: BLE001 (reported below)
            copied = False
        if not copied:
            return [("values after copy_", f"{name}: the harness could not copy torch's "
                                           "values into tm's tensor")]
    return []


def run_case(seed, case, device="cpu"):
    result = CaseResult(seed, case, device)
    ns_tm = {"lib": tm, "dev": device, "nan": math.nan, "inf": math.inf}
    ns_torch = {"lib": torch, "dev": "cpu", "nan": math.nan, "inf": math.inf}

    def probe(code):
        try:
            value = eval(code, ns_torch)
        except Exception:  # noqa: BLE001 (the step will raise too, on both sides)
            return None
        return Meta.of(value) if isinstance(value, torch.Tensor) else None

    scope = Scope(probe)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for step in draw_program(case_rng(seed, case), scope, big=device == "cpu"):
            if not _run_step(step, scope, ns_tm, ns_torch, result):
                break
    return result


def _run_step(step, scope, ns_tm, ns_torch, result):
    """Run one step on both sides; False ends the case."""
    undefined = _first_guard(step, ns_torch)
    if undefined and undefined.unsafe:
        result.undefined = undefined.reason
        return False
    before = {n: (ns_tm[n], ns_torch[n]) for n in scope.pool}
    saved = {n: compare.host(ns_torch[n]) for n in scope.pool}
    result.steps.append(step)
    torch_out, tm_out = execute(step, ns_torch), execute(step, ns_tm)
    result.outcomes.append((tm_out.text, torch_out.text))  # not the tensors: results pile up
    diffs = compare.errors(tm_out.error, torch_out.error, any_type=bool(undefined))
    if undefined and not torch_out.error:
        result.undefined = undefined.reason
        return False
    if not diffs and torch_out.error is None:
        diffs = compare_result(step, tm_out, torch_out, before, ns_torch)
    if not diffs:
        diffs = compare_variables(step, scope.pool, ns_tm, ns_torch)
        if diffs and torch_out.error and any(
                not compare.same_values(saved[n], ns_torch[n]) for n in saved):
            # torch's integer division kernels raise on a zero divisor midway, after
            # writing part of an in-place result: what is left there is unspecified
            result.undefined = "torch wrote part of the result before raising"
            return False
    if diffs:
        index = len(result.steps) - 1
        result.differences += [Difference(index, step.kind, c, d) for c, d in diffs]
        return False
    if step.target and isinstance(torch_out.value, torch.Tensor):
        scope.pool[step.target] = Meta.of(torch_out.value)
    diffs = sync(scope.pool, ns_tm, ns_torch, ns_tm["dev"])
    result.differences += [Difference(len(result.steps) - 1, "copy_", c, d) for c, d in diffs]
    return not diffs
