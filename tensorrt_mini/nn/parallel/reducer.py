"""The gradient reducer behind DistributedDataParallel.

Each parameter that needs a gradient has a post-accumulate-grad hook. During a backward
that follows a synchronising forward, the hook copies the parameter's .grad into its slot
of a flat bucket (or finds it already there, with gradient_as_bucket_view); a bucket whose
gradients are all in starts its all-reduce at once (async_op=True), so communication
overlaps the rest of backward. Buckets are started strictly in order, so every rank issues
the same collectives in the same sequence even when its gradients arrive in another order.
The hook of the last parameter waits for the reductions and writes the averages back
(sooner than torch, which waits at the end of backward: the parameters' gradients are
complete by then, whatever of the graph is left to run).
"""
from ... import distributed as dist
from ...creation import tensor
from ...dtypes import int32
from .buckets import make_buckets

_UNFINISHED = (
    "Expected to have finished reduction in the prior iteration before starting a new one. "
    "This error indicates that your module has parameters that were not used in producing "
    "loss. You can enable unused parameter detection by passing the keyword argument "
    "`find_unused_parameters=True` to `torch.nn.parallel.DistributedDataParallel`, and by \n"
    "making sure all `forward` function outputs participate in calculating loss. \n"
    "If you already have done the above, then the distributed data parallel module wasn't "
    "able to locate the output tensors in the return value of your module's `forward` "
    "function. Please include the loss function and the structure of the return value of "
    "`forward` of your module when reporting this issue (e.g. list, dict, iterable).\n"
    "Parameter indices which did not receive grad for rank {rank}: {indices}\n In addition, "
    "you can set the environment variable TORCH_DISTRIBUTED_DEBUG to either INFO or DETAIL "
    "to print out information about which particular parameters did not receive gradient on "
    "this rank as part of this error")


class Reducer:
    def __init__(self, params, caps, group, find_unused_parameters, gradient_as_bucket_view):
        self.params = params  # those that need a gradient, in module order
        self.group = group
        self.world_size = dist.get_world_size(group)
        self.find_unused = find_unused_parameters
        self.as_view = gradient_as_bucket_view
        self.buckets = make_buckets(params, caps)
        self.slot = {}  # id(param) -> (bucket, its view for param)
        for bucket in self.buckets:
            for p, view in zip(bucket.params, bucket.views):
                self.slot[id(p)] = (bucket, view)
        for p in params:
            p.register_post_accumulate_grad_hook(self._hook)
        self.expecting = False  # a synchronising forward ran; its backward is due
        self.ready = set()  # ids of the parameters whose gradients are in their buckets
        self.used = set()  # ids of those that received a gradient in this backward
        self.unused = []  # what find_unused_parameters found off the graph at forward
        self.launched = 0

    def prepare(self, unused=()):
        """Called by a forward whose backward will reduce: nothing may be left pending."""
        if self.ready:
            missing = [i for i, p in enumerate(self.params) if id(p) not in self.ready]
            raise RuntimeError(_UNFINISHED.format(rank=dist.get_rank(self.group),
                                                  indices=" ".join(map(str, missing))))
        self.expecting = True
        self.unused = list(unused)
        self.used.clear()
        self.launched = 0
        for bucket in self.buckets:
            bucket.pending = len(bucket)
            bucket.work = None

    def _hook(self, param):
        if not self.expecting:  # under no_sync, or a second backward: accumulate only
            return
        if not self.ready and self.unused:  # off the graph: their buckets need not wait
            for p in self.unused:
                self._mark_ready(p)
        self.used.add(id(param))
        self._mark_ready(param)
        if self.expecting:
            self._progress()

    def _progress(self):
        """Test the reductions in flight: an MPI without a progress thread advances a
        nonblocking collective only inside MPI calls, so this keeps them moving while
        backward computes."""
        for bucket in self.buckets[:self.launched]:
            bucket.work.is_completed()

    def _mark_ready(self, param):
        if id(param) in self.ready:
            raise RuntimeError(
                f"Expected to mark a variable ready only once. Parameter at index "
                f"{self.params.index(param)} has been marked as ready twice. This means that "
                "multiple autograd engine hooks have fired for this particular parameter "
                "during this iteration.")
        self.ready.add(id(param))
        bucket, view = self.slot[id(param)]
        grad = param.grad
        if grad is None:
            view.zero_()
        elif grad is not view:
            view.copy_(grad)
            if self.as_view:
                param.grad = view
        bucket.pending -= 1
        while self.launched < len(self.buckets) and self.buckets[self.launched].pending == 0:
            self._launch(self.buckets[self.launched])
            self.launched += 1
        if self.launched == len(self.buckets):
            self._finish()

    def _launch(self, bucket):
        bucket.flat.div_(self.world_size)  # as torch: average before summing
        bucket.work = dist.all_reduce(bucket.flat, group=self.group, async_op=True)

    def _finish(self):
        used_anywhere = None
        if self.find_unused:
            flags = tensor([int(id(p) in self.used) for p in self.params], dtype=int32,
                           device=self.params[0].device)  # NCCL groups reduce cuda only
            dist.all_reduce(flags, group=self.group)
            used_anywhere = flags.tolist()
        for bucket in self.buckets:
            bucket.work.wait()
        for i, p in enumerate(self.params):
            _, view = self.slot[id(p)]
            if p.grad is view:
                continue
            if p.grad is not None:
                p.grad.copy_(view)
            elif used_anywhere is None or used_anywhere[i]:
                p.grad = view if self.as_view else view.clone()
        self.expecting = False
        self.ready.clear()
