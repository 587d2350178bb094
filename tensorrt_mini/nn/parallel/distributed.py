"""DistributedDataParallel: one replica of a module per process, kept identical by
averaging the gradients of every backward over the process group (reducer.py) and by
broadcasting rank 0's parameters and buffers at construction (and its buffers before each
forward)."""
from contextlib import contextmanager

from ... import distributed as dist
from ..._tensor import Tensor
from ...ops.joining import cat
from ...autograd.graph import AccumulateGrad, edge
from ...autograd.grad_mode import is_grad_enabled, no_grad
from ..module import Module
from .buckets import byte_caps
from .reducer import Reducer


class DistributedDataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim=0,
                 broadcast_buffers=True, init_sync=True, process_group=None,
                 bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False,
                 delay_all_reduce_named_params=None, param_to_hook_all_reduce=None,
                 mixed_precision=None, device_mesh=None):
        super().__init__()
        dist.get_world_size(process_group)  # as torch: no process group, no DDP
        unsupported = {"delay_all_reduce_named_params": delay_all_reduce_named_params,
                       "param_to_hook_all_reduce": param_to_hook_all_reduce,
                       "mixed_precision": mixed_precision, "device_mesh": device_mesh}
        for name, value in unsupported.items():
            if value is not None:
                raise NotImplementedError(f"DistributedDataParallel: {name} is not supported")
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        devices = {p.device for p in module.parameters()}
        if (device_ids is not None or output_device is not None) and \
                (len(devices) > 1 or next(iter(devices)).type == "cpu"):
            raise ValueError(
                "DistributedDataParallel device_ids and output_device arguments only work "
                "with single-device/multiple-device GPU modules or CPU modules, but got "
                f"device_ids {device_ids}, output_device {output_device}, and module "
                f"parameters {devices}.")
        self.module = module
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.process_group = process_group
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        caps = byte_caps(bucket_cap_mb)
        self.bucket_bytes_cap = caps[1]
        if init_sync:
            self._sync_from_rank0(list(module.parameters()) + list(module.buffers()))
        self.reducer = Reducer(params, caps, process_group, find_unused_parameters,
                               gradient_as_bucket_view)

    def _source_rank(self):
        """The global rank of the group's rank 0 (torch's broadcast takes a global rank)."""
        if self.process_group is None:
            return 0
        return dist.get_global_rank(self.process_group, 0)

    def _sync_from_rank0(self, tensors):
        """Rank 0's values into `tensors`: one broadcast per dtype and device, of their
        values laid end to end (a model's many small buffers in one message)."""
        if dist.get_world_size(self.process_group) == 1 or not tensors:
            return
        src = self._source_rank()
        receiving = dist.get_rank() != src
        kinds = {}
        for t in tensors:
            kinds.setdefault((t.dtype, t.device), []).append(t.detach())
        with no_grad():
            for group in kinds.values():
                flat = cat([t.reshape(-1) for t in group])
                dist.broadcast(flat, src=src, group=self.process_group)
                if receiving:
                    offset = 0
                    for t in group:
                        t.copy_(flat[offset:offset + t.numel()].view(t.shape))
                        offset += t.numel()

    def forward(self, *inputs, **kwargs):
        if self.broadcast_buffers:
            self._sync_from_rank0(list(self.module.buffers()))
        if self.device_ids:
            inputs, kwargs = _to_device((inputs, kwargs), self.device_ids[0])
        output = self.module(*inputs, **kwargs)
        if is_grad_enabled() and self.require_backward_grad_sync:
            unused = _unreached(self.reducer.params, output) if self.find_unused_parameters \
                else ()
            self.reducer.prepare(unused)
        return output

    @contextmanager
    def no_sync(self):
        """Backward passes inside only accumulate local gradients; the first synchronising
        backward after it averages the accumulated sums."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous


def _tensors_in(value):
    """The tensors in a forward's output: nested in tuples, lists and dicts."""
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _tensors_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors_in(item)


def _unreached(params, output):
    """The parameters whose gradients no tensor of `output` leads back to."""
    reached, seen = set(), set()
    stack = [node for node in map(edge, _tensors_in(output)) if node is not None]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if type(node) is AccumulateGrad:
            reached.add(id(node.variable))
        stack.extend(n for n in node.next if n is not None)
    return [p for p in params if id(p) not in reached]


def _to_device(value, device):
    if isinstance(value, Tensor):
        return value.to(device)
    if isinstance(value, (tuple, list)):
        return type(value)(_to_device(v, device) for v in value)
    if isinstance(value, dict):
        return {k: _to_device(v, device) for k, v in value.items()}
    return value
