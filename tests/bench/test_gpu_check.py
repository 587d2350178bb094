"""bench/gpu_check.py's verdict: what makes the GPU check fail, and what it writes to $OUT.
Synthetic phase records, junit XML and bench JSON; nothing runs on a device here."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ sits at the repo root

from bench import gpu_check  # noqa: E402
from bench.report import results_stem  # noqa: E402

GPU = "NVIDIA H100 80GB HBM3"


def junit(outcomes):
    cases = []
    for name, outcome in outcomes.items():
        inner = {"passed": "", "skipped": '<skipped message="x"/>',
                 "failed": '<failure message="boom"/>', "error": '<error message="x"/>'}[outcome]
        cases.append(f'<testcase classname="tests.backends.test_cuda_backend" name="{name}">'
                     f"{inner}</testcase>")
    return f'<testsuites><testsuite name="pytest">{"".join(cases)}</testsuite></testsuites>'


def bench_case(name, tm, torch=1e-3, error=None, met=True):
    libs = {"tensorrt_mini": {"error": error} if error else {"median_s": tm, "ratio": tm / torch},
            "torch": {"median_s": torch, "ratio": 1.0}, "cupy": {"median_s": torch}}
    return dict(name=name, size="8192²", target=1.05, target_kind="ratio",
                met=None if error else met, libs=libs)


CLEAN_SANITIZER = {"ok": True, "runs": [
    {"tool": "memcheck", "errors": 0, "rc": 0, "seconds": 80.0, "tail": []},
    {"tool": "racecheck", "errors": 0, "rc": 0, "seconds": 40.0, "tail": []}]}


def make_work(tmp_path, gpu_tests="passed", failed=(), bench_cases=None, interrupted=None,
              rc=None, sanitizer=CLEAN_SANITIZER):
    work = tmp_path / "work"
    (work / "results").mkdir(parents=True)
    rc = {"env": 0, "ptx": 0, "first-op": 0, "tests": 1 if failed else 0,
          "bench": 130 if interrupted else 0, **(rc or {})}
    (work / "phases.tsv").write_text("".join(f"{k}\t{v}\t3\n" for k, v in rc.items()))
    (work / "env.json").write_text(json.dumps({"versions": {"numpy": "2.5.2"}}))
    for name in ("ptx", "first-op"):
        (work / f"{name}.json").write_text(json.dumps({"ok": True, "detail": f"{name} fine"}))
    outcomes = {t: gpu_tests for t in gpu_check.GPU_TESTS}
    outcomes.update({"test_a": "passed", "test_sim_only": "skipped"})
    outcomes.update({t: "failed" for t in failed})
    (work / "pytest-junit.xml").write_text(junit(outcomes))
    if sanitizer is not None:
        (work / "sanitizer.json").write_text(json.dumps(sanitizer))
    cases = bench_cases if bench_cases is not None else [
        bench_case(name, 0.9e-3) for name in gpu_check.ISSUE_CASES]
    (work / "results" / "cuda-2026-11-27-without-cold_start.json").write_text(json.dumps(
        {"machine": {"gpu": GPU}, "cases": cases, "interrupted": interrupted,
         "skipped_peers": {}}))
    return work


def problems(work, mode="gpu"):
    return gpu_check.summarize(work, mode, 290)[0]


def test_a_clean_run_passes_and_fills_out(tmp_path, capsys):
    work = make_work(tmp_path)
    assert problems(work) == []
    out = tmp_path / "out"
    assert gpu_check.main(["summary", "--work", str(work), "--mode", "gpu",
                           "--out", str(out)]) == 0
    shown = capsys.readouterr().out
    assert shown.rstrip().endswith("RESULT: PASS")
    assert "* a + b.t()" in shown and "0.90" in shown  # issue 3's cases, as ratios to torch
    names = sorted(p.name for p in out.iterdir())
    assert names[0].startswith("cuda-NVIDIA_H100_80GB_HBM3-") and names[0].endswith(".json")
    assert names[1:] == ["pytest-junit.xml", "sanitizer.json", "summary.json"]
    assert json.loads((out / "summary.json").read_text())["ok"] is True


def test_gpu_only_tests_that_skip_fail_the_check_on_a_gpu(tmp_path):
    work = make_work(tmp_path, gpu_tests="skipped")
    assert any("GPU-only tests did not all pass" in p for p in problems(work))
    assert problems(work, mode="sim") == []  # in the simulator they are meant to skip


def test_failed_tests_fail_the_check_but_the_bench_is_still_reported(tmp_path, capsys):
    work = make_work(tmp_path, failed=["test_reductions[sum-0]"])
    found = problems(work)
    assert len(found) == 1 and "test_reductions[sum-0]" in found[0]
    assert gpu_check.main(["summary", "--work", str(work)]) == 1
    shown = capsys.readouterr().out
    assert "sum(0)" in shown and "RESULT: FAIL" in shown


@pytest.mark.parametrize("trouble", ["tm error", "interrupted", "no bench", "tests timed out"])
def test_what_else_fails_the_check(tmp_path, trouble):
    if trouble == "tm error":
        work = make_work(tmp_path, bench_cases=[bench_case("a + b", 0, error="wrong result")])
    elif trouble == "interrupted":
        work = make_work(tmp_path, interrupted="sum(1)")
    elif trouble == "no bench":
        work = make_work(tmp_path, bench_cases=[])
        for f in (work / "results").iterdir():
            f.unlink()
    else:
        work = make_work(tmp_path, rc={"tests": 124})
    found = problems(work)
    assert found, trouble
    if trouble == "tests timed out":
        assert "time limit" in found[0]


@pytest.mark.parametrize("record, fails_on_gpu", [
    ({"ok": False, "runs": [{"tool": "memcheck", "errors": 2, "rc": 99, "seconds": 9.0,
                             "tail": []}]}, True),
    ({"ok": False, "error": "compute-sanitizer not found"}, True),
    (None, True),
    ({"skipped": "the simulator has no GPU to check"}, True),
])
def test_sanitizer_errors_or_no_sanitizer_fail_the_check_on_a_gpu(tmp_path, record,
                                                                   fails_on_gpu):
    work = make_work(tmp_path, sanitizer=record)
    found = [p for p in problems(work) if p.startswith("sanitizer")]
    assert bool(found) == fails_on_gpu, found
    assert not [p for p in problems(work, mode="sim") if p.startswith("sanitizer")]


def test_the_limits_phase_counts_with_the_tests(tmp_path):
    work = make_work(tmp_path, gpu_tests="passed")
    (work / "limits-junit.xml").write_text(junit({"test_gpu_float32_tensor_past_int32_elements":
                                                  "failed"}))
    found = problems(work)
    assert any("test_gpu_float32_tensor_past_int32_elements" in p for p in found), found


def test_missing_issue_cases_are_noted(tmp_path):
    work = make_work(tmp_path, bench_cases=[bench_case("a + b", 1e-3)])
    notes = gpu_check.summarize(work, "gpu", 290)[1]
    assert any("sum(0)" in n for n in notes)


def test_result_names_never_collide_with_a_full_run():
    assert results_stem("cuda", "2026-11-27", False, None) == "cuda-2026-11-27"
    assert results_stem("cuda", "2026-11-27", True, None, simulated=True,
                        skip=["cold start"]) == "cuda-2026-11-27-sim-quick-without-cold_start"


def test_shards_split_the_tests_and_their_junit_merges_into_one(tmp_path):
    # a tiny suite: two kernel tests (kept together in shard 0) and five others
    (tmp_path / "tests" / "kernels").mkdir(parents=True)
    (tmp_path / "tests" / "kernels" / "test_k.py").write_text(
        "def test_k1(): pass\ndef test_k2(): pass\n")
    (tmp_path / "tests" / "test_b.py").write_text(
        "import pytest\n@pytest.mark.parametrize('i', range(5))\ndef test_b(i): assert i != 3\n")
    junit_path = tmp_path / "junit.xml"
    env = {**os.environ, "PYTHONPATH": str(gpu_check.REPO)}
    run = subprocess.run(
        [sys.executable, "-m", "bench.gpu_check", "tests", "--shards", "3",
         "--junitxml", str(junit_path), "--", "-q", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), str(tmp_path / "tests")],
        cwd=gpu_check.REPO, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr  # test_b[3] fails
    counts = gpu_check.junit_counts(junit_path)
    assert (counts["tests"], counts["passed"], counts["failures"]) == (7, 6, 1)
    assert counts["failed"] == ["tests.test_b::test_b[3]"]
    ran = {}
    for i in range(3):
        root = gpu_check.ET.parse(junit_path.with_name(f"junit-{i}.xml")).getroot()
        ran[i] = sorted(c.get("name") for c in root.iter("testcase"))
    assert ran[0] == ["test_b[0]", "test_b[3]", "test_k1", "test_k2"]
    assert ran[1] == ["test_b[1]", "test_b[4]"] and ran[2] == ["test_b[2]"]
    assert "shard 2/3: pytest exit status 0" in run.stdout


def test_a_stoppable_process_takes_the_first_signal_and_ignores_a_second():
    # `timeout` signals the whole process group and `tests` forwards the signal to its
    # shards, so a shard can get two: the second must not interrupt pytest's cleanup
    code = ("import os, signal\n"
            "from bench.gpu_check import stoppable\n"
            "stoppable()\n"
            "try:\n"
            "    os.kill(os.getpid(), signal.SIGTERM)\n"
            "except KeyboardInterrupt:\n"
            "    os.kill(os.getpid(), signal.SIGTERM)\n"
            "    print('second ignored')\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=gpu_check.REPO, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0 and run.stdout == "second ignored\n", run.stderr


def test_the_gpu_runs_only_the_cuda_tests_of_the_layer_folders():
    assert gpu_check.on_the_gpu("tests/nn/modules/test_conv.py::test_conv2d_on_cuda_matches_cpu")
    assert gpu_check.on_the_gpu("tests/optim/test_optimizer.py::test_step[cuda-sgd]")
    assert not gpu_check.on_the_gpu("tests/nn/modules/test_conv.py::test_conv2d_matches_torch")
    assert gpu_check.on_the_gpu("tests/nn/functional/test_flash_attention.py::test_values",
                                marked_cuda=True)
    # outside those folders every test runs; inside them only the test's name counts
    assert gpu_check.on_the_gpu("tests/backends/test_cuda_backend.py::test_binary")
    assert gpu_check.on_the_gpu("tests/kernels/cuda/test_reduce.py::test_sum")
    assert not gpu_check.on_the_gpu("tests/utils/data/test_cuda_pinning.py::test_page_locked")
