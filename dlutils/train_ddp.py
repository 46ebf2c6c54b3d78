"""Train an MLP on the digits with data parallelism: the same script for 1 or N processes.

The example script of the appendix "GPUs and scale", shipped with the package so that it runs
wherever ``dlutils`` is installed:

One process:      python -m dlutils.train_ddp --out runs/single
Two processes:    torchrun --nproc_per_node=2 -m dlutils.train_ddp --out runs/ddp

Each process reads its share of every global batch (``--global-batch`` examples split evenly
over the processes), DistributedDataParallel averages the gradients, and every process takes the
same optimizer step, so the weights stay identical everywhere and equal those of a single process
that sees the whole global batch. Rank 0 prints the per-epoch metrics (reduced over all ranks
from sums and counts) as JSON lines and writes ``checkpoint.pt`` into ``--out``.

Without a GPU each process uses the CPU and the gloo backend; with GPUs each process uses
``cuda:LOCAL_RANK`` and the nccl backend (``--cpu`` forces the CPU).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import TensorDataset

import dlutils as dl


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the checkpoint")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--global-batch", type=int, default=32)
    parser.add_argument("--examples", type=int, default=1248, help="training examples used")
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cpu", action="store_true", help="use the CPU even with GPUs")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    info = dl.setup_distributed(device="cpu" if args.cpu else "auto")
    try:
        if args.global_batch % info.world_size:
            raise SystemExit(
                f"--global-batch {args.global_batch} must be divisible by the "
                f"{info.world_size} processes"
            )
        if args.examples % args.global_batch:
            raise SystemExit("--examples must be a multiple of --global-batch")
        dl.seed_everything(args.seed)  # the same initial weights on every rank
        data = dl.load_digits(flatten=True, seed=args.seed)
        X, y = data.train.tensors
        train = TensorDataset(X[: args.examples], y[: args.examples])
        per_rank = args.global_batch // info.world_size
        loader = dl.distributed_loader(train, per_rank, info=info, seed=args.seed)
        eval_loader = dl.sharded_loader(data.train, 256, info=info)

        model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)).to(info.device)
        model = dl.wrap_ddp(model, info)
        optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
        loss_fn = nn.CrossEntropyLoss()
        history = []
        for epoch in range(1, args.epochs + 1):
            dl.set_epoch(loader, epoch)
            model.train()
            loss_sum, seen = 0.0, 0
            for inputs, targets in loader:
                inputs = inputs.to(info.device, non_blocking=True)
                targets = targets.to(info.device, non_blocking=True)
                optimizer.zero_grad()
                loss = loss_fn(model(inputs), targets)
                loss.backward()  # DDP all-reduces (averages) the gradients here
                optimizer.step()
                loss_sum += loss.item() * len(targets)
                seen += len(targets)
            model.eval()
            correct, counted = 0, 0
            with torch.no_grad():
                for inputs, targets in eval_loader:
                    predicted = model(inputs.to(info.device)).argmax(dim=1).cpu()
                    correct += int((predicted == targets).sum())
                    counted += len(targets)
            totals = dl.all_reduce_sums(
                {"loss": loss_sum, "seen": seen, "correct": correct, "counted": counted}, info
            )
            record = {
                "epoch": epoch,
                "world_size": info.world_size,
                "train_loss": totals["loss"] / totals["seen"],
                "train_accuracy": totals["correct"] / totals["counted"],
                "examples": int(totals["seen"]),
            }
            history.append(record)
            dl.print0(json.dumps(record), info=info, flush=True)
        dl.save_on_main(
            args.out / "checkpoint.pt",
            info,
            model=model,
            optimizer=optimizer,
            epoch=args.epochs,
            history=history,
        )
    finally:
        dl.teardown_distributed()


if __name__ == "__main__":
    main()
