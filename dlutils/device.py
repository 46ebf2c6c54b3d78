"""Choosing a device and moving batches onto it."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping

import torch

_DEVICE_NAME = re.compile(r"^(cpu(:0)?|mps|cuda(:\d+)?)$")


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
    """
    if isinstance(name, torch.device):
        name = str(name)
    if not isinstance(name, str):
        raise TypeError(
            f"device must be a string such as 'auto' or 'cpu', not {type(name).__name__}"
        )
    name = name.strip().lower()
    if name == "auto":
        return best_device()
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
    return torch.device(name)


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
