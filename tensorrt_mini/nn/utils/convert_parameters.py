"""Parameters as one flat vector and back (for optimizers and tools that want one)."""
from ... import _tensor as T
from ...ops.joining import cat


def _check_device(param, device):
    if device is not None and param.device != device:
        raise TypeError("Found two parameters on different devices, this is currently not "
                        "supported.")
    return param.device


def parameters_to_vector(parameters):
    """One 1-D tensor holding every parameter's values, in order (a copy)."""
    device, flats = None, []
    for p in parameters:
        device = _check_device(p, device)
        flats.append(p.view(-1) if p.is_contiguous() else p.reshape(-1))
    return cat(flats)


def vector_to_parameters(vec, parameters):
    """Point each parameter at its slice of vec, as PyTorch's `param.data = ...` does: the
    parameters then share vec's memory."""
    if not isinstance(vec, T.Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    device, start = None, 0
    for p in parameters:
        device = _check_device(p, device)
        n = p.numel()
        p.data = vec[start:start + n].view_as(p).data
        start += n
