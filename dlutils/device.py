"""Choosing a device and moving batches onto it."""

from __future__ import annotations

import copy
import itertools
import os
import re
from collections.abc import Mapping

import torch

_DEVICE_NAME = re.compile(r"^(cpu(:0)?|mps|cuda(:\d+)?)$")
_TOLD: set[str] = set()  # the accelerators whose notice this process has printed


def best_device() -> torch.device:
    """The fastest device this machine offers: CUDA, then Apple MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def get_device(name: str | torch.device = "auto") -> torch.device:
    """Turn a user's choice into a device, checking that it exists on this machine.

    ``"auto"`` picks :func:`best_device`; ``"cpu"``, ``"cuda"``, ``"cuda:1"`` and ``"mps"`` force one.
    The first time a GPU is chosen, a line says that the numbers will differ a little from the
    book's, which a CPU computed; on the CPU nothing is printed, and PyTorch is set to one thread
    unless the environment variable ``OMP_NUM_THREADS`` names a number.
    """
    if isinstance(name, torch.device):
        name = str(name)
    if not isinstance(name, str):
        raise TypeError(
            f"device must be a string such as 'auto' or 'cpu', not {type(name).__name__}"
        )
    name = name.strip().lower()
    if name == "auto":
        return _prepare(best_device())
    if not _DEVICE_NAME.match(name):
        raise ValueError(f"unknown device {name!r}; use 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise RuntimeError(
                f"device {name!r} was asked for, but this machine has no usable CUDA GPU; "
                "use device='auto' or 'cpu' (every chapter runs on a CPU)"
            )
        index = int(name.split(":")[1]) if ":" in name else 0
        if index >= torch.cuda.device_count():
            raise RuntimeError(
                f"device {name!r} does not exist: this machine has "
                f"{torch.cuda.device_count()} CUDA device(s), numbered from 0"
            )
    if name == "mps" and not torch.backends.mps.is_available():
        raise RuntimeError(
            "device 'mps' was asked for, but Apple's Metal backend is not available here; "
            "use device='auto' or 'cpu'"
        )
    return _prepare(torch.device(name))


def _prepare(device: torch.device) -> torch.device:
    """Say once per process and accelerator that results there differ from the book's; on the
    CPU, use one thread unless ``OMP_NUM_THREADS`` asks for another number.

    Why one thread: the course's models are small, so a second thread saves little on an idle
    machine, but on a busy one every parallel step waits for a thread that is not running, and a
    chapter slows down many times over (benchmarks/README.md has the measurements).
    """
    if device.type == "cpu" and "OMP_NUM_THREADS" not in os.environ:
        torch.set_num_threads(1)
    if device.type != "cpu" and device.type not in _TOLD:
        _TOLD.add(device.type)
        print(
            f"Running on {device.type.upper()}: the numbers printed will differ a little from the "
            "book's, which a CPU computed (GPU kernels round differently)."
        )
    return device


def _module_device(module: torch.nn.Module) -> torch.device:
    """Where a module's parameters (or buffers) are; the CPU for a module without any."""
    first = next(itertools.chain(module.parameters(), module.buffers()), None)
    return torch.device("cpu") if first is None else first.device


def to_device(batch, device: torch.device | str, non_blocking: bool = False):
    """Move every tensor inside ``batch`` (nested tuples, lists and dicts) to ``device``.

    Anything that is not a tensor (strings, numbers, None) is returned unchanged, so a batch of
    ``(images, labels, filenames)`` keeps its filenames.
    """
    device = torch.device(device) if isinstance(device, str) else device
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=non_blocking)
    if isinstance(batch, dict):  # a shallow copy keeps the type: OrderedDict, defaultdict, ...
        moved = copy.copy(batch)
        for key, value in batch.items():
            moved[key] = to_device(value, device, non_blocking)
        return moved
    if isinstance(batch, Mapping):
        return {key: to_device(value, device, non_blocking) for key, value in batch.items()}
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):  # a namedtuple
        return type(batch)(*(to_device(v, device, non_blocking) for v in batch))
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_device(v, device, non_blocking) for v in batch)
    return batch
