"""The Python half of bench/gpu_check.sh (issue 3, "GPU check"); the shell script runs it.

    python3 -m bench.gpu_check env     --record FILE   versions, where tensorrt_mini comes from
    python3 -m bench.gpu_check ptx     --record FILE   PTX for sm_90 without numpy.row_stack
    python3 -m bench.gpu_check first-op --record FILE  one small op on device='cuda' vs the CPU
    python3 -m bench.gpu_check pytest ARGS...          pytest, stoppable by SIGTERM
    python3 -m bench.gpu_check tests --shards N --junitxml FILE -- ARGS...
                                                       pytest ARGS in N processes at once
    python3 -m bench.gpu_check bench ARGS...           python -m bench, stoppable by SIGTERM
    python3 -m bench.gpu_check summary --work DIR --mode gpu|sim [--out DIR]

It uses only what the GPU image has (numpy, numba, numba-cuda, CuPy, torch, pytest):
hypothesis, tqdm and matplotlib are optional everywhere here.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from importlib import metadata, util
from pathlib import Path

from . import ncu_profile, sanitizer

REPO = Path(__file__).resolve().parent.parent
TM = "tensorrt_mini"
# distributions whose versions the check reports (None: not installed)
DISTS = ("numpy", "numba", "numba-cuda", "cupy-cuda13x", "cupy-cuda12x", "torch", "pytest",
         "hypothesis", "tqdm", "matplotlib", "cuda-bindings", "cuda-python")
# the GPU-only tests of the backend suite: on a GPU they must pass, not skip
GPU_TESTS = ("test_gpu_large_elementwise_and_transposes", "test_gpu_large_reductions",
             "test_gpu_matmul_and_random", "test_gpu_catalog_ops_and_user_kernels",
             "test_gpu_float32_tensor_past_int32_elements",
             "test_gpu_out_of_memory_raises_torchs_type_with_the_size",
             "test_gpu_cached_blocks_are_given_back_to_make_room",
             "test_gpu_graph_capture_of_a_training_step_replays_it_or_raises_clearly")
# the cases issue 3 asks for, as bench names them
ISSUE_CASES = ("a + b, host time", "a * b + c, host time", "a + b", "a + b.t()",
               "b.t().contiguous()", "sum()", "sum(0)", "sum(1)", "matmul a @ b")
INFORMATIONAL = ("profile",)  # phases whose failure is a note, not a failed check
OUT_LIMIT = 15 << 20  # a file back from the device machine must stay under 16 MiB


def record(path, **content):
    if path:
        Path(path).write_text(json.dumps(content, indent=1, default=str) + "\n")


def drop_row_stack():
    """numpy 2.5 (the GPU image's) has no numpy.row_stack, which numba-cuda 0.30.4 still
    names; take it away here too, so the alias in tensorrt_mini's compiler is what works."""
    import numpy as np
    if "row_stack" in vars(np):
        del np.row_stack
    assert not hasattr(np, "row_stack")


# ------------------------------------------------------------------------------- env
def cmd_env(args):
    versions = {}
    hidden = os.environ.get("GPU_CHECK_HIDE", "").split()
    for dist in DISTS:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
        if versions[dist] and dist in hidden:
            versions[dist] += " (hidden)"
    spec = util.find_spec(TM)
    origin = spec.origin if spec else None
    smi = shutil.which("nvidia-smi")
    if smi:
        run = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=30)
        gpus = (run.stdout + run.stderr).strip()
    else:
        gpus = "nvidia-smi not found"
    info = dict(python=sys.version.split()[0], executable=sys.executable, versions=versions,
                tensorrt_mini=origin, nvidia_smi=gpus, cpus=os.cpu_count(),
                env={k: os.environ.get(k) for k in ("NUMBA_ENABLE_CUDASIM",
                                                    "TENSORRT_MINI_PTX_CACHE", "PYTHONPATH",
                                                    "CUDA_VISIBLE_DEVICES")})
    print(f"python {info['python']} ({sys.executable})")
    print("  " + " · ".join(f"{d} {v}" for d, v in versions.items() if v))
    missing = [d for d, v in versions.items() if v is None and not d.startswith(("cupy", "cuda"))]
    if missing:
        print("  not installed: " + ", ".join(missing))
    print(f"tensorrt_mini from {origin}")
    print(f"nvidia-smi -L: {gpus}")
    for k, v in info["env"].items():
        print(f"  {k}={v}")
    record(args.record, **info)
    ok = origin is not None and Path(origin).resolve().is_relative_to(REPO)
    if not ok:
        print(f"tensorrt_mini is not imported from this checkout ({REPO})", file=sys.stderr)
    return 0 if ok else 1


# ------------------------------------------------------------------------------- ptx
def cmd_ptx(args):
    """Compile one kernel to PTX for sm_90 in a process without numpy.row_stack."""
    drop_row_stack()
    t0 = time.perf_counter()
    from tensorrt_mini.kernels.cuda import compiler, elementwise
    if compiler.SIMULATOR:
        raise SystemExit("run with NUMBA_ENABLE_CUDASIM=0: the simulator makes no PTX")
    kernel = elementwise.contiguous("add", "float32", "float32", (True, True), 4)
    path, entry = compiler.ptx(kernel, (9, 0))
    text = Path(path).read_text()
    ok = ".target sm_90" in text and f".entry {entry}(" in text
    seconds = time.perf_counter() - t0
    detail = (f"{kernel.name} compiled for sm_90 without numpy.row_stack in {seconds:.1f} s"
              if ok else f"{path} lacks the sm_90 target or the entry {entry}")
    print(detail)
    record(args.record, ok=ok, seconds=seconds, detail=detail)
    return 0 if ok else 1


# -------------------------------------------------------------------------- first op
def cmd_first_op(args):
    """One small op on device='cuda' against the CPU, timed from the import, in a process
    without numpy.row_stack; on a GPU it must not be the simulator."""
    drop_row_stack()
    t0 = time.perf_counter()
    import numpy as np

    import tensorrt_mini as tm
    from tensorrt_mini.backends import cuda_runtime
    from tensorrt_mini.kernels.cuda import compiler
    why = cuda_runtime.unavailable()
    if why is None and compiler.SIMULATOR != (args.mode == "sim"):
        why = f"mode {args.mode}, but compiler.SIMULATOR is {compiler.SIMULATOR}"
    if why is not None:
        detail = f"device='cuda' is unavailable: {why}"
        print(detail, file=sys.stderr)
        record(args.record, ok=False, detail=detail)
        return 1
    x = np.random.default_rng(0).standard_normal((33, 65)).astype(np.float32)
    fns = {"a * 2 + a": lambda a: a * 2 + a, "a.t().contiguous()": lambda a: a.t().contiguous(),
           "sum(0)": lambda a: a.sum(0), "a @ a.t()": lambda a: a @ a.t()}
    cpu, dev = tm.tensor(x), tm.tensor(x, device="cuda")
    errors = {}
    first = None
    for name, fn in fns.items():
        got = np.array(fn(dev).cpu())
        first = first or time.perf_counter() - t0
        want = np.array(fn(cpu))
        if got.shape != want.shape or not np.allclose(got, want, rtol=1e-4, atol=1e-4):
            errors[name] = f"differs from the cpu: max |diff| {np.abs(got - want).max():.3g}"
    device = tm.cuda.get_device_name()
    if not compiler.SIMULATOR:
        device += " (cc {}.{})".format(*cuda_runtime.runtime().cc)
    ok = not errors
    detail = (f"{len(fns)} ops on {device} match the cpu; the first result came "
              f"{first:.1f} s after the import began"
              if ok else "; ".join(f"{k}: {v}" for k, v in errors.items()))
    print(detail)
    record(args.record, ok=ok, device=device, first_op_s=first, errors=errors, detail=detail)
    return 0 if ok else 1


# --------------------------------------------------------------------- pytest, bench
def stoppable():
    """SIGTERM and SIGINT raise KeyboardInterrupt, so pytest and the bench stop cleanly at
    `timeout`'s signal and still write their junit XML / JSON. (SIGINT alone would not do:
    a process started in the background by a non-interactive shell inherits it ignored,
    and Python then never installs its handler.)"""
    def interrupt(signum, frame):
        # once: `timeout` signals the whole process group, and a shard gets the signal
        # forwarded by `tests` too; a second KeyboardInterrupt inside pytest's own
        # interrupt handling would lose its junit XML
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)


# Folders whose tests mostly compare the cpu with torch: on the GPU only their tests named
# for cuda or marked `cuda` run (the layers, optimizers and data loading on device='cuda').
CUDA_NAMED_ONLY = ("tests/nn/", "tests/optim/", "tests/utils/", "tests/amp/")


def on_the_gpu(nodeid, marked_cuda=False):
    """Whether the GPU check's test phase runs this test."""
    return (marked_cuda or "cuda" in nodeid.split("::", 1)[-1]
            or not nodeid.startswith(CUDA_NAMED_ONLY))


class Shard:
    """A pytest plugin that keeps this process's share of the collected tests. On a fresh
    GPU machine the backend tests spend most of their time compiling kernels to PTX, one
    at a time, so shards running side by side finish several times sooner. The kernel
    tests (tests/kernels/) stay together in shard 0: their PTX catalog compiles on all
    CPUs once per process."""

    def __init__(self, index, count):
        self.index, self.count = index, count

    def pytest_collection_modifyitems(self, config, items):
        items[:] = [it for it in items
                    if on_the_gpu(it.nodeid, it.get_closest_marker("cuda") is not None)]
        pinned = [it for it in items if "tests/kernels/" in it.nodeid]
        rest = [it for it in items if "tests/kernels/" not in it.nodeid]
        keep = (pinned if self.index == 0 else []) + rest[self.index::self.count]
        kept = set(map(id, keep))
        config.hook.pytest_deselected(items=[it for it in items if id(it) not in kept])
        items[:] = keep


def cmd_pytest(argv):
    stoppable()
    import pytest
    plugins = []
    if argv and argv[0].startswith("--shard="):
        index, count = map(int, argv[0].split("=", 1)[1].split("/"))
        plugins.append(Shard(index, count))
        argv = argv[1:]
    # the shards are this script's own processes (sanitizer.SERIAL_PYTEST_ARGS)
    argv = [*sanitizer.SERIAL_PYTEST_ARGS, *argv]
    return int(pytest.main(argv, plugins=plugins))


def cmd_tests(argv):
    """pytest ARGS in --shards processes side by side (each its share, see Shard), their
    output printed shard by shard, their junit XML merged into one --junitxml file.
    SIGTERM (the phase's time limit) reaches every shard, and each still writes its XML."""
    p = argparse.ArgumentParser(prog="python3 -m bench.gpu_check tests")
    p.add_argument("--shards", type=int, required=True)
    p.add_argument("--junitxml", required=True)
    p.add_argument("pytest_args", nargs=argparse.REMAINDER)
    args = p.parse_args(argv)
    rest = args.pytest_args[1:] if args.pytest_args[:1] == ["--"] else args.pytest_args
    junit = Path(args.junitxml)
    parts = [junit.with_name(f"{junit.stem}-{i}.xml") for i in range(args.shards)]
    logs = [junit.with_name(f"shard-{i}.log") for i in range(args.shards)]
    children = []

    def forward(signum, frame):  # for a signal sent to this process alone
        for child in children:
            child.send_signal(signum)
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for i in range(args.shards):
        with open(logs[i], "w") as log:
            children.append(subprocess.Popen(
                [sys.executable, "-m", "bench.gpu_check", "pytest",
                 f"--shard={i}/{args.shards}", *rest, f"--junitxml={parts[i]}"],
                stdout=log, stderr=subprocess.STDOUT, cwd=REPO))
    codes = [child.wait() for child in children]
    for i, log in enumerate(logs):
        print(f"---- shard {i}/{args.shards}: pytest exit status {codes[i]}")
        print(log.read_text(errors="replace"), end="")
    merge_junit([p for p in parts if p.exists()], junit)
    # pytest's 5 (nothing collected) is fine for one shard, not for all of them
    bad = [c for c in codes if c not in (0, 5)]
    return bad[0] if bad else (5 if all(c == 5 for c in codes) else 0)


def merge_junit(parts, path):
    """The <testsuite>s of several junit XML files under one <testsuites>."""
    root = ET.Element("testsuites")
    for part in parts:
        try:
            tree = ET.parse(part).getroot()
        except ET.ParseError as e:
            print(f"---- {part.name} is not junit XML ({e}): its tests are left out")
            continue
        root.extend([tree] if tree.tag == "testsuite" else list(tree))
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def cmd_bench(argv):
    stoppable()
    from bench.__main__ import main
    return main(argv)


# --------------------------------------------------------------------------- summary
def load_json(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def read_phases(work):
    """[(name, rc, seconds)] as the shell script wrote them."""
    out = []
    try:
        lines = (Path(work) / "phases.tsv").read_text().splitlines()
    except OSError:
        return out
    for line in lines:
        name, rc, seconds = line.split("\t")[:3]
        out.append((name, int(rc), float(seconds)))
    return out


def junit_counts(path):
    """{tests, failures, errors, skipped, failed: [ids], gpu: {test: outcome}} or None."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    counts = dict(tests=0, failures=0, errors=0, skipped=0, failed=[], gpu={})
    for case in root.iter("testcase"):
        counts["tests"] += 1
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed" if child.tag == "failure" else "error"
            elif child.tag == "skipped" and outcome == "passed":
                outcome = "skipped"
        if outcome == "failed":
            counts["failures"] += 1
        elif outcome == "error":
            counts["errors"] += 1
        elif outcome == "skipped":
            counts["skipped"] += 1
        test_id = f"{case.get('classname', '')}::{case.get('name', '')}"
        if outcome in ("failed", "error"):
            counts["failed"].append(test_id)
        if case.get("name") in GPU_TESTS:
            counts["gpu"][case.get("name")] = outcome
    counts["passed"] = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
    return counts


def combined_counts(*counts):
    """junit_counts of several files as one (None where none could be read)."""
    counts = [c for c in counts if c is not None]
    if not counts:
        return None
    out = dict(tests=0, failures=0, errors=0, skipped=0, passed=0, failed=[], gpu={})
    for c in counts:
        for key in ("tests", "failures", "errors", "skipped", "passed"):
            out[key] += c[key]
        out["failed"] += c["failed"]
        out["gpu"].update(c["gpu"])
    return out


def fmt_time(s):
    if s is None:
        return "—"
    if s < 1e-3:
        return f"{s * 1e6:.3g} µs"
    if s < 1:
        return f"{s * 1e3:.3g} ms"
    return f"{s:.3g} s"


def bench_rows(bench):
    rows, tm_errors = [], []
    for r in bench.get("cases", []):
        tm = r["libs"].get(TM, {})
        torch = r["libs"].get("torch", {})
        if tm.get("error"):
            tm_errors.append(f"{r['name']} {r['size']}: {tm['error']}")
        ratio = tm.get("ratio")
        target = r.get("target")
        rows.append(dict(
            case=("* " if r["name"] in ISSUE_CASES else "  ") + r["name"], size=r["size"],
            tm="error" if tm.get("error") else fmt_time(tm.get("median_s")),
            torch="error" if torch.get("error") else fmt_time(torch.get("median_s")),
            ratio="—" if ratio is None else f"{ratio:.2f}",
            target="—" if target is None else (f"≤ {target:g}" + (
                " s" if r.get("target_kind") == "seconds" else "")),
            met={True: "yes", False: "NO", None: "—"}[r.get("met")]))
    return rows, tm_errors


def table(rows, cols):
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in cols}
    lines = ["  ".join(c.ljust(widths[c]) for c in cols)]
    lines += ["  ".join(str(r[c]).ljust(widths[c]) for c in cols) for r in rows]
    return "\n".join(line.rstrip() for line in lines)


def slug(text):
    return re.sub(r"[^A-Za-z0-9.-]+", "_", text).strip("_")


def summarize(work, mode, budget_s):
    """The verdict: (problems, notes, phase rows, bench rows, everything for summary.json)."""
    work = Path(work)
    phases = read_phases(work)
    rc = {name: code for name, code, _ in phases}
    env = load_json(work / "env.json") or {}
    ptx = load_json(work / "ptx.json") or {}
    first = load_json(work / "first-op.json") or {}
    junit = combined_counts(junit_counts(work / "pytest-junit.xml"),
                            junit_counts(work / "limits-junit.xml"))
    found = sorted((work / "results").glob("*.json"), key=lambda p: p.stat().st_mtime)
    bench_path = str(found[-1]) if found else ""
    bench = load_json(bench_path) if bench_path else None
    problems, notes = [], []

    def why(code):
        return "stopped at its time limit" if code in (124, 137) else f"exit status {code}"

    details = {}
    v = env.get("versions", {})
    details["env"] = " · ".join(f"{k} {v[k]}" for k in ("numpy", "numba", "numba-cuda",
                                                          "cupy-cuda13x", "torch", "pytest")
                                if v.get(k)) or "no record"
    if rc.get("env", 0):
        problems.append(f"env: {why(rc['env'])} (is tensorrt_mini imported from here?)")
    for name, rec in (("ptx", ptx), ("first-op", first)):
        details[name] = rec.get("detail") or "no record"
        if rc.get(name, 0) or not rec.get("ok"):
            problems.append(f"{name}: {rec.get('detail') or why(rc.get(name, 1))}")

    probe = load_json(work / "host-probe.json") or {}
    details["host-probe"] = _probe_line(probe)
    if rc.get("host-probe", 0):
        details["host-probe"] += f" ({why(rc['host-probe'])})"
    if rc.get("limits", 0):
        problems.append(f"limits: {why(rc['limits'])}")
    checked = load_json(work / "sanitizer.json") or {}
    details["sanitizer"] = sanitizer.line(checked) if checked else "no record"
    if rc.get("sanitizer", 0) or (mode == "gpu" and not checked.get("ok")):
        problems.append(f"sanitizer: {details['sanitizer']}")
    profile = load_json(work / "ncu-profile.json") or {}
    details["profile"] = ncu_profile.line(profile) if profile else "no record"
    if rc.get("profile", 0) or profile.get("error"):  # informational: a note, not a failure
        notes.append(f"profile: {profile.get('error') or why(rc.get('profile', 1))}"[:400])

    if junit is None:
        details["tests"] = "no junit XML"
        problems.append(f"tests: no junit XML ({why(rc.get('tests', 1))})")
    else:
        details["tests"] = (f"{junit['passed']} passed, {junit['failures']} failed, "
                            f"{junit['errors']} errors, {junit['skipped']} skipped")
        if junit["failures"] or junit["errors"]:
            problems.append(f"tests: {junit['failures']} failed, {junit['errors']} errors: "
                            + ", ".join(junit["failed"][:5])
                            + (" ..." if len(junit["failed"]) > 5 else ""))
        if rc.get("tests", 0) in (124, 137) or (rc.get("tests", 0) and not junit["failed"]):
            problems.append(f"tests: pytest {why(rc['tests'])}")
        gpu = junit["gpu"]
        if mode == "gpu":
            not_run = [t for t in GPU_TESTS if gpu.get(t) != "passed"]
            details["tests"] += (f"; GPU-only tests passed: {len(GPU_TESTS) - len(not_run)}"
                                 f"/{len(GPU_TESTS)}")
            if not_run:
                problems.append("tests: the GPU-only tests did not all pass: "
                                + ", ".join(f"{t} {gpu.get(t, 'not run')}" for t in not_run))
    if bench is None:
        details["bench"] = "no results"
        problems.append(f"bench: no results JSON ({why(rc.get('bench', 1))})")
        rows, tm_errors = [], []
    else:
        rows, tm_errors = bench_rows(bench)
        details["bench"] = (f"{len(rows)} cases, {len(tm_errors)} tensorrt_mini errors; "
                            f"{sum(r['met'] == 'yes' for r in rows)} targets met, "
                            f"{sum(r['met'] == 'NO' for r in rows)} missed")
        if tm_errors:
            problems.append(f"bench: tensorrt_mini failed {len(tm_errors)} cases: "
                            + "; ".join(tm_errors[:3]))
        if bench.get("interrupted"):
            problems.append(f"bench: stopped at the time limit during {bench['interrupted']!r}")
        elif rc.get("bench", 0):
            problems.append(f"bench: {why(rc['bench'])}")
        for name, why_not in (bench.get("skipped_peers") or {}).items():
            notes.append(f"peer not run: {name}: {why_not}")
        have = {r["name"] for r in bench.get("cases", [])}
        missing = [c for c in ISSUE_CASES if c not in have]
        if missing:
            notes.append("issue-3 cases missing from the bench run: " + ", ".join(missing))
    total = sum(s for _, _, s in phases)
    if mode == "gpu" and budget_s and total > budget_s:
        notes.append(f"the check took {total:.0f} s, over its {budget_s:.0f} s budget")
    failed = {p.split(":")[0] for p in problems}
    phase_rows = [dict(phase=name, result=("note" if name in INFORMATIONAL else "FAIL")
                       if code or name in failed else "ok",
                       time=f"{sec:.0f} s", detail=details.get(name, ""))
                  for name, code, sec in phases]
    everything = dict(mode=mode, ok=not problems, problems=problems, notes=notes,
                      seconds=total, phases=[dict(name=n, rc=c, seconds=s) for n, c, s in phases],
                      env=env, ptx=ptx, first_op=first, host_probe=probe, profile=profile,
                      tests=junit,
                      bench_json=bench_path or None, bench_rows=rows,
                      gpu=(bench or {}).get("machine", {}).get("gpu") or first.get("device"))
    return problems, notes, phase_rows, rows, everything


def _probe_line(probe):
    """The host probe's figures in one line (informational: no target rides on them)."""
    if "skipped" in probe:
        return f"skipped ({probe['skipped']})"
    if "seconds" not in probe:
        return "no record"
    issue = probe.get("issue_seconds", {})
    us = " · ".join(f"{k} {v * 1e6:.1f}" + (f" (issue {issue[k] * 1e6:.1f})" if k in issue else "")
                    for k, v in probe["seconds"].items())
    checks = ", ".join(f"{k} {'right' if ok else 'WRONG'}"
                       for k, ok in probe.get("checks", {}).items())
    return f"µs per call: {us}" + (f"; {checks}" if checks else "")


def cmd_summary(args):
    problems, notes, phase_rows, rows, everything = summarize(args.work, args.mode, args.budget)
    date = time.strftime("%Y-%m-%d")
    out = Path(args.out) if args.out else None
    if out:
        out.mkdir(parents=True, exist_ok=True)
        copy_outputs(Path(args.work), out, everything, date)
        (out / "summary.json").write_text(json.dumps(everything, indent=1, default=str) + "\n")
    print()
    print(f"==== GPU check ({args.mode}{': simulator, not a GPU' if args.mode == 'sim' else ''})"
          f" · {everything['gpu'] or 'no device'} · {date} · {everything['seconds']:.0f} s ====")
    if phase_rows:
        print(table(phase_rows, ("phase", "result", "time", "detail")))
    if rows:
        print()
        print("bench: time per op (median), ratio = tensorrt_mini ÷ torch in the same run; "
              "* = issue 3's list")
        print(table(rows, ("case", "size", "tm", "torch", "ratio", "target", "met")))
    for note in notes:
        print(f"note: {note}")
    if out:
        print(f"files in {out}: " + ", ".join(sorted(p.name for p in out.iterdir())))
    if problems:
        print("RESULT: FAIL")
        for p in problems:
            print(f"  - {p}")
        return 1
    print("RESULT: PASS")
    return 0


def copy_outputs(work, out, everything, date):
    """Into $OUT (at most 8 files come back, each under 16 MiB): the pytest junit XML, ncu's
    CSV, the bench JSON and chart named with the GPU and the date, ready for bench/results/.
    gpu_check.sh adds its log and summary.json."""
    for name in ("pytest-junit.xml", "ncu-profile.csv", "sanitizer.json"):
        if (work / name).exists() and (work / name).stat().st_size < OUT_LIMIT:
            shutil.copy(work / name, out / name)
    bench = everything.get("bench_json")
    if bench and Path(bench).exists():
        stem = (f"cuda-sim-{date}" if everything["mode"] == "sim"
                else f"cuda-{slug(everything['gpu'] or 'unknown')}-{date}")
        everything["out_files"] = []
        for src in (Path(bench), Path(bench).with_suffix(".png")):
            if src.exists() and src.stat().st_size < OUT_LIMIT:
                dst = out / (stem + src.suffix)
                shutil.copy(src, dst)
                everything["out_files"].append(dst.name)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "pytest":
        return cmd_pytest(argv[1:])
    if argv and argv[0] == "bench":
        return cmd_bench(argv[1:])
    if argv and argv[0] == "tests":
        return cmd_tests(argv[1:])
    p = argparse.ArgumentParser(prog="python3 -m bench.gpu_check",
                                description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("env", "ptx", "first-op"):
        s = sub.add_parser(name)
        s.add_argument("--record", help="write the outcome as JSON here")
        s.add_argument("--mode", choices=("gpu", "sim"), default="gpu")
    s = sub.add_parser("summary")
    s.add_argument("--work", required=True)
    s.add_argument("--mode", choices=("gpu", "sim"), default="gpu")
    s.add_argument("--budget", type=float, default=None)
    s.add_argument("--out")
    args = p.parse_args(argv)
    return {"env": cmd_env, "ptx": cmd_ptx, "first-op": cmd_first_op,
            "summary": cmd_summary}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
