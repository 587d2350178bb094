"""The CNN walkthrough, `python -m tensorrt_mini train --model cnn`: a small convolutional
network learns the generated shapes set (tensorrt_mini/shapes.py) from a DataLoader, with
BatchNorm, max pooling, AdamW and a one-cycle learning-rate schedule, under a progress
bar; the held-out accuracy is printed at the end.
"""
import sys

import tensorrt_mini as tm
from tensorrt_mini import nn, optim, shapes
from tensorrt_mini.demo import _progress
from tensorrt_mini.utils.data import DataLoader, TensorDataset


def model(classes=len(shapes.CLASSES), nn=nn):
    """Two conv blocks (28x28 -> 14x14 -> 7x7) and a linear classifier, built from `nn`
    (torch.nn builds the same network: the bench times both)."""
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                nn.MaxPool2d(2)]
    return nn.Sequential(*block(1, 16), *block(16, 32), nn.Flatten(),
                         nn.Linear(32 * 7 * 7, classes))


def train(device="cpu", epochs=2, batch=128, n_train=6000, n_test=1200, workers=0, seed=0,
          out=sys.stdout, progress=True):
    """Train on n_train generated images, return the accuracy on n_test others."""
    tm.manual_seed(seed)
    images, labels = shapes.make(n_train + n_test, seed)
    train_set = TensorDataset(tm.tensor(images[:n_train]), tm.tensor(labels[:n_train]))
    test_set = TensorDataset(tm.tensor(images[n_train:]), tm.tensor(labels[n_train:]))
    loader = DataLoader(train_set, batch_size=batch, shuffle=True, num_workers=workers,
                        pin_memory=tm.device(device).type == "cuda")
    net = model().to(device)
    print(net, file=out)
    opt = optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-4)
    schedule = optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-2, epochs=epochs,
                                             steps_per_epoch=len(loader))
    loss_fn = nn.CrossEntropyLoss()
    bar = _progress(epochs * len(loader), progress, out)
    for epoch in range(epochs):
        net.train()
        for step, (x, y) in enumerate(loader):
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            opt.zero_grad()
            loss = loss_fn(net(x), y)
            loss.backward()
            opt.step()
            schedule.step()
            if step % 10 == 0:
                bar.set_postfix(epoch=epoch + 1, loss=f"{loss.item():.4f}")
            bar.update(1)
    bar.close()
    accuracy = evaluate(net, test_set, device, batch)
    print(f"test accuracy: {accuracy:.1%} on {n_test} held-out images", file=out)
    return accuracy


def evaluate(net, dataset, device, batch):
    net.eval()
    correct = 0
    with tm.no_grad():
        for x, y in DataLoader(dataset, batch_size=batch):
            correct += (net(x.to(device)).argmax(1) == y.to(device)).sum().item()
    return correct / len(dataset)
