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


def confusion_matrix(outputs: torch.Tensor, targets: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Counts ``[n_classes, n_classes]``: entry ``[i, j]`` is how many examples of class ``i``
    were predicted as class ``j``.

    ``outputs`` are scores ``[N, C]`` or predicted labels ``[N]``, as for :func:`accuracy`.
    """
    if isinstance(n_classes, bool) or not isinstance(n_classes, int) or n_classes < 1:
        raise ValueError(f"n_classes must be a positive integer, got {n_classes!r}")
    if not isinstance(outputs, torch.Tensor) or not isinstance(targets, torch.Tensor):
        raise TypeError("confusion_matrix expects two tensors: outputs and targets")
    predictions = outputs.argmax(dim=1) if outputs.dim() == 2 else outputs
    if predictions.dim() != 1 or targets.dim() != 1 or len(predictions) != len(targets):
        raise ValueError(
            "outputs must be scores [N, C] or labels [N] and targets labels [N]; got shapes "
            f"{tuple(outputs.shape)} and {tuple(targets.shape)}"
        )
    for name, labels in (("predictions", predictions), ("targets", targets)):
        if labels.numel() and (labels.min() < 0 or labels.max() >= n_classes):
            raise ValueError(f"{name} hold labels outside 0..{n_classes - 1}")
    index = targets.long() * n_classes + predictions.long()
    counts = torch.bincount(index, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes)
