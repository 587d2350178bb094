"""The op sweep runs end to end at tiny sizes (so it cannot rot), every op it registers
agrees with torch there, and ops join it by registration."""
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # bench/ sits at the repo root

from bench.sweep import first_call, registry  # noqa: E402
from bench.sweep.__main__ import main  # noqa: E402
from bench.sweep.run import Case, cases  # noqa: E402
from tensorrt_mini.kernels import catalog  # noqa: E402

torch = pytest.importorskip("torch")


def _run(tmp_path, *args):
    assert main(["--quick", "--sizes", "4", "--results-dir", str(tmp_path), *args]) == 0
    (path,) = tmp_path.glob("sweep-cpu-*.json")
    return json.loads(path.read_text())


def test_every_op_runs_and_agrees_with_torch(tmp_path):
    result = _run(tmp_path)
    problems = [(c["op"], c["layout"], c["dtype"], c.get("error") or c["libs"])
                for c in result["cases"] if "ratio" not in c]
    assert not problems
    ops = {c["op"] for c in result["cases"]}
    assert ops == set(registry.all_ops())
    assert "| op | layout | dtype | 2^4 | worst |" in result["markdown"]
    assert result["verdicts"]["median"]["figure"] > 0


def test_every_public_catalog_op_is_swept():
    ops = registry.all_ops()
    swept = set(ops) | {op.covers for op in ops.values()}
    missing = [op.name for op in catalog.OPS.values() if op.public and op.name not in swept]
    assert not missing


def test_an_op_joins_by_registration(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "OPS", dict(registry.OPS))
    registry.register("a - a.mean()", "test", forms=("1d",))(
        lambda xp, a: (lambda: a - a.mean()))
    result = _run(tmp_path, "--only", "a - a.mean()")
    assert [(c["op"], c["shape"]) for c in result["cases"]] == [("a - a.mean()", [16])]
    assert "ratio" in result["cases"][0]


def test_wrong_results_are_reported_not_timed(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "OPS", dict(registry.OPS))
    registry.register("wrong", "test", forms=("1d",))(
        lambda xp, a: (lambda: a + 1 if xp.__name__ == "tensorrt_mini" else a))
    (case,) = _run(tmp_path, "--only", "wrong")["cases"]
    assert case["libs"]["tensorrt_mini"]["error"].startswith("wrong result")
    assert "ratio" not in case


def test_cases_cover_forms_dtypes_and_transposed_reads():
    add = registry.all_ops()["add"]
    got = {(c.form, c.exp, c.dtype, c.transposed) for c in cases([add], (10, 14))}
    assert (("2d", 10, "float32", True) in got and ("1d", 14, "int64", False) in got
            and not any(form == "1d" and t for form, _, _, t in got))
    assert Case(add, "2d", 14, "float32", False).shape == (128, 128)
    assert Case(add, "1d", 10, "float32", False).shape == (1024,)


def test_first_call_is_timed_cold_then_warm():
    result = first_call.measure(registry.all_ops()["neg"])
    assert set(result) == {"cold", "warm"}
    for state in result.values():
        assert set(state) == {"import_s", "large_s", "small_s"}, state
    # the warm process loads what the cold one compiled
    assert result["warm"]["small_s"] < result["cold"]["small_s"]
