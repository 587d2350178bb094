"""Every cell of the seed lesson prints what the lesson shows.

The expected text is the lesson's own output (shared/seed/000_506051e70998a01f.txt). The
lesson's random draws were unseeded, so after a random cell the test checks the draw's
range and then writes the lesson's values into the tensor, so that every later cell must
reproduce the lesson's printed arithmetic exactly.
"""
import io
import os
import subprocess
import sys

import tensorrt_mini as tm
from tensorrt_mini.lesson import CELLS, run_cell, source

# The lesson printed 4 digits of values that had more; these round to the printed digits
# and also reproduce the printed sums (0.0776 + 0.3744 printed as 0.4521).
LESSON_TENSOR_2 = [[0.3953, 0.07763], [0.2544, 0.88504]]
LESSON_TENSOR_C = [[0.3428, 0.37444], [0.5869, 0.36964]]

EXPECTED = [
    "tensor([[1., 1.],\n        [1., 1.]])",
    "tensor([[0.3953, 0.0776],\n        [0.2544, 0.8850]])",
    "tensor([[0.3953, 0.0776],\n        [0.2544, 0.8850]])",
    "tensor([[0.3428, 0.3744],\n        [0.5869, 0.3696]])",
    "tensor([[0.7381, 0.4521],\n        [0.8413, 1.2547]])",
    "torch.Size([2, 2])",
    "tensor([[0.7381],\n        [0.4521],\n        [0.8413],\n        [1.2547]])",
    "tensor([[0.7381, 0.4521, 0.8413, 1.2547]])",
    "tensor([[1., 2.],\n        [3., 4.]])",
    "tensor(2.)",
    "tensor(4.)",
    " 1.0\n 4.0\n 2.0\n 1.0\n 3.0\n 5.0\n[torch.FloatStorage of size 6]",
    "tensor([[1, 2],\n        [3, 4],\n        [5, 6]])",
    "(2, 1)",
    "tensor([[1, 3, 5],\n        [2, 4, 6]])",
    "(1, 2)",
    "(2, 1)",
    "tensor([[ 1.,  2.,  3.,  4.,  5.],\n        [ 6.,  7.,  8.,  9., 10.]])",
    "(5, 1)",
    "tensor([[ 1.,  6.],\n        [ 2.,  7.],\n        [ 3.,  8.],\n        [ 4.,  9.],\n"
    "        [ 5., 10.]])",
    "(1, 5)",
]

# cells whose value is a fresh random draw: the name bound and the lesson's values for it
RANDOM_CELLS = {1: ("tensor_2", LESSON_TENSOR_2), 3: ("tensor_c", LESSON_TENSOR_C)}


def run_lesson(device="cpu"):
    namespace = {"tm": tm}
    for i, (_, cell) in enumerate(CELLS):
        shown = run_cell(source(cell, device), namespace)
        if i in RANDOM_CELLS:
            name, values = RANDOM_CELLS[i]
            drawn = namespace[name]
            assert drawn.shape == (2, 2) and drawn.dtype == tm.float32
            assert 0 <= drawn.min().item() and drawn.max().item() < 1
            drawn.copy_(tm.tensor(values))
            shown = repr(drawn)
        yield i, shown


def test_every_cell_prints_the_lessons_output():
    assert len(EXPECTED) == len(CELLS)
    for i, shown in run_lesson():
        assert shown == EXPECTED[i], f"cell {i}: {CELLS[i][1]!r}"


def test_walkthrough_runs_as_the_main_job():
    out = subprocess.run([sys.executable, "-m", "tensorrt_mini"], capture_output=True, text=True,
                         check=True).stdout
    assert "[torch.FloatStorage of size 6]" in out
    assert ">>> prueba_xd.t().stride()\n(1, 2)" in out


def test_main_job_without_a_usable_gpu_says_so_in_one_line():
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="0")
    run = subprocess.run([sys.executable, "-m", "tensorrt_mini", "--device", "cuda"],
                         capture_output=True, text=True, env=env)
    if run.returncode == 0:  # a machine with a GPU runs the lesson there
        assert "device='cuda:0'" in run.stdout
        return
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "device='cuda' is not available" in run.stderr


def test_walkthrough_draws_the_layout_at_the_storage_stride_and_t_cells():
    from tensorrt_mini.__main__ import walkthrough
    out = io.StringIO()
    walkthrough("cpu", out=out)
    text = out.getvalue()
    # each cell's own output is unchanged, and the pictures follow the three cells, framed
    storage = "[torch.FloatStorage of size 6]\n  +-- tm.explain(prueba_storage) --"
    stride = ">>> prueba_xd.stride()\n(2, 1)\n  +-- tm.explain(prueba_xd) --"
    transpose = ("tensor([[1, 3, 5],\n        [2, 4, 6]])\n  +-- tm.explain(prueba_xd.t()) --")
    for block in (storage, stride, transpose):
        assert block in text
    assert text.count("+-- tm.explain(") == 3
    picture = text.split("+-- tm.explain(prueba_xd.t()) ")[1].split("\n  +---")[0]
    assert "\n  |   dim 1 (size 3): +2 cells per step" in picture
    assert "\n  |   view  0,0 1,0 0,1 1,1 0,2 1,2" in picture
    assert ">>> prueba_xd.t().stride()\n(1, 2)\n>>>" in text  # the next cell follows as before
    assert max(map(len, text.split("\n"))) <= 80
