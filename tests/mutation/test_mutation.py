"""tests/mutation: the mutants of small modules, and a whole run on one in tmp_path."""
import ast
import json
import subprocess
import textwrap
from pathlib import Path

from mutation.__main__ import main
from mutation.operators import mutants
from mutation.targets import choose, mirror_tests

ROOT = Path(__file__).resolve().parents[2]

CLAMP = textwrap.dedent('''\
    """Clamping; 1 + 2 in a docstring stays as it is."""
    from typing import Literal

    LIMIT = 2
    __all__ = ["clamp"] + ["LIMIT"]


    def clamp(x, lo: Literal[0] = 0):
        if x < lo:
            return lo
        return x
    ''')
# (line, operator) of CLAMP's mutants: none in the docstring, annotation or __all__
CLAMP_MUTANTS = {(4, "number 2 -> 3"), (8, "number 0 -> 1"), (9, "negate if"),
                 (9, "compare < -> <="), (10, "return None"), (11, "return None")}


def test_operators():
    source = textwrap.dedent('''\
        def f(a, b):
            a *= 1
            if a is None or not b in (2, 3):
                raise ValueError(
                    f"{a + 1}")
            return a % b, True
        ''')
    found = {(m.line, m.col, m.operator): m.after for m in mutants("f.py", source)}
    assert found == {
        (2, 7, "arithmetic *= -> /="): "a /= 1",
        (2, 7, "arithmetic *= -> //="): "a //= 1",
        (2, 10, "number 1 -> 0"): "a *= 0",
        (3, 8, "negate if"): "if not (a is None or not b in (2, 3)):",
        (3, 10, "compare is -> is not"): "if a is not None or not b in (2, 3):",
        (3, 18, "boolean or -> and"): "if a is None and not b in (2, 3):",
        (3, 21, "remove not"): "if a is None or b in (2, 3):",
        (3, 27, "compare in -> not in"): "if a is None or not b not in (2, 3):",
        (3, 31, "number 2 -> 3"): "if a is None or not b in (3, 3):",
        (3, 34, "number 3 -> 4"): "if a is None or not b in (2, 4):",
        (4, 9, "delete raise"): "pass",     # and the f-string's a + 1 is left alone
        (6, 12, "return None"): "return None",
        (6, 14, "arithmetic % -> //"): "return a // b, True",
        (6, 19, "boolean True -> False"): "return a % b, False",
    }


def test_mutants_parse_and_keep_their_lines():
    text = (ROOT / "tensorrt_mini/dtypes.py").read_text()
    for mutant in mutants("tensorrt_mini/dtypes.py", text):
        mutated = mutant.apply(text)
        ast.parse(mutated)
        assert mutated.count("\n") == text.count("\n"), mutant.diff
    assert {(m.line, m.operator) for m in mutants("clamp.py", CLAMP)} == CLAMP_MUTANTS


def test_choose_is_reproducible():
    found = mutants("clamp.py", CLAMP)
    assert choose(found, 3, seed=1) == choose(found, 3, seed=1)
    picked = choose(found, 3, seed=1)
    assert len(picked) == 3 and picked == [m for m in found if m in picked]
    assert choose(found, limit=2) == found[:2] and choose(found, 100) == found


def test_mirror_tests(tmp_path):
    """On a tree of its own: the repository's test files come and go."""
    for name in ("tensorrt_mini/ops/indexing.py", "tests/ops/test_indexing.py",
                 "tests/ops/test_indexing_mutants.py", "tensorrt_mini/layout.py",
                 "tests/test_layout.py", "kernels/cpu/optim.py",
                 "tests/kernels/cpu/test_optim_kernels.py", "tensorrt_mini/backends/cpu.py",
                 "tensorrt_mini/backends/cpu_threads.py", "tests/backends/test_cpu_threads.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    assert mirror_tests(tmp_path, "tensorrt_mini/ops/indexing.py") == [
        "tests/ops/test_indexing.py", "tests/ops/test_indexing_mutants.py"]
    assert mirror_tests(tmp_path, "tensorrt_mini/layout.py") == ["tests/test_layout.py"]
    assert mirror_tests(tmp_path, "kernels/cpu/optim.py") == [
        "tests/kernels/cpu/test_optim_kernels.py"]
    # test_cpu_threads.py belongs to cpu_threads.py, not to cpu.py
    assert mirror_tests(tmp_path, "tensorrt_mini/backends/cpu.py") == []


def test_a_run(tmp_path, monkeypatch, capsys):
    (tmp_path / "clamp.py").write_text(CLAMP)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_clamp.py").write_text(
        "from clamp import clamp\n\n\ndef test_clamp():\n    assert clamp(-1) == 0\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    monkeypatch.chdir(tmp_path)
    # the first two mutants: one the test misses, one it kills
    main(["clamp.py", "--limit", "2", "--jobs", "2", "--json", str(tmp_path / "result.json")])
    result = json.loads((tmp_path / "result.json").read_text())
    assert {(m["line"], m["operator"]): m["status"] for m in result["mutants"]} == {
        (4, "number 2 -> 3"): "survived", (8, "number 0 -> 1"): "killed"}
    assert result["all"] == {"total": 2, "killed": 1, "timeout": 0, "survived": 1, "score": 0.5}
    assert "clamp.py:4:9 (number 2 -> 3)  LIMIT = 2  =>  LIMIT = 3" in capsys.readouterr().out
    assert (tmp_path / "clamp.py").read_text() == CLAMP  # the checkout is never mutated
