"""Checkpoints: save a training run so that it can continue exactly where it stopped.

A checkpoint holds the model, the optimizer, the scheduler, the epoch, the history so far, and every
random number generator the run uses (Python, NumPy, PyTorch, and the DataLoader's shuffling
generator). Restoring all of them makes a resumed run bit-identical to one that was never
interrupted, on the CPU.

Writes are atomic: the checkpoint is written to a temporary file in the same folder, flushed to
disk, and only then renamed over the previous one. A crash or a kill during a save therefore leaves
the last good checkpoint in place, never a half-written file. Loading uses ``weights_only=True``,
so a checkpoint cannot run code when it is opened.
"""

from __future__ import annotations

import os
import pickle
import random
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import torch

from .performance import unwrap_model

FORMAT = "dlutils-checkpoint-1"


def _rng_states() -> dict:
    kind, keys, position, has_gauss, cached = np.random.get_state()
    state = {
        "python": random.getstate(),
        # NumPy's state holds an array, which weights_only loading refuses; store it as a tensor.
        "numpy": (kind, torch.from_numpy(keys.astype(np.int64)), position, has_gauss, cached),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _restore_rng_states(state: dict) -> None:
    random.setstate(state["python"])
    kind, keys, position, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), position, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(
    path: str | os.PathLike,
    *,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    scheduler=None,
    epoch: int = 0,
    history: list[dict] | None = None,
    generator: torch.Generator | None = None,
    scaler: torch.amp.GradScaler | None = None,
) -> Path:
    """Write a checkpoint to ``path`` atomically and return the path.

    ``generator`` is the training DataLoader's shuffling generator (``loader.generator``), if any;
    ``scaler`` the gradient scaler of fp16 training. A model wrapped by DDP or ``torch.compile``
    is saved as the plain model inside, so the checkpoint loads into a plain model.
    """
    path = Path(path)
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PermissionError(
            f"cannot create the checkpoint folder {folder}: {error}; choose a writable folder"
        ) from error
    state = {
        "format": FORMAT,
        "epoch": epoch,
        "model": unwrap_model(model).state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "scaler": scaler.state_dict() if scaler is not None else None,
        "history": list(history or []),
        "generator": generator.get_state() if generator is not None else None,
        "rng": _rng_states(),
    }
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=path.name + ".", suffix=".tmp")
    except OSError as error:
        raise PermissionError(
            f"cannot write a checkpoint into {folder}: {error}; choose a writable folder "
            "(the previous checkpoint, if any, is untouched)"
        ) from error
    try:
        with os.fdopen(handle, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)  # atomic: readers see the old file or the new one, never half
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path


def load_checkpoint(
    path: str | os.PathLike,
    *,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    scheduler=None,
    generator: torch.Generator | None = None,
    scaler: torch.amp.GradScaler | None = None,
    restore_rng: bool = True,
) -> dict:
    """Restore a checkpoint written by :func:`save_checkpoint` into the given objects.

    Returns the checkpoint's contents; ``["epoch"]`` is the last finished epoch and ``["history"]``
    its per-epoch records.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile) as error:
        raise ValueError(
            f"{path} is not a readable checkpoint ({error.__class__.__name__}); it may be corrupt "
            "or written by something else"
        ) from error
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"{path} is not a dlutils checkpoint")
    unwrap_model(model).load_state_dict(state["model"])
    for name, target in (("optimizer", optimizer), ("scheduler", scheduler), ("scaler", scaler)):
        if target is not None:
            if state.get(name) is None:
                raise ValueError(f"{path} holds no {name} state to restore")
            target.load_state_dict(state[name])
    if generator is not None and state["generator"] is not None:
        generator.set_state(state["generator"])
    if restore_rng:
        _restore_rng_states(state["rng"])
    return state
