"""Printing cases as Python programs, and differences grouped by kind."""
from collections import defaultdict

from . import compare

MAX_TEXT = 160


def reproducer(result):
    return (f"python -m tests.fuzz --seed {result.seed} --case {result.case} "
            f"--device {result.device} --verbose")


def _short(text):
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 3] + "..."


def describe(outcome):
    if outcome.error is not None:
        return _short(f"raises {type(outcome.error).__name__}: {outcome.error}")
    v = outcome.value
    if isinstance(v, tuple):
        return "(" + ", ".join(describe(type(outcome)(x)) for x in v) + ")"
    if hasattr(v, "stride"):
        values = compare.host(v)
        shown = values.tolist() if values.size <= 64 else f"{values.reshape(-1)[:16].tolist()}..."
        return _short(f"{compare.dtype_name(v)} {list(v.shape)} stride {tuple(v.stride())} "
                      f"offset {v.storage_offset()}: {shown}")
    return _short(repr(v))


def render(result):
    """The case as a program that runs with either library, each step's outcomes below it."""
    lines = [f"# {reproducer(result)}",
             "from math import inf, nan",
             "import torch",
             "import tensorrt_mini as tm",
             f"lib, dev = tm, {result.device!r}  # or: lib, dev = torch, 'cpu'", ""]
    if result.device == "cuda":
        lines.insert(1, "# without a GPU: NUMBA_ENABLE_CUDASIM=1 in the environment")
    for i, (step, (tm_text, torch_text)) in enumerate(zip(result.steps, result.outcomes)):
        lines += [step.code, f"#   torch: {torch_text}", f"#   tm:    {tm_text}"]
        lines += [f"#   DIFFERENCE ({d.category}): {d.detail}"
                  for d in result.differences if d.step == i]
    if result.undefined:
        lines.append(f"# stopped: torch's result is undefined from here on ({result.undefined})")
    return "\n".join(lines)


def summarize(results, examples=3):
    """Counts, then each (category, step kind) with an example and reproducers."""
    groups = defaultdict(list)
    for r in results:
        for d in r.differences:
            groups[(d.category, d.kind)].append((r, d))
    failed = sum(bool(r.differences) for r in results)
    undefined = sum(bool(r.undefined) for r in results)
    lines = [f"{len(results)} cases: {failed} with differences, {undefined} stopped where "
             f"torch's result is undefined, {len(groups)} kinds of difference"]
    for (category, kind), items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        lines.append(f"[{len(items)}] {category} in {kind}: {_short(items[0][1].detail)}")
        lines += [f"    {reproducer(r)}" for r, _ in items[:examples]]
    return "\n".join(lines)
