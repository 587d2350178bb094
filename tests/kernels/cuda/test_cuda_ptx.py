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


def test_kernels_with_capped_registers_assemble_without_spilling(compiled):
    # a cap (launch bounds naming blocks per SM) buys occupancy; spilling would pay it back
    sass = {k: r["sass"] for k, r in compiled["results"].items() if r["sass"] is not None}
    assert sass, "the catalog has no kernel with capped registers"
    assembled = {k: r for k, r in sass.items() if "spill_bytes" in r}
    if not assembled:
        pytest.skip(f"cannot assemble PTX here: {next(iter(sass.values()))['unavailable']}")
    unread = {k: r["unavailable"] for k, r in sass.items() if k not in assembled}
    assert not unread, unread  # assembled here, so each kernel's report should have been read
    spilled = {k: r for k, r in assembled.items() if r["spill_bytes"]}
    assert not spilled, spilled


def test_second_process_reads_cached_ptx(compiled):
    assert compiled["cache_hit_error"] is None


_FALLBACK_SCRIPT = """
import sys
from tensorrt_mini.kernels.cuda import compiler, elementwise
if sys.argv[1] == "read":  # a second process must find the file, not compile again
    def refuse(*args, **kwargs):
        raise AssertionError("compiled again")
    compiler.cuda.compile_ptx = refuse
k = elementwise.contiguous("add", "float32", "float32", (True, True), 4)
print(compiler.ptx(k, (9, 0))[0])
"""


def _fallback_run(tmp_path, mode):
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # a folder under a file cannot be made, even by root
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="0", TMPDIR=str(tmp_path / "tmp"),
               TENSORRT_MINI_PTX_CACHE=str(blocker / "ptx"))
    return subprocess.run([sys.executable, "-c", _FALLBACK_SCRIPT, mode], env=env,
                          capture_output=True, text=True, timeout=600)


def test_an_unwritable_cache_falls_back_to_a_private_temp_folder(tmp_path):
    (tmp_path / "tmp").mkdir()
    first = _fallback_run(tmp_path, "compile")
    assert first.returncode == 0, first.stderr[-4000:]
    path = first.stdout.strip()
    folder = os.path.dirname(path)
    assert folder == str(tmp_path / "tmp" / f"tensorrt_mini-ptx-{os.getuid()}")
    assert os.stat(folder).st_mode & 0o777 == 0o700
    assert ".entry" in open(path).read()
    second = _fallback_run(tmp_path, "read")
    assert second.returncode == 0, second.stderr[-4000:]
    assert second.stdout.strip() == path


def test_a_fallback_folder_others_can_write_is_refused(tmp_path):
    shared = tmp_path / "tmp" / f"tensorrt_mini-ptx-{os.getuid()}"
    shared.mkdir(parents=True)
    shared.chmod(0o777)
    run = _fallback_run(tmp_path, "compile")
    assert run.returncode != 0
    assert "is not a folder that only this user can write" in run.stderr


_USER_KERNELS_SCRIPT = """
import math
from tensorrt_mini.kernels.cuda import compiler, elementwise as ew, fused_reduce as fr
from tensorrt_mini.kernels.scalar import Body

def gelu(x):
    return 0.5 * x * (1.0 + math.tanh(0.7978845608 * (x + 0.044715 * x * x * x)))

def pair(a, b):
    return a * b + 1.0, a > b

def state(x):
    return (x, 1.0)

def combine(a, b):
    m = max(a[0], b[0])
    return (m, a[1] * math.exp(a[0] - m) + b[1] * math.exp(b[0] - m))

def post(s):
    return s[0] + math.log(s[1])

for k in [ew.contiguous(Body(gelu), "float32", "float32", (True,), 4),
          ew.tiled(Body(pair), "float32", ("float32", "bool"), (True, True), (False, True)),
          ew.strided(Body(pair), "float32", ("float32", "bool"), (True, False)),
          fr.kernel(Body(state), Body(combine), Body(post), "float32", "float32",
                    ("float32", "float32"), 1)]:
    text = open(compiler.ptx(k, (9, 0))[0]).read()
    # float32 bodies compute in float32: their literals take the compute dtype
    print(k.name.split(".")[1], ".target sm_90" in text, ".f64" in text)
"""


def test_user_kernels_compile_for_sm90_in_float32(tmp_path):
    script = tmp_path / "user_kernels.py"  # in a file: the bodies' source must be readable
    script.write_text(_USER_KERNELS_SCRIPT)
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="0", TENSORRT_MINI_PTX_CACHE=str(tmp_path))
    run = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]
    assert run.stdout.split("\n")[:4] == ["contig True False", "tiled True False",
                                          "strided True False", "__main__ True False"]


_BROKEN_BODY_SCRIPT = """
from tensorrt_mini.kernels.cuda import compiler, elementwise as ew
from tensorrt_mini.kernels.scalar import Body, BodyError

def broken(x):
    return x.no_such_attribute

try:
    compiler.ptx(ew.contiguous(Body(broken), "float32", "float32", (True,), 4), (9, 0))
except BodyError as e:
    print(e)
"""


def test_a_body_the_gpu_cannot_compile_raises_one_clear_error(tmp_path):
    script = tmp_path / "broken_body.py"
    script.write_text(_BROKEN_BODY_SCRIPT)
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="0", TENSORRT_MINI_PTX_CACHE=str(tmp_path))
    run = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-4000:]
    message = run.stdout.strip()
    assert "broken" in message and "does not compile for the GPU" in message
    assert "no_such_attribute" in message and len(message) < 800
