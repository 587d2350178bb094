"""bench/host_probe.py without a GPU: the parameter block a driver launch would take, the
fake-CuPy timing of tensorrt_mini's own share, and how the GPU check reports the probe."""
import ctypes
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ sits at the repo root

from bench import gpu_check, host_probe  # noqa: E402


def test_packed_parameters_point_at_each_argument_in_its_own_width():
    args = [0x7F00_0000_1000, -3, np.float32(1.5), np.float64(-2.25), np.int32(7)]
    values, params = host_probe._packed(np, args)
    # cuLaunchKernel reads argument i from params[i], in the parameter's own width
    assert ctypes.c_uint64.from_address(int(params[0])).value == 0x7F00_0000_1000
    assert ctypes.c_int64.from_address(int(params[1])).value == -3
    assert ctypes.c_float.from_address(int(params[2])).value == 1.5
    assert ctypes.c_double.from_address(int(params[3])).value == -2.25
    assert ctypes.c_int32.from_address(int(params[4])).value == 7
    assert values.nbytes == 8 * len(args)


def test_fake_cupy_times_every_row(tmp_path):
    record = tmp_path / "probe.json"
    # a fresh process: the fake replaces the cuda runtime for the whole interpreter
    run = subprocess.run([sys.executable, "-m", "bench.host_probe", "--fake-cupy", "--n", "64",
                          "--record", str(record)], cwd=Path(__file__).resolve().parents[2],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    seconds = json.loads(record.read_text())["seconds"]
    assert set(seconds) == {"tm a + b, GPU path, CuPy faked", "tm a * b + c, GPU path, CuPy faked",
                            "tm a + b on the cpu, (2, 2)"}
    assert all(0 < t < 1e-3 for t in seconds.values())


def test_the_summary_reports_the_probe_without_failing_on_it(tmp_path):
    assert gpu_check._probe_line({}) == "no record"
    assert gpu_check._probe_line({"skipped": "simulator"}) == "skipped (simulator)"
    line = gpu_check._probe_line({"seconds": {"torch a + b": 6.5e-6, "tm a + b": 8.3e-6},
                                  "checks": {"driver.launchKernel": False}})
    assert line == "µs per call: torch a + b 6.5 · tm a + b 8.3; driver.launchKernel WRONG"


def test_the_probe_line_gives_the_issue_time_where_recorded():
    line = gpu_check._probe_line({"seconds": {"torch a + b": 7.5e-6, "tm a + b": 8.3e-6},
                                  "issue_seconds": {"tm a + b": 6.1e-6}})
    assert line == "µs per call: torch a + b 7.5 · tm a + b 8.3 (issue 6.1)"


def test_the_timer_tells_issue_from_total():
    # a "device" that finishes its queued work only at the synchronise
    queued = []
    timer = host_probe._timer(lambda: (time.sleep(0.001 * len(queued)), queued.clear()), 10)
    issue, total = timer(lambda: queued.append(1))
    assert issue < 1e-3 < total


def test_launches_of_lists_each_launch_of_an_op_and_puts_the_launch_back():
    import tensorrt_mini as tm
    from tensorrt_mini.backends import cuda_runtime
    if not cuda_runtime.is_available():
        import pytest
        pytest.skip(f"cuda unavailable: {cuda_runtime.unavailable()}")
    rt = cuda_runtime.runtime()
    a = tm.ones(2, 3, device="cuda")
    launched = host_probe.launches_of(rt, lambda: (a + a, a.t() * 2))
    assert [k.name.split(".")[:3] for k, *_ in launched] == [["ew", "contig", "add"],
                                                             ["ew", "contig", "mul"]]
    assert "launch" not in vars(rt)  # the class's method again
