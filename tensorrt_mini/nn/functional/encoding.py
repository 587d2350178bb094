"""one_hot: class indices as rows of zeros with a one at each index."""
from ... import creation
from ... import dtypes as D


def one_hot(tensor, num_classes=-1):
    """An int64 tensor of tensor's shape plus (num_classes,); num_classes=-1 takes the
    largest index plus one. The bounds are checked on the host, as torch's CPU does."""
    if tensor._dtype is not D.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel() == 0:
        if num_classes == -1:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
    else:
        if int(tensor.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        largest = int(tensor.max())
        if num_classes == -1:
            num_classes = largest + 1
        elif largest >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    classes = creation.arange(num_classes, dtype=D.int64, device=tensor.device)
    return (tensor.unsqueeze(-1) == classes).to(D.int64)
