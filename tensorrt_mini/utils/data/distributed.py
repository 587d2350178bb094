"""DistributedSampler: each of num_replicas processes reads its own share of a dataset.

The index list is torch's: a permutation drawn from a generator seeded with seed + epoch
(or 0..n-1 without shuffle), padded by repeating its head up to a multiple of
num_replicas (or cut down to one, with drop_last), and dealt out round-robin, rank r
taking every num_replicas-th index from position r. Every rank draws the same permutation,
so the shares are disjoint and together cover the dataset.
"""
import math

from ...creation import randperm
from ...random import Generator
from .sampler import Sampler


class DistributedSampler(Sampler):
    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None or rank is None:
            from ... import distributed as dist  # only when asked: the group is set up later
            if num_replicas is None:
                num_replicas = dist.get_world_size()
            if rank is None:
                rank = dist.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        length = len(dataset)
        if drop_last and length % num_replicas:
            # the tail that cannot be split evenly is dropped
            self.num_samples = math.ceil((length - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(length / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        length = len(self.dataset)
        if self.shuffle:
            generator = Generator().manual_seed(self.seed + self.epoch)
            indices = randperm(length, generator=generator).tolist()
        else:
            indices = list(range(length))
        if self.drop_last:
            indices = indices[:self.total_size]
        else:
            missing = self.total_size - length
            indices += (indices * math.ceil(missing / length))[:missing] if missing else []
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Reshuffle for another epoch: every rank must set the same epoch."""
        self.epoch = epoch
