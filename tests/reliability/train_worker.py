"""A training run in its own process, for the crash-and-resume tests.

    python train_worker.py CHECKPOINT WEIGHTS_OUT [--resume] [--kill-at EPOCH STEP]
    python train_worker.py --save-loop CHECKPOINT

``--kill-at`` makes the process SIGKILL itself in the middle of that epoch, as a crash would.
``--save-loop`` writes checkpoints of a large model over and over until it is killed from outside.
"""

import os
import signal
import sys

import torch
from torch import nn

import dlutils as dl

EPOCHS = 4


def train(checkpoint, weights_out, resume, kill_at):
    dl.seed_everything(0)
    torch.set_num_threads(1)
    data = dl.load_digits(flatten=True)
    train_loader, valid_loader, _ = dl.make_loaders(data, 64, seed=0)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    calls = {"steps": 0}
    cross_entropy = nn.CrossEntropyLoss()
    steps_per_epoch = len(train_loader)

    def loss_fn(outputs, targets):
        if not torch.is_grad_enabled():  # validation, which evaluate runs without gradients
            return cross_entropy(outputs, targets)
        calls["steps"] += 1
        if kill_at is not None:
            epoch, step = kill_at
            if calls["steps"] == (epoch - 1) * steps_per_epoch + step:
                os.kill(os.getpid(), signal.SIGKILL)  # a hard crash: no cleanup, no finally blocks
        return cross_entropy(outputs, targets)

    history = dl.fit(
        model,
        train_loader,
        valid_loader,
        loss_fn=loss_fn,
        optimizer=optimizer,
        scheduler=scheduler,
        epochs=EPOCHS,
        device="cpu",
        display="none",
        checkpoint=checkpoint,
        resume=resume,
    )
    torch.save({"model": model.state_dict(), "losses": history["train_loss"]}, weights_out)


def save_loop(checkpoint):
    model = nn.Sequential(*[nn.Linear(1024, 1024) for _ in range(8)])  # about 34 MB
    epoch = 0
    while True:
        epoch += 1
        with torch.no_grad():
            for p in model.parameters():
                p.fill_(epoch)
        dl.save_checkpoint(checkpoint, model=model, epoch=epoch)
        print(epoch, flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[0] == "--save-loop":
        save_loop(args[1])
    else:
        kill_at = None
        if "--kill-at" in args:
            i = args.index("--kill-at")
            kill_at = (int(args[i + 1]), int(args[i + 2]))
        train(args[0], args[1], "--resume" in args, kill_at)
