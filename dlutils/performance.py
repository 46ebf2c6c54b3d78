"""Making a model fast on real hardware: memory format, compilation, and honest timing.

* :func:`prepare_model` moves a model to its device and, on request, switches it to the
  ``channels_last`` memory format and compiles it with ``torch.compile``.
* :func:`to_channels_last` does the same for a batch of images.
* :func:`synchronize` waits for a GPU to finish its queued work, and :func:`measure_throughput`
  times a step the careful way: warm-up runs first, a synchronisation around every timed run, and
  the median rather than the mean.
* :func:`unwrap_model` finds the plain model inside ``torch.compile`` and DDP wrappers.

Mixed precision lives in :mod:`dlutils.train` (``fit(amp="bf16")`` or ``amp="fp16"`` with a
gradient scaler); pinned memory in :func:`dlutils.data.make_loaders` (``pin_memory=True``).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch
from torch import nn


def unwrap_model(model: nn.Module) -> nn.Module:
    """The plain model inside DistributedDataParallel and/or ``torch.compile`` wrappers.

    Checkpoints store the plain model's ``state_dict``, so that they load into a plain model.
    """
    while True:
        if isinstance(model, nn.parallel.DistributedDataParallel):
            model = model.module
        elif isinstance(getattr(model, "_orig_mod", None), nn.Module):  # torch.compile
            model = model._orig_mod
        else:
            return model


def prepare_model(
    model: nn.Module,
    device: torch.device | str,
    *,
    channels_last: bool = False,
    compile: bool = False,
    compile_mode: str | None = None,
    compile_backend: str = "inductor",
) -> nn.Module:
    """Move ``model`` to ``device``; optionally use ``channels_last`` and ``torch.compile``.

    ``channels_last`` stores 4-D weights as [N, H, W, C] in memory, the layout that tensor cores
    prefer for convolutions; it changes no value, only the order of the numbers in memory.
    ``compile=True`` returns ``torch.compile(model)``, which shares its parameters with
    ``model``; the first calls are slow (compilation), later ones faster. Save checkpoints of
    the original model (or use :func:`unwrap_model`). ``compile_backend="eager"`` captures the
    graph without generating code: a quick check that a model compiles, with no speed-up.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, not {type(model).__name__}")
    device = torch.device(device) if isinstance(device, str) else device
    model = model.to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    if compile:
        if not hasattr(torch, "compile"):
            raise RuntimeError("torch.compile needs PyTorch 2.0 or newer")
        model = torch.compile(model, mode=compile_mode, backend=compile_backend)
    return model


def to_channels_last(batch):
    """Convert every 4-D tensor in ``batch`` (a tensor, or a tuple/list of them) to channels_last.

    Other tensors and values are returned unchanged.
    """
    if isinstance(batch, torch.Tensor):
        return batch.contiguous(memory_format=torch.channels_last) if batch.dim() == 4 else batch
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_channels_last(item) for item in batch)
    return batch


def synchronize(device: torch.device | str) -> None:
    """Wait until ``device`` has finished all queued work (CUDA and MPS run asynchronously).

    Without it, a timer around a GPU operation measures only how long it took to *queue* it.
    """
    device = torch.device(device) if isinstance(device, str) else device
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def measure_throughput(
    step: Callable[[], object],
    examples_per_step: int,
    *,
    device: torch.device | str = "cpu",
    warmup: int = 3,
    repeats: int = 10,
) -> dict[str, float]:
    """Time ``step()`` (e.g. one training step on a fixed batch) and return its throughput.

    Runs ``warmup`` untimed steps (first calls allocate memory, pick kernels, compile), then
    ``repeats`` timed ones, each between two :func:`synchronize` calls. Returns the median
    seconds per step, the median examples per second, and the fastest and slowest step.
    """
    if isinstance(examples_per_step, bool) or not isinstance(examples_per_step, int):
        raise TypeError("examples_per_step must be an integer")
    if examples_per_step < 1:
        raise ValueError(f"examples_per_step must be positive, got {examples_per_step}")
    if warmup < 0 or repeats < 1:
        raise ValueError(f"need warmup >= 0 and repeats >= 1, got {warmup} and {repeats}")
    for _ in range(warmup):
        step()
    synchronize(device)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        synchronize(device)
        seconds.append(time.perf_counter() - start)
    median = statistics.median(seconds)
    return {
        "seconds_per_step": median,
        "examples_per_s": examples_per_step / max(median, 1e-12),
        "fastest_s": min(seconds),
        "slowest_s": max(seconds),
    }
