"""tm.nn.functional: the functional forms of the layers, one module per family."""
from ...ops.padding import pad
from .activations import (celu, celu_, elu, elu_, glu, hardshrink, hardsigmoid, hardswish,
                          hardtanh, hardtanh_, leaky_relu, leaky_relu_, logsigmoid, mish, prelu,
                          relu6, relu_, rrelu, rrelu_, selu, selu_, silu, softmin, softplus,
                          softshrink, softsign, tanhshrink, threshold, threshold_)
from .conv import conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d
from .conv import conv_transpose3d
from .core import (bilinear, dropout, embedding, gelu, layer_norm, linear, log_softmax, relu,
                   sigmoid, softmax, tanh)
from .distance import cosine_similarity, normalize, pairwise_distance, pdist
from .dropout_variants import alpha_dropout, dropout1d, dropout2d, dropout3d
from .embedding_bag import embedding_bag
from .encoding import one_hot
from .flash_attention import flash_attention
from .losses import (binary_cross_entropy, binary_cross_entropy_with_logits,
                     cosine_embedding_loss, cross_entropy, ctc_loss, gaussian_nll_loss, huber_loss,
                     kl_div, l1_loss, margin_ranking_loss, mse_loss, multilabel_soft_margin_loss,
                     nll_loss, poisson_nll_loss, smooth_l1_loss, triplet_margin_loss)
from .losses import (hinge_embedding_loss, multi_margin_loss, multilabel_margin_loss,
                     soft_margin_loss, triplet_margin_with_distance_loss)
from .normalization import (batch_norm, group_norm, instance_norm, local_response_norm,
                            rms_norm)
from .pooling import (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d,
                      adaptive_max_pool2d, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d,
                      max_unpool2d)
from .pooling import (adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, max_pool3d,
                      max_unpool1d, max_unpool3d)
from .pooling import lp_pool1d, lp_pool2d, lp_pool3d
from .resizing import interpolate, pixel_shuffle, pixel_unshuffle
from .sliding import fold, unfold
from .attention import scaled_dot_product_attention
from .multi_head_attention import multi_head_attention_forward
