"""bench/ncu_profile.py without a GPU or ncu: reading ncu's raw CSV, naming each kernel by
the case that launched it, and how the GPU check reports the profile (never as a failure)."""
import json
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/ sits at the repo root

from bench import gpu_check, ncu_profile  # noqa: E402

HEAD = ('"ID","Process ID","Process Name","Host Name","Kernel Name","Context","Stream",'
        '"Block Size","Grid Size","Device","CC",' + ",".join(f'"{m}"' for m in ncu_profile.METRICS))
UNITS = '"","","","","","","","","","","",' + ",".join(
    f'"{u}"' for u in ("nsecond", "byte/second", "%", "%", "%", "register/thread", "block"))


def kernel_row(i, name, time_ns, rate, regs):
    values = (time_ns, rate, "71.5", "66.1", "75", regs, "6")
    return (f'"{i}","4242","python3","127.0.0.1","{name}","1","7","(32, 8, 1)","(256, 256, 1)",'
            '"0","9.0",' + ",".join(f'"{v}"' for v in values))


CSV = "\n".join([
    "==PROF== Connected to process 4242 (/usr/bin/python3)",
    HEAD, UNITS,
    kernel_row(0, "kernel(float*, float*, float, long)", "483,520", "1,668,000,000,000", "40"),
    kernel_row(1, "kernel(float*, float)", "2,144", "9.1e9", "48"),
    "==PROF== Disconnected from process 4242"])


def test_parse_reads_each_kernels_metrics_in_base_units():
    kernels = ncu_profile.parse(CSV)
    assert [k["kernel"] for k in kernels] == ["kernel(float*, float*, float, long)",
                                              "kernel(float*, float)"]
    first = kernels[0]["metrics"]
    assert first["time"] == 483520 and first["dram_rate"] == 1.668e12
    assert first["registers"] == 40 and first["theoretical_occupancy_pct"] == 75
    assert kernels[0]["units"]["time"] == "nsecond"
    assert kernels[1]["metrics"]["dram_rate"] == 9.1e9


def test_parse_finds_nothing_in_output_without_a_table():
    assert ncu_profile.parse("==ERROR== the profiler could not start\n") == []


def test_without_ncu_the_record_says_so(monkeypatch, tmp_path):
    monkeypatch.setattr(ncu_profile, "find_ncu", lambda: None)
    record = tmp_path / "ncu-profile.json"
    assert ncu_profile.main(["--record", str(record)]) == 0
    assert "ncu not found" in json.loads(record.read_text())["skipped"]


class FakeNcu:
    """subprocess.Popen for ncu: writes the launches file as `kernels FILE` would, and
    prints CSV."""
    launches = []

    def __init__(self, command, **kwargs):
        Path(command[-1]).write_text(json.dumps(self.launches))
        self.returncode, self.pid = 0, -1

    def communicate(self, timeout=None):
        return CSV, ""


def test_no_time_left_skips_the_profile(monkeypatch, tmp_path):
    monkeypatch.setattr(ncu_profile, "find_ncu", lambda: "/opt/ncu")
    monkeypatch.setattr(ncu_profile, "profile", lambda *a: pytest.fail("profiled anyway"))
    record = tmp_path / "ncu-profile.json"
    assert ncu_profile.main(["--record", str(record), "--timeout", "-7"]) == 0
    assert json.loads(record.read_text()) == {"skipped": "-7 s left in the GPU check's budget"}


def test_the_kernels_are_named_by_the_case_that_launched_them(monkeypatch, tmp_path):
    record = tmp_path / "ncu-profile.json"
    launches = [["a + b.t()", "ew.tiled.add"], ["a + b (1024,)", "ew.contig.add"]]
    monkeypatch.setattr(FakeNcu, "launches", launches)
    monkeypatch.setattr(ncu_profile, "find_ncu", lambda: "/opt/ncu")
    monkeypatch.setattr(ncu_profile.subprocess, "Popen", FakeNcu)
    rec = ncu_profile.profile(record, 5)
    assert "error" not in rec
    assert [(k["case"], k["name"]) for k in rec["kernels"]] == [tuple(x) for x in launches]
    assert Path(rec["csv"]).read_text() == CSV
    line = ncu_profile.line(rec)
    assert line.startswith("a + b.t() (ew.tiled.add): 4.835e+05 nsecond, 1.668e+12 byte/second")
    assert "occupancy 66%, theoretical 75%, 40 registers" in line


def test_a_launch_count_that_disagrees_with_ncu_is_reported(monkeypatch, tmp_path):
    monkeypatch.setattr(FakeNcu, "launches", [["sum(1)", "reduce.rows"]])
    monkeypatch.setattr(ncu_profile, "find_ncu", lambda: "/opt/ncu")
    monkeypatch.setattr(ncu_profile.subprocess, "Popen", FakeNcu)
    rec = ncu_profile.profile(tmp_path / "p.json", 5)
    assert "2 kernels read, 1 launched" in rec["error"]


def test_a_profiler_past_its_time_is_stopped_with_the_program_it_runs(monkeypatch, tmp_path):
    pidfile = tmp_path / "child.pid"
    ncu = tmp_path / "ncu"  # starts a program of its own and waits for it, as ncu does
    ncu.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > {pidfile}\nwait\n")
    ncu.chmod(0o755)
    monkeypatch.setattr(ncu_profile, "find_ncu", lambda: str(ncu))
    start = time.monotonic()
    rec = ncu_profile.profile(tmp_path / "p.json", 1)
    assert "did not finish in 1 s" in rec["error"] and time.monotonic() - start < 30
    child = Path(f"/proc/{int(pidfile.read_text())}/stat")
    for _ in range(100):
        # gone, or a zombie (killed, and left for an init that may never reap it)
        if not child.exists() or child.read_text().rsplit(")", 1)[1].split()[0] == "Z":
            break
        time.sleep(0.05)
    else:
        pytest.fail("the program ncu ran outlived the timeout")


def test_the_check_notes_a_failed_profile_without_failing(tmp_path):
    (tmp_path / "phases.tsv").write_text("profile\t1\t3\n")
    (tmp_path / "ncu-profile.json").write_text(json.dumps({"error": "ncu exit status 1"}))
    problems, notes, phase_rows, _, everything = gpu_check.summarize(tmp_path, "gpu", 290)
    assert not [p for p in problems if "profile" in p]  # the other phases' records are absent
    assert "profile: ncu exit status 1" in notes
    assert everything["profile"] == {"error": "ncu exit status 1"}
