"""A PyTorch DistributedDataParallel script: an MLP and a small CNN trained on synthetic
images, each rank reading its share through DistributedSampler. The one line that differs
from a torch script is the import: tensorrt_mini stands in for torch.

    python -m tensorrt_mini.distributed.run --nproc-per-node 2 examples/ddp_train.py --out ddp.pt
    python examples/ddp_train.py --out single.pt   # one process: the same parameters

The global batch is fixed, and each of the N ranks takes 1/N of it, so N ranks end with
the parameters one process reaches (up to float rounding).
"""
import argparse
import os

import tensorrt_mini as torch  # import torch

GLOBAL_BATCH = 16
SAMPLES = 64


def make_mlp():
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 32), torch.nn.ReLU(),
                               torch.nn.Linear(32, 3))


def make_cnn():
    return torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(),
                               torch.nn.MaxPool2d(2), torch.nn.Flatten(),
                               torch.nn.Linear(4 * 4 * 4, 3))


def synthetic_images():
    g = torch.Generator().manual_seed(0)
    images = torch.randn(SAMPLES, 1, 8, 8, generator=g)
    labels = (images[:, 0, :4].mean((1, 2)) > 0).long() + (images[:, 0, 4:].mean((1, 2)) > 0).long()
    return torch.utils.data.TensorDataset(images, labels)


def train(model, dataset, rank, world, epochs=2):
    sampler = torch.utils.data.distributed.DistributedSampler(
        dataset, num_replicas=world, rank=rank, shuffle=True, seed=0)
    loader = torch.utils.data.DataLoader(dataset, batch_size=GLOBAL_BATCH // world,
                                         sampler=sampler)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for images, labels in loader:
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
    return loss.item()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", help="where rank 0 saves the trained state dicts")
    args = parser.parse_args()
    distributed = "WORLD_SIZE" in os.environ  # set by the launcher (as torchrun does)
    if distributed:
        torch.distributed.init_process_group("gloo")
    rank = torch.distributed.get_rank() if distributed else 0
    world = torch.distributed.get_world_size() if distributed else 1
    dataset = synthetic_images()
    results = {}
    for name, make in (("mlp", make_mlp), ("cnn", make_cnn)):
        torch.manual_seed(1)
        model = make()
        if distributed:
            model = torch.nn.parallel.DistributedDataParallel(model)
        loss = train(model, dataset, rank, world)
        module = model.module if distributed else model
        results[name] = module.state_dict()
        if rank == 0:
            print(f"{name}: world {world}, last loss on rank 0's share {loss:.4f}")
    if rank == 0 and args.out:
        torch.save(results, args.out)
    if distributed:
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
