"""`python -m tensorrt_mini warmup`: what it compiles, a later process loads without
compiling anything."""
import os
import subprocess
import sys

import pytest

from tensorrt_mini import warmup

# A child that runs the training family's workload and prints how many kernels Numba
# compiled meanwhile (Numba's "numba:compile" event fires only when it compiles: a kernel
# loaded from the disk cache does not fire it), then how many one op outside the family
# compiled (so the count is seen to work).
COUNT_COMPILES = """
from numba.core import event
compiled = []
class Count(event.Listener):
    def on_start(self, e):
        compiled.append(e.data["dispatcher"].py_func.__qualname__)
    def on_end(self, e):
        pass
event.register("numba:compile", Count())
from tensorrt_mini import warmup
warmup.compile_family("training")
print(len(compiled), sorted(set(compiled)))
compiled.clear()
import tensorrt_mini as tm
tm.tensor([0.5, -0.25], dtype=tm.float64).erfinv()
print(len(compiled))
"""


def _run(args, cache):
    env = dict(os.environ, TENSORRT_MINI_CACHE=str(cache),
               NUMBA_CACHE_DIR=str(cache / "numba"))
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True,
                          timeout=600)


def test_a_warmed_family_loads_from_the_cache_without_compiling(tmp_path):
    warmed = _run(["-m", "tensorrt_mini", "warmup", "--family", "training", "--jobs", "1"],
                  tmp_path / "warm")
    assert warmed.returncode == 0, warmed.stderr
    assert "kernels compiled into the caches" in warmed.stdout
    after = _run(["-c", COUNT_COMPILES], tmp_path / "warm")
    assert after.returncode == 0, after.stderr
    family, outside = after.stdout.splitlines()
    assert family.startswith("0 "), family
    assert int(outside) > 0  # an op the warmup did not run compiles: the count works


def test_an_unknown_family_is_refused_with_the_names(capsys):
    from tensorrt_mini.__main__ import main
    with pytest.raises(ValueError, match="no such warmup family: conv; there are reductions"):
        warmup.run(families=["conv"])
    with pytest.raises(SystemExit) as stop:
        main(["warmup", "--family", "conv"])
    assert stop.value.code == 2
    assert "--family: invalid choice: 'conv'" in capsys.readouterr().err


@pytest.mark.parametrize("family", [name for name, exprs in warmup.FAMILIES.items()
                                    if isinstance(exprs, list)])
def test_every_expression_runs(family):
    """Each family's workload runs at a tiny size (a typo would only show in warmup)."""
    names = warmup.workload((3, 3))
    for expr in warmup.FAMILIES[family]:
        eval(expr, names)


def test_warmup_options_without_the_command_are_refused(capsys):
    from tensorrt_mini.__main__ import main
    with pytest.raises(SystemExit) as stop:
        main(["--jobs", "2"])
    assert stop.value.code == 2
    assert "--jobs and --family go with the warmup command" in capsys.readouterr().err
