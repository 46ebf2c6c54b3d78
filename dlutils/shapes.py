"""A synthetic detection data set: circles, squares and triangles on noisy backgrounds.

Every image comes with the boxes (``xyxy``, pixels) and classes of its shapes, so a detector can be
trained and scored in seconds without downloading anything. The same seed gives the same images.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

SHAPE_CLASSES = ("circle", "square", "triangle")


@dataclass(frozen=True)
class ShapesData:
    """Images ``[N, 3, size, size]`` in [0, 1]; for image ``i``, ``boxes[i]`` is ``[k_i, 4]``
    (``xyxy``, float pixels) and ``labels[i]`` is ``[k_i]`` (indices into ``class_names``)."""

    images: torch.Tensor
    boxes: list[torch.Tensor]
    labels: list[torch.Tensor]
    class_names: tuple[str, ...] = SHAPE_CLASSES

    def __len__(self) -> int:
        return len(self.images)


def _shape_mask(kind: int, x0: int, y0: int, side: int, size: int) -> np.ndarray:
    """Boolean ``[size, size]`` mask of one shape whose bounding square starts at ``(x0, y0)``."""
    ys, xs = np.mgrid[0:size, 0:size] + 0.5  # pixel centres
    u, v = (xs - x0) / side, (ys - y0) / side  # position inside the shape's square, in [0, 1]
    if kind == 0:  # circle
        return (u - 0.5) ** 2 + (v - 0.5) ** 2 <= 0.25
    if kind == 1:  # square
        return (u >= 0) & (u <= 1) & (v >= 0) & (v <= 1)
    # triangle with its apex at the top centre and its base along the bottom
    return (v <= 1) & (v >= 2 * np.abs(u - 0.5))


def make_shapes(
    n: int,
    *,
    size: int = 64,
    max_objects: int = 3,
    min_side: int = 12,
    max_side: int = 28,
    noise: float = 0.15,
    max_overlap: float = 0.1,
    seed: int = 0,
) -> ShapesData:
    """Generate ``n`` images of ``size × size`` pixels with 1 to ``max_objects`` shapes each.

    Each shape (a circle, square or triangle: ``SHAPE_CLASSES``) has a random side between
    ``min_side`` and ``max_side`` pixels and a random colour, and its box is the tightest box around
    its pixels. Shapes overlap little: a new box whose IoU with an earlier one exceeds
    ``max_overlap`` is drawn again. The background is a random grey with Gaussian noise of standard
    deviation ``noise``.
    """
    if n < 0:
        raise ValueError(f"n must be at least 0, got {n}")
    if max_objects < 1:
        raise ValueError(f"max_objects must be at least 1, got {max_objects}")
    if not 2 <= min_side <= max_side <= size:
        raise ValueError(
            f"need 2 <= min_side <= max_side <= size, got {min_side}, {max_side}, {size}"
        )
    from .boxes import box_iou

    rng = np.random.default_rng(seed)
    images = np.empty((n, 3, size, size), dtype=np.float32)
    all_boxes, all_labels = [], []
    for i in range(n):
        image = np.full((3, size, size), rng.uniform(0.3, 0.6), dtype=np.float32)
        image += rng.normal(0, noise, size=image.shape).astype(np.float32)
        boxes, labels = [], []
        for _ in range(rng.integers(1, max_objects + 1)):
            for _attempt in range(20):
                kind = int(rng.integers(len(SHAPE_CLASSES)))
                side = int(rng.integers(min_side, max_side + 1))
                x0, y0 = rng.integers(0, size - side + 1, size=2)
                mask = _shape_mask(kind, int(x0), int(y0), side, size)
                ys, xs = np.nonzero(mask)
                box = torch.tensor([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]],
                                   dtype=torch.float32)
                if not boxes or box_iou(box, torch.stack(boxes)).max() <= max_overlap:
                    break
            else:
                continue  # no room left for another shape
            colour = rng.uniform(0.6, 1.0, size=3).astype(np.float32) * rng.choice([-1, 1])
            image[:, mask] = (0.45 + colour[:, None] * 0.5).clip(0, 1)
            boxes.append(box[0])
            labels.append(kind)
        images[i] = image.clip(0, 1)
        all_boxes.append(torch.stack(boxes))
        all_labels.append(torch.tensor(labels, dtype=torch.int64))
    return ShapesData(torch.from_numpy(images), all_boxes, all_labels)
