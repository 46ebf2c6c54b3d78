"""Figures in one consistent style: training curves, image grids, decision boundaries."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import torch

STYLE = {
    "figure.figsize": (6.0, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "image.cmap": "viridis",
    "axes.prop_cycle": mpl.cycler(
        color=["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"]
    ),
}


def set_style() -> None:
    """Apply the course's figure style to every figure drawn after this call."""
    mpl.rcParams.update(STYLE)


def _pretty(name: str) -> str:
    return name.replace("_", " ")


def plot_history(history, metrics: Sequence[str] | None = None) -> plt.Figure:
    """Train (solid) and validation (dashed) curves per epoch, one panel per quantity.

    ``metrics`` defaults to the loss plus every metric the history holds, e.g. ``("loss", "accuracy")``.
    """
    keys = history.keys()
    if not keys:
        raise ValueError("the history is empty: train for at least one epoch before plotting")
    if metrics is None:
        metrics = [k[len("train_") :] for k in keys if k.startswith("train_")]
    epochs = history["epoch"]
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.2), squeeze=False)
    for ax, name in zip(axes[0], metrics):
        found = False
        for split, style in (("train", "-"), ("valid", "--")):
            key = f"{split}_{name}"
            if key in keys:
                ax.plot(epochs, history[key], style, marker="o", markersize=3, label=split)
                found = True
        if not found:
            raise KeyError(f"history has no train_{name} or valid_{name}; it has {', '.join(keys)}")
        ax.set_title(_pretty(name).capitalize())
        ax.set_xlabel("epoch")
        ax.set_ylabel(_pretty(name))
        ax.legend()
    fig.tight_layout()
    return fig


def _to_numpy_images(images) -> np.ndarray:
    array = (
        images.detach().cpu().numpy() if isinstance(images, torch.Tensor) else np.asarray(images)
    )
    shape = tuple(array.shape)  # as given (a list has no .shape), for the error message
    if array.ndim == 4 and array.shape[1] in (1, 3):  # [N, C, H, W] -> [N, H, W, C]
        array = array.transpose(0, 2, 3, 1)
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (3, 4) or (array.ndim == 4 and array.shape[-1] != 3):
        raise ValueError(
            f"images must have shape [N, H, W], [N, C, H, W] or [N, H, W, C] with C in (1, 3); got {shape}"
        )
    return array


def show_images(
    images,
    labels: Sequence | None = None,
    *,
    ncols: int = 8,
    title: str | None = None,
    cmap: str = "gray_r",
) -> plt.Figure:
    """A grid of images (a tensor or array of N images) with an optional label above each."""
    array = _to_numpy_images(images)
    n = len(array)
    if n == 0:
        raise ValueError("no images to show")
    if labels is not None and len(labels) != n:
        raise ValueError(f"got {n} images but {len(labels)} labels")
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.1 * ncols, 1.25 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(array[i], cmap=cmap if array.ndim == 3 else None)
            if labels is not None:
                ax.set_title(str(labels[i]), fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_decision_boundary(
    predict: Callable[[torch.Tensor], torch.Tensor],
    X,
    y,
    *,
    ax: plt.Axes | None = None,
    resolution: int = 200,
    title: str | None = None,
    labels: tuple[str, str] = ("$x_1$", "$x_2$"),
) -> plt.Axes:
    """Colour the plane by the class ``predict`` gives each point, with the data on top.

    ``predict`` maps a float tensor of points ``[M, 2]`` to class labels ``[M]`` (or scores
    ``[M, C]``); ``X`` is ``[N, 2]`` and ``y`` holds ``N`` integer labels. The points are on the
    CPU: for a model on a GPU, move them in ``predict``, e.g. ``lambda p: model(p.to(device))``.
    """
    X = torch.as_tensor(X, dtype=torch.float32)
    y = torch.as_tensor(y)
    if X.dim() != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape [N, 2] (points in the plane), got {tuple(X.shape)}")
    if y.shape != (X.shape[0],):
        raise ValueError(
            f"y must hold one label per point: expected shape ({X.shape[0]},), got {tuple(y.shape)}"
        )
    low, high = X.min(0).values, X.max(0).values
    margin = 0.1 * (high - low) + 1e-3
    xs = torch.linspace(low[0] - margin[0], high[0] + margin[0], resolution)
    ys = torch.linspace(low[1] - margin[1], high[1] + margin[1], resolution)
    grid_x, grid_y = torch.meshgrid(xs, ys, indexing="xy")
    points = torch.stack([grid_x.reshape(-1), grid_y.reshape(-1)], dim=1)
    with torch.no_grad():
        predicted = predict(points).cpu()
    if predicted.dim() == 2:
        predicted = predicted.argmax(dim=1)
    classes = int(max(y.max().item(), predicted.max().item())) + 1
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.0))
    cmap = plt.get_cmap("tab10")
    ax.contourf(
        grid_x.numpy(),
        grid_y.numpy(),
        predicted.reshape(grid_x.shape).numpy(),
        levels=np.arange(classes + 1) - 0.5,
        colors=[cmap(c) for c in range(classes)],
        alpha=0.25,
    )
    ax.scatter(
        X[:, 0], X[:, 1], c=[cmap(int(c)) for c in y], s=12, edgecolors="white", linewidths=0.3
    )
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.grid(False)
    if title:
        ax.set_title(title)
    return ax


def plot_confusion_matrix(
    matrix, labels: Sequence[str], *, normalize: bool = True, title: str = "Confusion matrix"
) -> plt.Figure:
    """Draw a confusion matrix (rows: true class, columns: predicted class).

    With ``normalize`` each row is divided by its total, so the diagonal shows each class's recall.
    """
    counts = np.asarray(matrix.cpu() if isinstance(matrix, torch.Tensor) else matrix, dtype=float)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"matrix must be square, got shape {counts.shape}")
    if len(labels) != counts.shape[0]:
        raise ValueError(f"got {len(labels)} labels for a {counts.shape[0]}-class matrix")
    values = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) if normalize else counts
    size = 1.2 + 0.42 * len(labels)
    fig, ax = plt.subplots(figsize=(size + 1.2, size))
    image = ax.imshow(values, cmap="Blues", vmin=0)
    ax.set_xticks(range(len(labels)), labels, rotation=90)
    ax.set_yticks(range(len(labels)), labels)
    ax.grid(False)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label="fraction of the true class" if normalize else "count")
    fig.tight_layout()
    return fig
