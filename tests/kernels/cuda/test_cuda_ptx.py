"""Every kernel in cuda_ptx_catalog compiles to PTX for compute capability 9.0 (no GPU needed).

One worker process compiles the whole catalog (on all CPUs) without the simulator; its
PTX cache lives in pytest's cache folder, so a rerun with unchanged kernels reads the
files back instead of compiling (`pytest --cache-clear` compiles everything again). The
cache key includes the kernels' source text, so edited kernels always recompile.
"""
import importlib.util
import json
import os
import subprocess
import sys

import pytest

import cuda_ptx_catalog

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("numba_cuda") is None or importlib.util.find_spec("cuda") is None,
    reason="numba-cuda's compiler is not installed (pip install tensorrt_mini[cuda])")

WORKER = os.path.join(os.path.dirname(__file__), "ptx_worker.py")
ENTRIES = cuda_ptx_catalog.entries()


@pytest.fixture(scope="session")
def compiled(request, tmp_path_factory):
    cache = getattr(request.config, "cache", None)  # absent with -p no:cacheprovider
    folder = cache.mkdir("tensorrt_mini_ptx") if cache else tmp_path_factory.mktemp("ptx")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="0", TENSORRT_MINI_PTX_CACHE=str(folder))
    run = subprocess.run([sys.executable, WORKER], env=env, capture_output=True, text=True,
                         timeout=1800)
    assert run.returncode == 0, run.stderr[-4000:]
    report = json.loads(run.stdout)
    print(f"\nPTX: {len(report['results'])} kernels in {report['wall_seconds']:.1f} s "
          f"on {report['workers']} processes")
    return report


@pytest.mark.parametrize("key", [e[0] for e in ENTRIES])
def test_compiles_for_sm90(compiled, key):
    assert compiled["results"][key]["error"] is None, compiled["results"][key]["error"]


def test_second_process_reads_cached_ptx(compiled):
    assert compiled["cache_hit_error"] is None


def test_an_unwritable_cache_falls_back_to_the_temp_folder(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # a folder under a file cannot be made, even by root
    script = ("from tensorrt_mini.kernels.cuda import compiler, elementwise\n"
              "k = elementwise.contiguous('add', 'float32', 'float32', (True, True, False), 4)\n"
              "print(compiler.ptx(k, (9, 0))[0])")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="0", TMPDIR=str(tmp_path / "tmp"),
               TENSORRT_MINI_PTX_CACHE=str(blocker / "ptx"))
    (tmp_path / "tmp").mkdir()
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]
    path = run.stdout.strip()
    assert path.startswith(str(tmp_path / "tmp" / "tensorrt_mini-ptx-"))
    assert ".entry" in open(path).read()
