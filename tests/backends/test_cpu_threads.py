"""Which pool runs the parallel kernels, and that its settings do not leak."""
import os
import subprocess
import sys
import textwrap


def _run(code, **env):
    """Run code in a fresh interpreter (a pool starts once per process); its stdout."""
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("NUMBA_THREADING_LAYER", "OMP_WAIT_POLICY")}
    full_env.update(env)
    prologue = textwrap.dedent("""
        import os, numba
        import tensorrt_mini.backends.cpu_threads as pool
    """)
    epilogue = textwrap.dedent("""
        import tensorrt_mini as tm
        x = tm.ones(300, 300)
        assert (x + x).sum().item() == 180000.0  # a parallel kernel ran
        print(numba.threading_layer(), os.environ.get("OMP_WAIT_POLICY"))
    """)
    out = subprocess.run([sys.executable, "-c", prologue + textwrap.dedent(code) + epilogue],
                         env=full_env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def _loads(lib):
    """Whether a fresh process can load lib (checked apart: loading it here would make
    every later lookup in this process succeed)."""
    code = f"import ctypes; ctypes.CDLL({lib!r})"
    return subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_tbb_is_the_pool_when_installed():
    installed = _loads(os.path.join(sys.prefix, "lib", "libtbb.so.12")) or _loads("libtbb.so.12")
    assert _run("") == ["tbb" if installed else "omp", "None"]


def test_without_tbb_openmp_runs_and_the_environment_is_restored():
    assert _run("pool._load_tbb = lambda: False") == ["omp", "None"]


def test_an_unusable_tbb_falls_back_to_the_default_layer():
    # claims TBB loaded without loading it: unless the loader finds libtbb on its own
    # path, Numba's TBB layer fails to start and the pool falls back to OpenMP
    expected = "tbb" if _loads("libtbb.so.12") else "omp"
    assert _run("pool._load_tbb = lambda: True") == [expected, "None"]


def test_the_users_settings_win():
    assert _run("", NUMBA_THREADING_LAYER="workqueue") == ["workqueue", "None"]
    assert _run("pool._load_tbb = lambda: False", OMP_WAIT_POLICY="ACTIVE") == ["omp", "ACTIVE"]
