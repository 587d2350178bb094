"""Which pool runs the parallel kernels, when it starts, and that its settings do not leak.

Each case runs in a fresh interpreter: a process starts Numba's pool once.
"""
import os
import platform
import subprocess
import sys
import textwrap

import pytest

_PROLOGUE = """
import os, numba
import tensorrt_mini.backends.cpu_threads as pool
seen = []  # OMP_WAIT_POLICY at the moment the pool starts
_get = numba.get_num_threads
def _spy():
    seen.append(os.environ.get("OMP_WAIT_POLICY"))
    return _get()
numba.get_num_threads = _spy
"""
_PARALLEL_OP = """
import tensorrt_mini as tm
x = tm.ones(300, 300)
assert (x + x).sum().item() == 180000.0  # parallel kernels ran
"""


def _run(code, **env):
    """stdout of _PROLOGUE + code in a fresh interpreter, without the caller's settings."""
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("NUMBA_THREADING_LAYER", "OMP_WAIT_POLICY")}
    full_env.update(env)
    out = subprocess.run([sys.executable, "-c", _PROLOGUE + code],
                         env=full_env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def _report():
    return _PARALLEL_OP + 'print(numba.threading_layer(), os.environ.get("OMP_WAIT_POLICY"), seen[0])'


# tbb is a dependency on x86-64 Linux only; there its wheel's library must be found
needs_tbb = pytest.mark.skipif(not (sys.platform == "linux" and platform.machine() == "x86_64"),
                               reason="tbb is a dependency on x86-64 Linux only")


@needs_tbb
def test_tbb_runs_the_pool():
    assert _run(_report()) == ["tbb", "None", "PASSIVE"]


def test_small_ops_start_no_threads():
    assert _run(textwrap.dedent("""
        import tensorrt_mini as tm
        x = tm.ones(3, 3)
        print((x + x).sum().item())
        try:
            numba.threading_layer()
        except ValueError:
            print("no-pool")
    """)) == ["18.0", "no-pool"]


def test_without_tbb_openmp_starts_with_passive_workers_and_the_environment_is_restored():
    assert _run("pool._load_tbb = lambda: False\n" + _report()) == ["omp", "None", "PASSIVE"]


def test_the_users_settings_win():
    assert _run(_report(), NUMBA_THREADING_LAYER="workqueue") == ["workqueue", "None", "PASSIVE"]
    assert _run("numba.config.THREADING_LAYER = 'workqueue'\n" + _report())[0] == "workqueue"
    assert _run("pool._load_tbb = lambda: False\n" + _report(),
                OMP_WAIT_POLICY="ACTIVE") == ["omp", "ACTIVE", "ACTIVE"]


@needs_tbb
def test_asking_for_tbb_finds_the_wheel():
    assert _run(_report(), NUMBA_THREADING_LAYER="tbb") == ["tbb", "None", "PASSIVE"]


@needs_tbb
def test_a_forked_child_runs_parallel_kernels():
    # GNU OpenMP kills such a child; TBB does not
    assert _run(_PARALLEL_OP + textwrap.dedent("""
        pid = os.fork()
        if pid == 0:
            y = tm.ones(400, 400)
            os._exit(0 if (y * 2).sum().item() == 320000.0 else 3)
        print(os.waitpid(pid, 0)[1])
    """)) == ["0"]
