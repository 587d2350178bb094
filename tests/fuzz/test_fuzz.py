"""CI's share of the differential fuzzer: a fixed range of cases on cpu and on the cuda
device (Numba's simulator unless NUMBA_ENABLE_CUDASIM=0 on a GPU machine). Any
difference fails the test with the summary and every differing case as a program."""
import pytest

pytest.importorskip("torch")

import tensorrt_mini as tm  # noqa: E402

from .runner import run_case  # noqa: E402
from .summary import render, summarize  # noqa: E402

SEED = 0


def _fuzz(device, cases):
    results = [run_case(SEED, k, device) for k in range(cases)]
    failed = [r for r in results if r.differences]
    assert not failed, "\n\n".join([summarize(results)] + [render(r) for r in failed])


def test_cpu():
    _fuzz("cpu", 200)


def test_cuda():
    if not tm.cuda.is_available():
        pytest.skip("no cuda device and no simulator")
    _fuzz("cuda", 60)
