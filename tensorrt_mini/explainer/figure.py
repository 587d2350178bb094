"""tm.explain's picture as a PNG: the same header and storage cells as the text, drawn
with matplotlib, with an arrow for one step along each dimension."""
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from .text import column

READ = "#9ecae1"  # cells the view reads
UNREAD = "white"
INCH_PER_UNIT = 0.45  # vertically: a cell is one unit high
LINE = 0.55  # units between header lines
ARROWS_FROM = 1.85  # the arrows start above the marks and the read counts
STEP_RISE = 0.45  # each dimension's arrow runs this much higher than the last one's


def save(explanation, path):
    vm, columns = explanation.map, explanation.columns
    lines = [*explanation.header, "storage:"]
    top = ARROWS_FROM + STEP_RISE * (len(vm.shape) + 1)  # room above the cells for the arrows
    height = top + LINE * len(lines) + 1.5  # in data units: a cell is 1 x 1
    fig = Figure(figsize=(max(7.0, 0.75 * len(columns) + 1.0), INCH_PER_UNIT * height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-1.0, len(columns) + 0.5)
    ax.set_ylim(-1.0, height - 1.0)
    ax.axis("off")
    for row, line in enumerate(lines):
        ax.text(-0.9, top + LINE * (len(lines) - row), line, family="monospace", fontsize=9,
                va="center")
    for x, cell in enumerate(columns):
        draw_column(ax, vm, x, cell)
    draw_steps(ax, vm, columns)
    fig.savefig(path, format="png", dpi=100)


def draw_column(ax, vm, x, cell):
    index, value, mark, reads = column(vm, cell)
    if cell is None:
        ax.text(x + 0.5, 0.5, "...", ha="center", va="center")
        return
    ax.add_patch(Rectangle((x, 0), 1, 1, facecolor=READ if mark != "." else UNREAD,
                           edgecolor="black"))
    ax.text(x + 0.5, 0.5, value, ha="center", va="center", fontsize=9)
    ax.text(x + 0.5, -0.35, index, ha="center", va="center", fontsize=8, color="gray")
    if mark != ".":
        ax.text(x + 0.5, 1.25, f"[{mark}]", ha="center", va="center", fontsize=8)
    if reads and reads != "x1":
        ax.text(x + 0.5, 1.6, reads, ha="center", va="center", fontsize=8, color="gray")


def draw_steps(ax, vm, columns):
    """From the first element's cell, one step along each dimension, where both cells
    are drawn and the step moves."""
    if not vm.numel:
        return
    where = {cell: x for x, cell in enumerate(columns) if cell is not None}
    for dim, (size, stride) in enumerate(zip(vm.shape, vm.strides)):
        start, end = vm.offset, vm.offset + stride
        if size < 2 or stride == 0 or start not in where or end not in where:
            continue
        x0, x1 = where[start] + 0.5, where[end] + 0.5
        rise = STEP_RISE * (dim + 1)
        arm = rise * INCH_PER_UNIT * 72  # matplotlib's arms are in points
        ax.add_patch(FancyArrowPatch(
            (x0, ARROWS_FROM), (x1, ARROWS_FROM), arrowstyle="-|>", mutation_scale=12,
            color=f"C{dim}", shrinkA=0, shrinkB=0,
            connectionstyle=f"arc,angleA=90,angleB=90,armA={arm:.1f},armB={arm:.1f},rad=0"))
        ax.text(x1 + 0.1, ARROWS_FROM + rise, f"dim {dim}: +{stride}", ha="left",
                va="center", fontsize=8, color=f"C{dim}")
