"""The training loop: ``train_epoch``, ``evaluate`` and ``fit``.

The loop is the one every chapter would otherwise write by hand::

    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()

with the chores around it done once: moving batches to the device, averaging the loss over
examples, metrics, gradient clipping, learning-rate schedules, mixed precision, timing and a
:class:`History` you can plot or assert on. It adds no randomness of its own, so on the CPU it gives
bit-identical losses to the hand-written loop above (the tests check this).
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import torch
from torch import nn

from .checkpoint import load_checkpoint, save_checkpoint
from .device import _module_device, get_device, to_device
from .display import TrainingDisplay
from .performance import to_channels_last

Metric = Callable[[torch.Tensor, torch.Tensor], float]

AMP_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


class History:
    """Per-epoch records of a run: ``history["valid_loss"]`` is a list with one value per epoch."""

    def __init__(self) -> None:
        self.records: list[dict[str, float]] = []

    def append(self, record: Mapping[str, float]) -> None:
        self.records.append(dict(record))

    def __len__(self) -> int:
        return len(self.records)

    def keys(self) -> list[str]:
        return list(self.records[0]) if self.records else []

    def __getitem__(self, key: str) -> list[float]:
        if self.records and key not in self.records[0]:
            raise KeyError(f"history has no {key!r}; it has {', '.join(self.keys())}")
        return [record[key] for record in self.records]

    @property
    def last(self) -> dict[str, float]:
        """The record of the final epoch."""
        if not self.records:
            raise IndexError("history is empty: no epoch has finished")
        return self.records[-1]

    def __repr__(self) -> str:
        return f"History({len(self)} epochs, keys={self.keys()})"


def autocast(device: torch.device, amp: str | None):
    """A context that runs the forward pass in lower precision, or does nothing when ``amp`` is None.

    ``"bf16"`` works on CPUs and recent GPUs; ``"fp16"`` needs a CUDA GPU and a gradient scaler.
    """
    if amp is None:
        return contextlib.nullcontext()
    if amp not in AMP_DTYPES:
        raise ValueError(f"unknown amp {amp!r}; use None, 'bf16' or 'fp16'")
    if amp == "fp16" and device.type != "cuda":
        raise ValueError("amp='fp16' needs a CUDA GPU; use amp='bf16' on the CPU or on Apple MPS")
    return torch.autocast(device_type=device.type, dtype=AMP_DTYPES[amp])


def _move(batch, device: torch.device, channels_last: bool):
    """Split a batch into (inputs, targets) on ``device``.

    Copies to a CUDA device are non-blocking (they overlap with compute when the loader pins
    memory); ``channels_last`` converts 4-D inputs to that memory format.
    """
    inputs, targets = to_device(_split_batch(batch), device, non_blocking=device.type == "cuda")
    if channels_last:
        inputs = to_channels_last(inputs)
    return inputs, targets


def _split_batch(batch) -> tuple[object, torch.Tensor]:
    if not isinstance(batch, (list, tuple)) or len(batch) != 2:
        raise ValueError(
            "each batch must be a pair (inputs, targets), e.g. from a TensorDataset(X, y); "
            f"got {type(batch).__name__}"
            + (f" of length {len(batch)}" if isinstance(batch, (list, tuple)) else "")
        )
    return batch[0], batch[1]


def _forward(model: nn.Module, inputs) -> torch.Tensor:
    # A tuple of inputs is spread over the model's arguments, e.g. model(tokens, lengths).
    return model(*inputs) if isinstance(inputs, (list, tuple)) else model(inputs)


def _batch_size(targets: torch.Tensor) -> int:
    return targets.shape[0] if targets.dim() > 0 else 1


def _length(loader: Iterable) -> int | None:
    """Number of batches, or None for loaders that cannot tell (iterable datasets)."""
    try:
        return len(loader)  # type: ignore[arg-type]
    except TypeError:
        return None


def _check_loader(loader: Iterable, name: str) -> None:
    # A loader that cannot tell its length is checked when it yields nothing.
    if _length(loader) == 0:
        raise ValueError(
            f"{name} is empty: it yields no batches "
            "(is the dataset empty, or drop_last=True with too few examples?)"
        )


def _check_loss(loss: torch.Tensor, epoch: int, step: int) -> float:
    if loss.dim() != 0:
        raise ValueError(
            f"loss_fn must return a single number, got a tensor of shape {tuple(loss.shape)}; "
            "use reduction='mean'"
        )
    value = loss.item()
    if not math.isfinite(value):
        raise FloatingPointError(
            f"the loss became {value} at epoch {epoch}, step {step}; the model was not updated. "
            "Try a smaller learning rate, gradient clipping (grad_clip=1.0), or look for NaN/inf in the data."
        )
    return value


def train_epoch(
    model: nn.Module,
    loader: Iterable,
    loss_fn: Callable,
    optimizer: torch.optim.Optimizer,
    *,
    device: torch.device | str | None = None,
    metrics: Mapping[str, Metric] | None = None,
    grad_clip: float | None = None,
    amp: str | None = None,
    scaler: torch.amp.GradScaler | None = None,
    scheduler=None,
    epoch: int = 1,
    display: TrainingDisplay | None = None,
    channels_last: bool = False,
) -> dict[str, float]:
    """Train for one pass over ``loader``; return the mean loss and metrics over its examples.

    ``scheduler``, when given, is stepped after every batch (for per-step schedules such as warm-up);
    :func:`fit` steps per-epoch schedulers itself. ``scaler`` is the gradient scaler for ``amp="fp16"``.
    ``channels_last=True`` converts 4-D inputs to the channels_last memory format. Batches go to
    ``device``, by default the device of the model's parameters.
    """
    device = _module_device(model) if device is None else get_device(device)
    metrics = metrics or {}
    _check_loader(loader, "the training loader")
    model.train()
    sums = {"loss": 0.0, **{name: 0.0 for name in metrics}}
    examples = 0
    start = time.perf_counter()
    for step, batch in enumerate(loader, start=1):
        inputs, targets = _move(batch, device, channels_last)
        optimizer.zero_grad()
        with autocast(device, amp):
            outputs = _forward(model, inputs)
            loss = loss_fn(outputs, targets)
        loss_value = _check_loss(loss, epoch, step)
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)  # so that clipping sees the true gradients
        else:
            loss.backward()
        if grad_clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        if scaler is not None:
            scaler.step(optimizer)
            scaler.update()
        else:
            optimizer.step()
        if scheduler is not None:
            scheduler.step()
        n = _batch_size(targets)
        examples += n
        sums["loss"] += loss_value * n
        if metrics:
            with torch.no_grad():
                for name, metric in metrics.items():
                    sums[name] += metric(outputs.detach().float(), targets) * n
        if display is not None:
            display.step(loss_value)
    if examples == 0:
        raise ValueError("the training loader yielded no batches")
    seconds = time.perf_counter() - start
    return {
        **{name: total / examples for name, total in sums.items()},
        "examples": examples,
        "seconds": seconds,
    }


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader: Iterable,
    loss_fn: Callable,
    *,
    device: torch.device | str | None = None,
    metrics: Mapping[str, Metric] | None = None,
    amp: str | None = None,
    channels_last: bool = False,
) -> dict[str, float]:
    """Mean loss and metrics of ``model`` over ``loader``, in evaluation mode and without gradients.

    Batches go to ``device``, by default the device of the model's parameters.
    """
    device = _module_device(model) if device is None else get_device(device)
    metrics = metrics or {}
    _check_loader(loader, "the evaluation loader")
    was_training = model.training
    model.eval()
    sums = {"loss": 0.0, **{name: 0.0 for name in metrics}}
    examples = 0
    try:
        for batch in loader:
            inputs, targets = _move(batch, device, channels_last)
            with autocast(device, amp):
                outputs = _forward(model, inputs)
                loss = loss_fn(outputs, targets)
            n = _batch_size(targets)
            examples += n
            sums["loss"] += loss.item() * n
            for name, metric in metrics.items():
                sums[name] += metric(outputs.float(), targets) * n
    finally:
        model.train(was_training)
    if examples == 0:
        raise ValueError("the evaluation loader yielded no batches")
    return {name: total / examples for name, total in sums.items()}


def fit(
    model: nn.Module,
    train_loader: Iterable,
    valid_loader: Iterable | None = None,
    *,
    loss_fn: Callable,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    device: torch.device | str = "auto",
    metrics: Mapping[str, Metric] | None = None,
    scheduler=None,
    scheduler_interval: str = "epoch",
    grad_clip: float | None = None,
    amp: str | None = None,
    display: str = "auto",
    checkpoint: str | os.PathLike | None = None,
    resume: bool = False,
    channels_last: bool = False,
) -> History:
    """Train ``model`` for ``epochs`` passes and return its :class:`History`.

    Each record holds ``epoch``, ``train_loss``, ``train_<metric>``, ``valid_loss``,
    ``valid_<metric>`` (with a ``valid_loader``), ``lr`` (the learning rate at the start of the
    epoch), ``seconds`` and ``examples_per_s`` (training only, without validation).

    ``scheduler_interval`` is ``"epoch"`` (step the scheduler after each epoch) or ``"step"`` (after
    each batch). ``display`` is ``"live"`` (progress bar, and a live plot in a notebook),
    ``"static"`` (a line per epoch and a final plot), ``"text"``, ``"none"``, or ``"auto"``, which
    reads the environment variable ``DLUTILS_DISPLAY`` and falls back to ``"live"``.

    ``checkpoint`` is a file that is written (atomically) after every epoch. With ``resume=True``
    and an existing checkpoint, training continues after its last finished epoch, with the model,
    optimizer, scheduler, history and random generators restored, so that a run interrupted and
    resumed ends with the same weights as one that ran straight through.

    ``channels_last=True`` stores the model's 4-D weights and the input images in the
    channels_last memory format, which convolutions on recent GPUs run faster (the values do not
    change). For ``torch.compile`` pass a compiled model (:func:`dlutils.performance.prepare_model`).
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    if scheduler_interval not in ("epoch", "step"):
        raise ValueError(
            f"scheduler_interval must be 'epoch' or 'step', got {scheduler_interval!r}"
        )
    if grad_clip is not None and not grad_clip > 0:
        raise ValueError(f"grad_clip must be a positive number or None, got {grad_clip!r}")
    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError("the model has no trainable parameters")
    device = get_device(device)
    model.to(device)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    autocast(device, amp)  # validates amp before any work is done
    scaler = torch.amp.GradScaler(device.type) if amp == "fp16" else None
    _check_loader(train_loader, "the training loader")
    if valid_loader is not None:
        _check_loader(valid_loader, "the validation loader")

    history = History()
    first_epoch = 1
    shuffling = getattr(train_loader, "generator", None)  # the DataLoader's own generator, if any
    if resume and checkpoint is None:
        raise ValueError("resume=True needs a checkpoint file to resume from")
    if resume and Path(checkpoint).exists():
        state = load_checkpoint(
            checkpoint,
            model=model,
            optimizer=optimizer,
            scheduler=scheduler,
            generator=shuffling,
            scaler=scaler,
        )
        for record in state["history"]:
            history.append(record)
        first_epoch = state["epoch"] + 1
    with TrainingDisplay(
        display, epochs=epochs, steps_per_epoch=_length(train_loader), first_epoch=first_epoch
    ) as shown:
        for epoch in range(first_epoch, epochs + 1):
            lr = optimizer.param_groups[0]["lr"]  # the rate this epoch starts with
            train = train_epoch(
                model,
                train_loader,
                loss_fn,
                optimizer,
                device=device,
                metrics=metrics,
                grad_clip=grad_clip,
                amp=amp,
                scaler=scaler,
                epoch=epoch,
                display=shown,
                scheduler=scheduler if scheduler_interval == "step" else None,
                channels_last=channels_last,
            )
            record = {"epoch": epoch}
            record.update(
                {f"train_{k}": v for k, v in train.items() if k not in ("examples", "seconds")}
            )
            if valid_loader is not None:
                valid = evaluate(
                    model,
                    valid_loader,
                    loss_fn,
                    device=device,
                    metrics=metrics,
                    amp=amp,
                    channels_last=channels_last,
                )
                record.update({f"valid_{k}": v for k, v in valid.items()})
            record["lr"] = lr
            record["seconds"] = train["seconds"]
            record["examples_per_s"] = train["examples"] / max(train["seconds"], 1e-9)
            if scheduler is not None and scheduler_interval == "epoch":
                if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                    scheduler.step(record.get("valid_loss", record["train_loss"]))
                else:
                    scheduler.step()
            history.append(record)
            if checkpoint is not None:
                save_checkpoint(
                    checkpoint,
                    model=model,
                    optimizer=optimizer,
                    scheduler=scheduler,
                    epoch=epoch,
                    history=history.records,
                    scaler=scaler,
                    generator=shuffling,
                )
            shown.epoch_end(history)
    return history
