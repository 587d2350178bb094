"""Derivative of diag_embed (ops/diagonals.py): the gradient's diagonal it wrote."""
from ...ops.diagonals import embedded_dims
from ...ops.views import diagonal
from ..graph import record, run
from .common import register


@register("diag_embed")
def _diag_embed(raw, input, offset=0, dim1=-2, dim2=-1):
    out = run(raw, input, offset, dim1, dim2)
    d1, d2 = embedded_dims(input.dim(), dim1, dim2)
    return record("DiagEmbedBackward0", out, (input,),
                  lambda g: (diagonal(g, offset, d1, d2),))


