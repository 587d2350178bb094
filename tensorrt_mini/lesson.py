"""The seed lesson's cells, runnable on any device.

Each cell is the lesson's code with `torch` replaced by `tm`; `{dev}` marks where the
walkthrough passes the chosen device. A cell's last line is an expression whose value is
printed, as a notebook does.
"""

CELLS = [
    ("Creation", "tensor_1 = tm.ones(2, 2{dev})\ntensor_1"),
    ("Creation", "tensor_2 = tm.Tensor(2, 2{dev})\ntensor_2.uniform_(0, 1)"),
    ("Creation", "tensor_2"),
    ("Creation", "tensor_c = tm.rand(2, 2{dev})\ntensor_c"),
    ("Arithmetic", "result = tensor_2 + tensor_c\nresult"),
    ("Shape", "# the shape of the tensor\nresult.shape"),
    ("Views", "reshaped = result.view(4, 1)\nreshaped"),
    ("Views", "reshaped2 = result.view(1, 4)\nreshaped2"),
    ("Indexing", "points = tm.tensor([[1.0, 2.0], [3.0, 4.0]]{dev})\npoints"),
    ("Indexing", "points[0][1]"),
    ("Indexing", "points[1][1]"),
    ("Storage", "prueba_storage = tm.tensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]]{dev})\n"
                "prueba_storage.storage()"),
    ("Strides", "prueba_xd = tm.tensor([[1, 2], [3, 4], [5, 6]]{dev})\nprueba_xd"),
    ("Strides", "prueba_xd.stride()"),
    ("Strides", "prueba_xd.t()"),
    ("Strides", "prueba_xd.t().stride()"),
    ("Strides", "points.stride()"),
    ("Strides", "prueba_stride = tm.Tensor([[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]{dev})\nprueba_stride"),
    ("Strides", "prueba_stride.stride()"),
    ("Strides", "tr_prueba_stride = prueba_stride.t()\ntr_prueba_stride"),
    ("Strides", "tr_prueba_stride.stride()"),
]

# After these cells (named by their last line) the walkthrough also draws a view's layout
# with tm.explain: the storage, the strides, and the transpose over the same storage.
EXPLAINED = {
    "prueba_storage.storage()": "prueba_storage",
    "prueba_xd.stride()": "prueba_xd",
    "prueba_xd.t()": "prueba_xd.t()",
}
EXPLAIN_INDENT = "  | "


def source(cell, device):
    """A cell's code for `device`; cpu needs no argument, as in the lesson."""
    dev = "" if device == "cpu" else f", device={device!r}"
    return cell.format(dev=dev)


def run_cell(code, namespace):
    """Execute a cell and return the repr of its last expression (None for statements)."""
    lines = code.rstrip().split("\n")
    body, last = "\n".join(lines[:-1]), lines[-1]
    exec(body, namespace)
    try:
        compiled = compile(last, "<cell>", "eval")
    except SyntaxError:
        exec(last, namespace)
        return None
    return repr(eval(compiled, namespace))


def explained_view(cell):
    """The expression whose layout the walkthrough draws after `cell`, or None."""
    return EXPLAINED.get(cell.rstrip().split("\n")[-1])


def explain_block(expression, namespace, width=80):
    """tm.explain's picture of `expression`, framed so that it stands apart from the
    cell's own output, in at most `width` columns."""
    picture = namespace["tm"].explain(eval(expression, namespace),
                                      width=width - len(EXPLAIN_INDENT))
    title = f"  +-- tm.explain({expression}) "
    return "\n".join([title + "-" * max(0, width - len(title)),
                      *(EXPLAIN_INDENT + line for line in str(picture).split("\n")),
                      "  +" + "-" * (width - 3)])
