"""The results: counts and score per module and in all, the surviving mutants, as text
and as JSON."""
import json


def counts(results):
    """total, killed, timeout and survived; score = (killed + timeout) / total, since a
    mutant whose tests hang is one they notice."""
    c = {status: sum(r.status == status for r in results) for status in ("killed", "timeout", "survived")}
    total = len(results)
    return {"total": total, **c, "score": (c["killed"] + c["timeout"]) / total if total else None}


def _line(name, c):
    score = "-" if c["score"] is None else f"{c['score']:.1%}"
    return (f"{name}: {c['total']} mutants, killed {c['killed']}, timed out {c['timeout']}, "
            f"survived {c['survived']}, score {score}")


def text(targets, results):
    lines = []
    for target in targets:
        mine = [r for r in results if r.mutant.path == target.path]
        mean = sum(r.seconds for r in mine) / len(mine) if mine else 0
        lines.append(_line(target.path, counts(mine)))
        lines.append(f"    tests {' '.join(target.tests)}; baseline {target.baseline_s:.1f} s, "
                     f"timeout {target.timeout_s:.1f} s, {mean:.1f} s a mutant")
    lines.append(_line("all", counts(results)))
    survivors = [r.mutant.diff for r in results if r.status == "survived"]
    if survivors:
        lines += ["", "surviving mutants:", *survivors]
    return "\n".join(lines)


def write_json(path, targets, results):
    modules = [{"path": t.path, "tests": t.tests, "baseline_s": t.baseline_s,
                "timeout_s": t.timeout_s, **counts([r for r in results if r.mutant.path == t.path])}
               for t in targets]
    mutants = [{"path": r.mutant.path, "line": r.mutant.line, "col": r.mutant.col,
                "operator": r.mutant.operator, "diff": r.mutant.diff, "status": r.status,
                "seconds": round(r.seconds, 3), "failure": r.failure} for r in results]
    with open(path, "w") as f:
        json.dump({"modules": modules, "all": counts(results), "mutants": mutants}, f, indent=1)
