"""ReduceOp: the reductions a collective applies, with torch's names and values."""
import enum


class RedOpType(enum.IntEnum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8

    def __str__(self):  # torch prints RedOpType.SUM, where an IntEnum prints 0
        return f"RedOpType.{self.name}"


class ReduceOp:
    """torch.distributed.ReduceOp: ReduceOp.SUM and friends are RedOpType members."""
    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
    PREMUL_SUM = RedOpType.PREMUL_SUM


def as_red_op(op):
    """A RedOpType from a ReduceOp member (or its int); torch's TypeError otherwise."""
    try:
        return RedOpType(op)
    except (ValueError, TypeError):
        raise TypeError(f"op should be a ReduceOp, got {op!r}") from None
