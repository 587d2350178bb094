"""The DistributedDataParallel checks, run on every rank by test_distributed.py under
tensorrt_mini.distributed.run: `ddp_checks.py OUT_DIR [check names]`. First the example
script examples/ddp_train.py runs unchanged as __main__ (it sets up and destroys its own
process group; rank 0 saves its result to OUT_DIR/example.pt), then the checks. Each rank
writes OUT_DIR/rank<r>.json, {check: "ok", "skipped" or the traceback}. References are computed on every rank by one process holding the
whole batch (or replaying every rank's shard), never by DDP itself."""
import json
import os
import runpy
import sys
import traceback

import numpy as np

import tensorrt_mini as tm
import tensorrt_mini.distributed as dist
from tensorrt_mini import nn
from tensorrt_mini.nn.parallel import DistributedDataParallel as DDP
from tensorrt_mini.utils.data import DistributedSampler

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                       "examples", "ddp_train.py")
CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


def mlp(seed):
    tm.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                         nn.Linear(16, 3))


def batches(steps, size):
    tm.manual_seed(1234)  # the same data on every rank
    return [(tm.randn(size, 6), tm.randn(size, 3)) for _ in range(steps)]


def shard(t, rank, world):
    n = t.shape[0] // world
    return t[rank * n:(rank + 1) * n]


def loss_fn(model, x, y):
    return ((model(x) - y) ** 2).mean()


def close(a, b, what, tol=2e-6):
    a = np.array(a.detach()) if a is not None else None
    b = np.array(b.detach()) if b is not None else None
    assert (a is None) == (b is None), f"{what}: {a} vs {b}"
    if a is not None:
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=what)


def same_on_every_rank(t):
    values = [None] * dist.get_world_size()
    dist.all_gather_object(values, np.array(t.detach()))
    return all(np.array_equal(values[0], v) for v in values[1:])


def train_compare(rank, world, **ddp_kwargs):
    model = mlp(seed=rank + 1)  # a different start on each rank: DDP takes rank 0's
    ddp = DDP(model, bucket_cap_mb=0.001, **ddp_kwargs)  # several ~1 KB buckets
    ref = mlp(seed=1)
    assert len(ddp.reducer.buckets) > 1
    opt = tm.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    ref_opt = tm.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    for x, y in batches(4, 8):
        opt.zero_grad()
        loss_fn(ddp, shard(x, rank, world), shard(y, rank, world)).backward()
        opt.step()
        ref_opt.zero_grad()
        loss_fn(ref, x, y).backward()
        ref_opt.step()
    for (name, p), q in zip(model.named_parameters(), ref.parameters()):
        close(p, q, name)
    return ddp


@check
def training_matches_one_process_with_the_whole_batch(rank, world):
    train_compare(rank, world)


@check
def gradient_as_bucket_view_trains_the_same_with_grads_in_the_buckets(rank, world):
    ddp = train_compare(rank, world, gradient_as_bucket_view=True)
    flats = {id(b.flat._storage) for b in ddp.reducer.buckets}
    assert all(id(p.grad._storage) in flats for p in ddp.parameters())


@check
def no_sync_accumulates_locally_and_the_next_backward_averages_the_sum(rank, world):
    ddp, ref = DDP(mlp(seed=5)), mlp(seed=5)
    (x1, y1), (x2, y2), (x3, y3) = batches(3, 8)
    with ddp.no_sync():
        loss_fn(ddp, shard(x1, rank, world), shard(y1, rank, world)).backward()
        loss_fn(ddp, shard(x2, rank, world), shard(y2, rank, world)).backward()
    local = mlp(seed=5)  # the local sum so far: no communication inside no_sync
    loss_fn(local, shard(x1, rank, world), shard(y1, rank, world)).backward()
    loss_fn(local, shard(x2, rank, world), shard(y2, rank, world)).backward()
    for p, q in zip(ddp.parameters(), local.parameters()):
        close(p.grad, q.grad, "inside no_sync")
    loss_fn(ddp, shard(x3, rank, world), shard(y3, rank, world)).backward()
    for x, y in ((x1, y1), (x2, y2), (x3, y3)):
        loss_fn(ref, x, y).backward()
    for p, q in zip(ddp.parameters(), ref.parameters()):
        close(p.grad, q.grad, "after the synchronising backward")


class Branchy(nn.Module):
    """`b` is used on rank 0 only; `never` is used by no rank."""

    def __init__(self):
        super().__init__()
        tm.manual_seed(9)
        self.a, self.b, self.never = nn.Linear(4, 4), nn.Linear(4, 4), nn.Linear(4, 4)

    def forward(self, x, use_b):
        y = self.a(x)
        return y + self.b(x) if use_b else y


@check
def find_unused_parameters_averages_what_was_used_and_leaves_the_rest(rank, world):
    ddp = DDP(Branchy(), find_unused_parameters=True)
    tm.manual_seed(77)
    xs = [tm.randn(2, 4) for _ in range(world)]
    for _ in range(2):  # the second iteration shows the first one's reduction finished
        ddp.module.zero_grad()
        ddp(xs[rank], use_b=rank == 0).sum().backward()
    expected = {}
    for r in range(world):  # every rank's local gradients, averaged
        replica = Branchy()
        replica(xs[r], use_b=r == 0).sum().backward()
        for name, p in replica.named_parameters():
            if p.grad is not None:
                expected[name] = expected.get(name, 0) + p.grad / world
    for name, p in ddp.module.named_parameters():
        close(p.grad, expected.get(name), name)
    assert ddp.module.never.weight.grad is None


@check
def an_unused_parameter_without_the_flag_fails_the_next_forward_as_in_torch(rank, world):
    ddp = DDP(Branchy())
    x = tm.randn(2, 4)
    ddp(x, use_b=False).sum().backward()
    try:
        ddp(x, use_b=False)
    except RuntimeError as e:
        message = str(e)
    else:
        raise AssertionError("no error")
    assert message.startswith("Expected to have finished reduction in the prior iteration "
                              "before starting a new one. This error indicates that your "
                              "module has parameters that were not used in producing loss.")
    assert f"Parameter indices which did not receive grad for rank {rank}: 2 3 4 5\n" in message


@check
def buffers_come_from_rank_0_at_construction_and_before_each_forward(rank, world):
    tm.manual_seed(rank)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    model[1].running_mean.fill_(float(rank))
    ddp = DDP(model)
    assert same_on_every_rank(model[0].weight) and model[1].running_mean.tolist() == [0.0] * 4
    tm.manual_seed(50 + rank)  # each rank's batch differs, so do the running statistics
    ddp(tm.randn(6, 3))
    assert not same_on_every_rank(model[1].running_mean)
    ddp.eval()
    ddp(tm.randn(2, 3))  # rank 0's statistics arrive before the forward
    assert same_on_every_rank(model[1].running_mean)
    kept = DDP(nn.BatchNorm1d(4), broadcast_buffers=False)
    tm.manual_seed(60 + rank)
    kept(tm.randn(6, 4))
    kept.eval()
    kept(tm.randn(2, 4))
    assert not same_on_every_rank(kept.module.running_mean)


@check
def state_dict_module_and_repr_as_torchs(rank, world):
    model = mlp(seed=1)
    ddp = DDP(model)
    assert ddp.module is model
    assert list(ddp.state_dict()) == ["module." + k for k in model.state_dict()]
    assert repr(ddp).startswith("DistributedDataParallel(\n  (module): Sequential(\n")
    other = DDP(mlp(seed=2))
    other.load_state_dict(ddp.state_dict())
    for p, q in zip(other.parameters(), ddp.parameters()):
        close(p, q, "loaded")


@check
def construction_errors_as_torchs(rank, world):
    try:
        DDP(nn.Linear(2, 2).requires_grad_(False))
    except RuntimeError as e:
        assert str(e) == ("DistributedDataParallel is not needed when a module doesn't have "
                          "any parameter that requires a gradient.")
    else:
        raise AssertionError("no error without trainable parameters")
    try:
        DDP(nn.Linear(2, 2), device_ids=[0])
    except ValueError as e:
        assert str(e) == (
            "DistributedDataParallel device_ids and output_device arguments only work with "
            "single-device/multiple-device GPU modules or CPU modules, but got device_ids "
            "[0], output_device None, and module parameters {device(type='cpu')}.")
    else:
        raise AssertionError("no error for device_ids with a cpu module")


@check
def distributed_sampler_defaults_to_the_process_group(rank, world):
    sampler = DistributedSampler(range(10))
    assert (sampler.num_replicas, sampler.rank) == (world, rank)
    shares = [None] * world
    dist.all_gather_object(shares, list(sampler))
    every = sum(shares, [])
    assert set(every) == set(range(10)) and len(every) == sampler.total_size


@check
def a_cuda_module_takes_cpu_inputs_to_its_device_and_averages_there(rank, world):
    from tensorrt_mini.backends import cuda_runtime
    if not cuda_runtime.is_available():
        return "skipped"
    tm.manual_seed(3)
    ref = nn.Linear(3, 2)
    ddp = DDP(nn.Linear(3, 2).to("cuda"), device_ids=[0])
    ddp.module.load_state_dict(ref.state_dict())
    x, y = tm.randn(2 * world, 3), tm.randn(2 * world, 2)
    loss_fn(ddp, shard(x, rank, world), shard(y, rank, world).to("cuda")).backward()
    loss_fn(ref, x, y).backward()
    for p, q in zip(ddp.module.parameters(), ref.parameters()):
        assert p.grad.device.type == "cuda"
        close(p.grad.cpu(), q.grad, "cuda grad")


def run_example(out_dir):
    argv = sys.argv
    sys.argv = [EXAMPLE, "--out", os.path.join(out_dir, "example.pt")]
    try:
        runpy.run_path(EXAMPLE, run_name="__main__")
    finally:
        sys.argv = argv


def main():
    out_dir, wanted = sys.argv[1], sys.argv[2:]
    outcomes = {}
    try:
        run_example(out_dir)
        outcomes["example"] = "ok"
    except Exception:
        outcomes["example"] = traceback.format_exc()
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    for fn in CHECKS:
        if wanted and fn.__name__ not in wanted:
            continue
        try:
            outcomes[fn.__name__] = fn(rank, world) or "ok"
        except Exception:
            outcomes[fn.__name__] = traceback.format_exc()
        dist.barrier()
    with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
        json.dump(outcomes, f)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
