"""tm.nn.functional: the functional forms of the layers, one module per family."""
from ...ops.padding import pad
from .core import (cross_entropy, dropout, embedding, gelu, layer_norm, linear, log_softmax,
                   mse_loss, nll_loss, relu, sigmoid, softmax, tanh)
from .normalization import (batch_norm, group_norm, instance_norm, local_response_norm,
                            rms_norm)
