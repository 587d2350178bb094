"""Stochastic weight averaging and exponential moving averages of a model's weights, as
torch.optim.swa_utils: AveragedModel keeps the running average, SWALR anneals the
learning rate to the constant SWA rate, and update_bn recomputes batch-norm statistics
for the averaged weights."""
import copy
import math

from .. import creation
from .. import dtypes as D
from ..autograd.grad_mode import no_grad
from ..nn.module import Module
from .lr_scheduler.base import LRScheduler, per_group, warn_unless_stepping


def _floating(t):
    return t.is_floating_point()


def get_ema_multi_avg_fn(decay=0.999):
    """An exponential moving average over lists of tensors, updated in place."""
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param_list, current_param_list, _num_averaged):
        if _floating(ema_param_list[0]):
            for p_ema, p_model in zip(ema_param_list, current_param_list, strict=True):
                p_ema.lerp_(p_model, 1 - decay)
        else:
            for p_ema, p_model in zip(ema_param_list, current_param_list, strict=True):
                p_ema.copy_(p_ema * decay + p_model * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn():
    """The equal-weight running mean over lists of tensors, updated in place."""

    @no_grad()
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        if _floating(averaged_param_list[0]):
            # the weight as a Python number: a tensor count gives its float32 quotient
            weight = float(1 / (num_averaged + 1))
            for p_avg, p_model in zip(averaged_param_list, current_param_list, strict=True):
                p_avg.lerp_(p_model, weight)
            return
        for p_avg, p_model in zip(averaged_param_list, current_param_list, strict=True):
            diff = p_model - p_avg
            if isinstance(num_averaged, int):
                p_avg.add_(diff, alpha=1.0 / (num_averaged + 1))
            else:
                p_avg.addcdiv_(diff, num_averaged + 1)
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """An exponential moving average of one tensor: returns the new average."""
    _check_decay(decay)

    @no_grad()
    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """The equal-weight running mean of one tensor: returns the new average."""

    @no_grad()
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] "
                         "range.")


class AveragedModel(Module):
    """A copy of `model` whose parameters (and, with use_buffers, buffers) are the running
    average of the model's, one update_parameters(model) call per sample: the equal-weight
    mean by default, or avg_fn(avg, current, n) per tensor, or multi_avg_fn(avgs, currents, n)
    per list of tensors on one device and of one dtype. The n_averaged buffer counts the
    samples; without use_buffers the buffers are copied from the model at each update."""

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", creation.tensor(0, dtype=D.int64, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def update_parameters(self, model):
        if self.use_buffers:
            mine = [*self.module.parameters(), *self.module.buffers()]
            theirs = [*model.parameters(), *model.buffers()]
        else:
            mine, theirs = list(self.parameters()), list(model.parameters())
        pairs = [(p_avg.detach(), p_model.detach().to(p_avg.device))
                 for p_avg, p_model in zip(mine, theirs)]
        if bool(self.n_averaged == 0):
            for p_avg, p_model in pairs:
                p_avg.copy_(p_model)
        elif self.avg_fn is not None:
            for p_avg, p_model in pairs:
                p_avg.copy_(self.avg_fn(p_avg, p_model, self.n_averaged.to(p_avg.device)))
        else:
            self._average_by_device_and_dtype(pairs)
        if not self.use_buffers:
            for b_avg, b_model in zip(self.module.buffers(), model.buffers(), strict=True):
                b_avg.detach().copy_(b_model.detach().to(b_avg.device))
        self.n_averaged += 1

    def _average_by_device_and_dtype(self, pairs):
        groups = {}
        for p_avg, p_model in pairs:
            avgs, models = groups.setdefault((p_avg.device, p_avg.dtype), ([], []))
            avgs.append(p_avg)
            models.append(p_model)
        for (device, _), (avgs, models) in groups.items():
            n_averaged = self.n_averaged.to(device)
            if self.multi_avg_fn is not None:
                self.multi_avg_fn(avgs, models, n_averaged)
            elif device.type == "cuda":
                # PyTorch averages with its multi-tensor (lerp) kernels where it has them
                get_swa_multi_avg_fn()(avgs, models, n_averaged)
            else:
                avg_fn = get_swa_avg_fn()
                for p_avg, p_model in zip(avgs, models):
                    p_avg.copy_(avg_fn(p_avg, p_model, n_averaged))


@no_grad()
def update_bn(loader, model, device=None):
    """Recompute the running statistics of every batch-norm layer in `model` with one pass
    over `loader` (batches of inputs, or (input, ...) lists or tuples whose first element is
    the input): the statistics are reset, and momentum None makes them the plain average
    over all batches. The model's training mode and the layers' momenta are restored."""
    from ..nn.modules.batchnorm import _BatchNorm  # nn loads on first use: see tm.nn
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        if device is not None:
            batch = batch.to(device)
        model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneals each group's rate from its current value to its swa_lr over anneal_epochs
    epochs (cosine or linear), then holds it there."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos",
                 last_epoch=-1):
        for lr, group in zip(per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._anneal_strategy = anneal_strategy
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def anneal_func(self, t):
        """The fraction of the way to swa_lr at fraction t of the annealing."""
        if self._anneal_strategy == "cos":
            return (1 - math.cos(math.pi * t)) / 2
        return t

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        """The rate the annealing started from, recovered from the rate after fraction
        alpha of it (so that other schedulers may have changed it meanwhile)."""
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        warn_unless_stepping(self)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        prev_lrs = [self._get_initial_lr(group["lr"], group["swa_lr"], prev_alpha)
                    for group in self.optimizer.param_groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [group["swa_lr"] * alpha + lr * (1 - alpha)
                for group, lr in zip(self.optimizer.param_groups, prev_lrs, strict=True)]
