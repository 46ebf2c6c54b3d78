"""Metrics that the training loop can report next to the loss."""

from __future__ import annotations

import torch


def accuracy(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    """Fraction of correct predictions.

    ``outputs`` are either class scores of shape ``[N, C]`` (logits or probabilities: the largest
    wins) or predicted labels of shape ``[N]``; ``targets`` are integer labels of shape ``[N]``.
    """
    if not isinstance(outputs, torch.Tensor) or not isinstance(targets, torch.Tensor):
        raise TypeError("accuracy expects two tensors: outputs and targets")
    if targets.dim() != 1:
        raise ValueError(
            f"targets must be a 1-D tensor of class labels, got shape {tuple(targets.shape)}"
        )
    if targets.dtype.is_floating_point:
        raise ValueError("targets must hold integer class labels, not floats")
    if outputs.dim() == 2:
        predictions = outputs.argmax(dim=1)
    elif outputs.dim() == 1:
        predictions = outputs
    else:
        raise ValueError(
            f"outputs must be scores [N, C] or labels [N], got shape {tuple(outputs.shape)}"
        )
    if predictions.shape[0] != targets.shape[0]:
        raise ValueError(
            f"outputs hold {predictions.shape[0]} examples but targets hold {targets.shape[0]}"
        )
    if targets.numel() == 0:
        raise ValueError("accuracy of zero examples is undefined")
    return (predictions == targets).sum().item() / targets.numel()
