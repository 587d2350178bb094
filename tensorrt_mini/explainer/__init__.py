"""`tm.explain(t)` and `t.explain()`: a picture of how a tensor views its storage (the
storage cells with the view's elements marked, the storage offset, the strides as steps,
the order the view reads its cells in, and whether it is contiguous), as text and,
with `savefig=`, as a PNG."""
from .text import LEGEND, header_lines, storage_table
from .view_map import ViewMap


class Explanation:
    """What tm.explain returns: it prints as its picture."""

    def __init__(self, t, width):
        self.map = ViewMap(t)
        self.header = header_lines(self.map, width)
        self.columns, self.table = storage_table(self.map, width)

    def __str__(self):
        return "\n".join([*self.header, LEGEND, *self.table])

    __repr__ = __str__


def explain(input, savefig=None, width=80):
    """The layout of `input` over its storage, printable, at most `width` characters wide;
    with savefig="file.png" the same picture is also written as a PNG (needs matplotlib)."""
    explanation = Explanation(input, width)
    if savefig is not None:
        save_png(explanation, savefig)
    return explanation


def save_png(explanation, path):
    # matplotlib is optional (the `bench` extra): imported only when a PNG is asked for
    try:
        from .figure import save
    except ImportError as e:
        if not (e.name or "").startswith("matplotlib"):
            raise
        raise ImportError("tm.explain(..., savefig=...) draws the PNG with matplotlib, which "
                          "is not installed: pip install matplotlib (or the `bench` extra, "
                          "tensorrt_mini[bench])") from e
    save(explanation, path)
