"""How much does `dlutils.fit` cost over a bare, hand-written PyTorch loop?

Trains the same small models three ways, interleaved and repeated so that the machine's drift hits
every variant alike:

* ``bare``: the loop a careful person writes by hand (zero_grad, forward, loss, backward, step,
  and the loss summed for the epoch's mean);
* ``fit``: ``dlutils.fit`` with its progress bar and history (``display="live"``);
* ``fit-min``: ``dlutils.fit`` with everything optional off (``display="none"``).

and prints the median examples per second of each and its ratio to ``bare``, and the same ratio
for the best run of each (the least disturbed by other processes).

    python benchmarks/fit_overhead.py [--repeats 7] [--epochs 10]

It is a measurement, not a test: run it on an idle machine. Each model first trains once untimed, so
that imports and first-call costs (which any loop pays once) are not counted.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import platform
import random
import statistics
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import dlutils as dl


class GRUClassifier(nn.Module):
    def __init__(self, features=8, hidden=32, classes=2):
        super().__init__()
        self.gru = nn.GRU(features, hidden, batch_first=True)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x):
        _, last = self.gru(x)
        return self.head(last[-1])


def tasks():
    """(name, model builder, training DataLoader) for each benchmark model."""
    digits_flat = dl.load_digits(flatten=True)
    digits_images = dl.load_digits()
    generator = torch.Generator().manual_seed(0)
    sequences = torch.randn(2000, 20, 8, generator=generator)
    labels = (sequences[:, :, 0].sum(dim=1) > 0).long()

    def loader(dataset):
        return DataLoader(dataset, batch_size=64, shuffle=True,
                          generator=torch.Generator().manual_seed(0))

    return [
        ("MLP on digits",
         lambda: nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                               nn.Linear(64, 10)),
         loader(digits_flat.train)),
        ("CNN on digits",
         lambda: nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
                               nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                               nn.Flatten(), nn.Linear(32 * 4 * 4, 10)),
         loader(digits_images.train)),
        ("GRU on sequences", GRUClassifier, loader(TensorDataset(sequences, labels))),
    ]


def bare(model, loader, optimizer, loss_fn, epochs):
    for _ in range(epochs):
        model.train()
        total, examples = 0.0, 0
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            optimizer.step()
            total += loss.item() * targets.shape[0]
            examples += targets.shape[0]
    return total / examples


def with_fit(display):
    def run(model, loader, optimizer, loss_fn, epochs):
        with contextlib.redirect_stderr(io.StringIO()):  # the progress bar is drawn, not shown
            history = dl.fit(model, loader, loss_fn=loss_fn, optimizer=optimizer, epochs=epochs,
                             device="cpu", display=display)
        return history.last["train_loss"]
    return run


VARIANTS = {"bare": bare, "fit": with_fit("live"), "fit-min": with_fit("none")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, "
          f"torch {torch.__version__}, {args.repeats} repeats of {args.epochs} epochs\n")
    order = random.Random(0)
    for name, build, loader in tasks():
        speeds = {variant: [] for variant in VARIANTS}
        examples = args.epochs * len(loader.dataset)
        for variant in VARIANTS:  # warm-up, untimed
            model = build()
            VARIANTS[variant](model, loader, torch.optim.Adam(model.parameters()),
                              nn.CrossEntropyLoss(), 1)
        for _ in range(args.repeats):
            variants = list(VARIANTS)
            order.shuffle(variants)  # interleaved, in a different order each round
            for variant in variants:
                torch.manual_seed(0)
                model = build()
                optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
                start = time.perf_counter()
                VARIANTS[variant](model, loader, optimizer, nn.CrossEntropyLoss(), args.epochs)
                speeds[variant].append(examples / (time.perf_counter() - start))
        base, base_best = statistics.median(speeds["bare"]), max(speeds["bare"])
        print(f"{name:<18} {'median examples/s':>18} {'x bare':>7} {'best run x bare':>16}")
        for variant, values in speeds.items():
            median = statistics.median(values)
            print(f"  {variant:<16} {median:>18,.0f} {median / base:>7.3f} "
                  f"{max(values) / base_best:>16.3f}")
        print()


if __name__ == "__main__":
    main()
