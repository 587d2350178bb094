"""tm.explain draws a view's layout: the marked cells, the offset, the steps and the
reading order it prints are checked against the same view built in torch over a storage
numbered 0, 1, 2, ... (so each element's value is the cell it reads)."""
import itertools
from pathlib import Path
import re
import sys

import pytest

import tensorrt_mini as tm
from tensorrt_mini.backends import cuda_runtime

needs_cuda = pytest.mark.skipif(not cuda_runtime.is_available(), reason="cuda unavailable")

# each kind of view, built the same way from a numbered (3, 4) tensor in tm and in torch
VIEWS = {
    "contiguous": lambda x: x,
    "transposed": lambda x: x.t(),
    "stepped": lambda x: x[::2, ::3],
    "sliced": lambda x: x[1:, 2:],
    "expanded": lambda x: x[1:2, 1:3].expand(4, 2),
    "unsqueezed expand": lambda x: x[:, 1].unsqueeze(1).expand(3, 5),
    "0-d": lambda x: x[2, 1],
    "size 0": lambda x: x[2:2],
    "permuted 3-d": lambda x: x.reshape(2, 3, 2).permute(2, 0, 1),
}


def numbered(lib, n=12):
    return lib.arange(n).reshape(3, 4)


def table(text):
    """The storage table's rows by label: cell, value, view, reads."""
    rows = {}
    for line in text.split("\n"):
        m = re.match(r"  (cell|value|view|reads)\s+(.*)$", line)
        if m:
            rows[m.group(1)] = m.group(2).split()
    return rows


def marks(text):
    """cell -> (mark, read count) from the table, gaps left out."""
    rows = table(text)
    reads = iter(rows.get("reads", []))
    out = {}
    for cell, mark in zip(rows["cell"], rows["view"]):
        if cell == "...":
            continue
        times = next(reads) if mark != "." and "reads" in rows else None
        out[int(cell)] = (mark, times)
    return out


def reading_order(text):
    """(elements, distinct cells, the cells listed) from the reading order line."""
    m = re.search(r"^reading order \((\d+) elements?, (\d+) cells?\): (.*)$", text, re.M)
    listed = [c if c == "..." else int(c) for c in m.group(3).split(", ")]
    return int(m.group(1)), int(m.group(2)), listed


def assert_lists_around_a_gap(listed, cells):
    """`listed` is `cells`, or its head and tail around one '...'."""
    if "..." not in listed:
        assert listed == cells
        return
    gap = listed.index("...")
    tail = len(listed) - gap - 1
    assert listed[:gap] == cells[:gap] and listed[gap + 1:] == cells[len(cells) - tail:]


def expected_marks(torch_view):
    """cell -> the index of the first element (row-major) that reads it, and how many do."""
    first, count = {}, {}
    shape = tuple(torch_view.shape)
    cells = torch_view.reshape(-1).tolist()
    for index, cell in zip(itertools.product(*map(range, shape)), cells):
        first.setdefault(cell, ",".join(map(str, index)) or "()")
        count[cell] = count.get(cell, 0) + 1
    return first, count


@pytest.mark.parametrize("kind", list(VIEWS))
def test_each_kind_of_view_matches_torchs_layout(kind):
    torch = pytest.importorskip("torch")
    view = VIEWS[kind](numbered(tm))
    ref = VIEWS[kind](numbered(torch))
    text = str(tm.explain(view))
    assert str(view.explain()) == text

    assert f"storage offset: {ref.storage_offset()}" in text
    for dim, (size, stride) in enumerate(zip(ref.shape, ref.stride())):
        assert re.search(rf"^  dim {dim} \(size {size}\): \+{stride} cells? per step", text, re.M)
    assert ("contiguous: yes" in text) == ref.is_contiguous()
    assert ("contiguous: no" in text) != ref.is_contiguous()

    first, count = expected_marks(ref)
    shown = marks(text)
    assert set(shown) == set(range(12))  # a short storage is shown whole
    for cell, (mark, times) in shown.items():
        assert mark == first.get(cell, "."), f"cell {cell}"
        if times is not None:
            assert times == f"x{count[cell]}"
    if ref.numel():
        numel, distinct, listed = reading_order(text)
        assert (numel, distinct) == (ref.numel(), len(count))
        assert_lists_around_a_gap(listed, ref.reshape(-1).tolist())
    else:
        assert "reading order: none" in text


def test_the_transpose_steps_as_the_lesson_draws_it():
    x = tm.tensor([[1, 2], [3, 4], [5, 6]])
    text = str(x.t().explain())
    assert "  dim 0 (size 2): +1 cell per step" in text
    assert "  dim 1 (size 3): +2 cells per step" in text
    assert "element [i, j] is cell 0 + 1*i + 2*j" in text
    assert "contiguous: no (a contiguous tensor of this shape would have strides (3, 1))" in text
    rows = table(text)
    assert rows["value"] == ["1", "2", "3", "4", "5", "6"]
    assert rows["view"] == ["0,0", "1,0", "0,1", "1,1", "0,2", "1,2"]


def test_a_long_storage_is_elided_within_the_width():
    torch = pytest.importorskip("torch")
    build = lambda x: x[200:900].reshape(35, 20)[::3, 5:].t()  # noqa: E731
    view, ref = build(tm.arange(1000.0)), build(torch.arange(1000))
    text = str(tm.explain(view, width=60))
    assert max(map(len, text.split("\n")[-4:])) <= 60
    assert "..." in table(text)["cell"]
    shown = marks(text)
    first, _ = expected_marks(ref)
    cells = ref.reshape(-1).tolist()
    assert {0, 999, cells[0], cells[-1]} <= set(shown)  # both ends and the view's ends
    for cell, (mark, _) in shown.items():
        assert mark == first.get(cell, ".")
    numel, distinct, listed = reading_order(text)
    assert numel == distinct == len(cells) and "..." in listed
    assert_lists_around_a_gap(listed, cells)
    values = dict(zip(table(text)["cell"], table(text)["value"]))
    assert values[str(cells[0])] == f"{cells[0]:.0f}."


def test_bool_and_float_values_are_shown():
    rows = table(str(tm.explain(tm.tensor([True, False]))))
    assert rows["value"] == ["True", "False"]
    rows = table(str(tm.explain(tm.tensor([0.5, -2.0, float("nan")]))))
    assert rows["value"] == ["0.5", "-2.", "nan"]


@needs_cuda
def test_a_cuda_view_is_drawn_from_its_values_on_the_host():
    x = tm.arange(12, device="cuda").reshape(3, 4)
    text = str(tm.explain(x[:, 1:3].t()))
    cpu_text = str(tm.explain(tm.arange(12).reshape(3, 4)[:, 1:3].t()))
    assert text == cpu_text.replace("on cpu", "on cuda:0")


def test_savefig_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    image = pytest.importorskip("matplotlib.image")
    path = tmp_path / "layout.png"
    explanation = tm.explain(tm.arange(6).reshape(2, 3).t(), savefig=str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width = image.imread(path).shape[:2]
    assert width > height > 100
    assert "dim 0 (size 3): +1 cell per step" in str(explanation)


def test_savefig_without_matplotlib_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.delitem(sys.modules, "tensorrt_mini.explainer.figure", raising=False)
    monkeypatch.delitem(sys.modules, "matplotlib.figure", raising=False)
    with pytest.raises(ImportError, match=r"matplotlib.*bench"):
        tm.explain(tm.ones(2), savefig=str(tmp_path / "x.png"))
    assert not (tmp_path / "x.png").exists()


def test_the_readme_shows_what_explain_prints():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Seeing a layout: tm.explain")[1].split("\n## ")[0]
    shown = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    x = tm.tensor([[1, 2], [3, 4], [5, 6]])
    assert shown == str(x.t().explain()) + "\n"
