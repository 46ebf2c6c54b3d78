"""Bounding-box operations: formats, areas, IoU, non-maximum suppression, anchors, RoI pooling.

Boxes are float tensors of shape ``[N, 4]``. The ``xyxy`` format stores the top-left and
bottom-right corners ``(x1, y1, x2, y2)``; ``cxcywh`` stores the centre, the width and the height
``(cx, cy, w, h)``. Coordinates are in pixels, with x to the right and y downwards.
(torchvision has the same operations; it cannot be installed next to every torch build, and
writing them is good practice anyway.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch


def _check_boxes(boxes: torch.Tensor, name: str = "boxes") -> None:
    if not isinstance(boxes, torch.Tensor):
        raise TypeError(f"{name} must be a tensor of shape [N, 4], got {type(boxes).__name__}")
    if boxes.dim() != 2 or boxes.shape[-1] != 4:
        raise ValueError(f"{name} must have shape [N, 4], got {tuple(boxes.shape)}")
    if not boxes.dtype.is_floating_point:
        raise ValueError(f"{name} must hold floats, got {boxes.dtype}; call .float() first")


def xyxy_to_cxcywh(boxes: torch.Tensor) -> torch.Tensor:
    """Corners ``(x1, y1, x2, y2)`` to centre and size ``(cx, cy, w, h)``."""
    _check_boxes(boxes)
    x1, y1, x2, y2 = boxes.unbind(-1)
    return torch.stack(((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1), dim=-1)


def cxcywh_to_xyxy(boxes: torch.Tensor) -> torch.Tensor:
    """Centre and size ``(cx, cy, w, h)`` to corners ``(x1, y1, x2, y2)``."""
    _check_boxes(boxes)
    cx, cy, w, h = boxes.unbind(-1)
    return torch.stack((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), dim=-1)


def box_area(boxes: torch.Tensor) -> torch.Tensor:
    """Areas ``[N]`` of ``xyxy`` boxes; a box whose corners are swapped has area 0."""
    _check_boxes(boxes)
    widths = (boxes[:, 2] - boxes[:, 0]).clamp(min=0)
    heights = (boxes[:, 3] - boxes[:, 1]).clamp(min=0)
    return widths * heights


def box_iou(boxes1: torch.Tensor, boxes2: torch.Tensor) -> torch.Tensor:
    """Intersection over union of every pair: ``[N, 4]`` and ``[M, 4]`` ``xyxy`` boxes give ``[N, M]``.

    Two boxes whose union has zero area (two points, say) have IoU 0, not NaN.
    """
    _check_boxes(boxes1, "boxes1")
    _check_boxes(boxes2, "boxes2")
    top_left = torch.maximum(boxes1[:, None, :2], boxes2[None, :, :2])  # [N, M, 2]
    bottom_right = torch.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    sides = (bottom_right - top_left).clamp(min=0)
    inter = sides[..., 0] * sides[..., 1]
    union = box_area(boxes1)[:, None] + box_area(boxes2)[None, :] - inter
    return torch.where(union > 0, inter / union.clamp(min=torch.finfo(union.dtype).tiny), 0.0)


def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float = 0.5) -> torch.Tensor:
    """Greedy non-maximum suppression.

    Repeatedly keeps the highest-scoring box left and removes every remaining box whose IoU with it
    is larger than ``iou_threshold``. Returns the indices of the kept boxes, best first.
    """
    _check_boxes(boxes)
    if not isinstance(scores, torch.Tensor) or scores.shape != boxes.shape[:1]:
        raise ValueError(
            f"scores must be a tensor of shape [{boxes.shape[0]}], one per box, "
            f"got {tuple(getattr(scores, 'shape', ()))}"
        )
    if not 0 <= iou_threshold <= 1:
        raise ValueError(f"iou_threshold must be between 0 and 1, got {iou_threshold}")
    order = torch.argsort(scores, descending=True, stable=True)
    iou = box_iou(boxes[order], boxes[order])
    suppressed = torch.zeros(len(order), dtype=torch.bool, device=boxes.device)
    keep = []
    for i in range(len(order)):
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= iou[i] > iou_threshold
    return order[torch.tensor(keep, dtype=torch.long, device=order.device)]


def batched_nms(
    boxes: torch.Tensor, scores: torch.Tensor, labels: torch.Tensor, iou_threshold: float = 0.5
) -> torch.Tensor:
    """Non-maximum suppression within each class: boxes of different labels never suppress each
    other. Returns the kept indices, best first."""
    _check_boxes(boxes)
    if not isinstance(labels, torch.Tensor) or labels.shape != boxes.shape[:1]:
        raise ValueError(f"labels must be a tensor of shape [{boxes.shape[0]}], one per box")
    if len(boxes) == 0:
        return torch.zeros(0, dtype=torch.long, device=boxes.device)
    # Shift each class to its own region of the plane, far from the others.
    offset = labels.to(boxes.dtype)[:, None] * (boxes.max() - boxes.min() + 1)
    return nms(boxes + offset, scores, iou_threshold)


def anchor_shapes(sizes: Sequence[float], ratios: Sequence[float]) -> torch.Tensor:
    """Widths and heights ``[n + m - 1, 2]`` of the anchors at one position.

    With sizes ``s_1..s_n`` and width/height ratios ``r_1..r_m``, the anchors are ``(s_i, r_1)``
    for every size and ``(s_1, r_j)`` for the other ratios: ``n + m - 1`` shapes rather than all
    ``n * m``. An anchor of size ``s`` and ratio ``r`` has width ``s * sqrt(r)`` and height
    ``s / sqrt(r)``, so its area is ``s ** 2`` whatever the ratio.
    """
    sizes, ratios = list(sizes), list(ratios)
    if not sizes or not ratios:
        raise ValueError("anchor_shapes needs at least one size and one ratio")
    if min(sizes) <= 0 or min(ratios) <= 0:
        raise ValueError(f"sizes and ratios must be positive, got {sizes} and {ratios}")
    pairs = [(s, ratios[0]) for s in sizes] + [(sizes[0], r) for r in ratios[1:]]
    return torch.tensor([(s * math.sqrt(r), s / math.sqrt(r)) for s, r in pairs])


def make_anchors(
    feature_size: tuple[int, int],
    image_size: tuple[int, int],
    sizes: Sequence[float],
    ratios: Sequence[float],
) -> torch.Tensor:
    """Anchor boxes ``[h * w * (n + m - 1), 4]`` (``xyxy``, pixels) for an ``h × w`` feature map.

    Each feature-map position is the centre of one cell of an even grid over the image of
    ``image_size = (height, width)`` pixels; ``n + m - 1`` anchors (see :func:`anchor_shapes`) are
    centred there. The anchors of one position are consecutive.
    """
    h, w = feature_size
    image_h, image_w = image_size
    if min(h, w, image_h, image_w) <= 0:
        raise ValueError(f"sizes must be positive, got {feature_size} and {image_size}")
    shapes = anchor_shapes(sizes, ratios)  # [A, 2]
    cy = (torch.arange(h) + 0.5) * (image_h / h)
    cx = (torch.arange(w) + 0.5) * (image_w / w)
    cy, cx = torch.meshgrid(cy, cx, indexing="ij")
    centres = torch.stack((cx, cy), dim=-1).reshape(-1, 1, 2)  # [h*w, 1, 2]
    half = shapes[None] / 2  # [1, A, 2]
    return torch.cat((centres - half, centres + half), dim=-1).reshape(-1, 4)


def roi_pool(
    features: torch.Tensor,
    rois: torch.Tensor,
    output_size: tuple[int, int],
    spatial_scale: float = 1.0,
) -> torch.Tensor:
    """Max-pool each region of interest of a feature map into a fixed ``output_size`` grid.

    ``features`` is ``[N, C, H, W]``; ``rois`` is ``[K, 5]`` with rows ``(image index, x1, y1,
    x2, y2)`` in image pixels, which ``spatial_scale`` (feature-map size over image size) maps to
    feature-map cells. As in Fast R-CNN (and torchvision's ``roi_pool``), the scaled corners are
    rounded to whole cells, the region (both corners included) is cut into ``out_h × out_w`` bins
    whose edges are rounded outwards, and each bin keeps its largest value; an empty bin gives 0.
    Returns ``[K, C, out_h, out_w]``.
    """
    if not isinstance(features, torch.Tensor) or features.dim() != 4:
        raise ValueError(
            f"features must be a tensor [N, C, H, W], got {tuple(getattr(features, 'shape', ()))}"
        )
    if not isinstance(rois, torch.Tensor) or rois.dim() != 2 or rois.shape[1] != 5:
        raise ValueError(
            "rois must be a tensor [K, 5] of (image index, x1, y1, x2, y2), "
            f"got {tuple(getattr(rois, 'shape', ()))}"
        )
    out_h, out_w = output_size
    _, C, H, W = features.shape
    pooled = features.new_zeros(len(rois), C, out_h, out_w)
    for k, (index, *corners) in enumerate(rois.tolist()):
        x1, y1, x2, y2 = (int(math.floor(c * spatial_scale + 0.5)) for c in corners)
        rows = _bin_masks(y1, y2, out_h, H, features.device)  # [out_h, H]
        cols = _bin_masks(x1, x2, out_w, W, features.device)  # [out_w, W]
        inside = rows[:, None, :, None] & cols[None, :, None, :]  # [out_h, out_w, H, W]
        values = features[int(index)][:, None, None]  # [C, 1, 1, H, W]
        values = values.masked_fill(~inside, float("-inf")).amax(dim=(-2, -1))
        pooled[k] = torch.where(inside.any(dim=(-2, -1)), values, 0.0)
    return pooled


def _bin_masks(start: int, end: int, bins: int, length: int, device) -> torch.Tensor:
    """Boolean ``[bins, length]``: which cells of ``start..end`` (inclusive) fall in each bin."""
    extent = max(end - start + 1, 1)
    p = torch.arange(bins, device=device)
    # floor(p * extent / bins) and ceil((p + 1) * extent / bins) in exact integer arithmetic
    lo = (p * extent // bins + start).clamp(0, length)
    hi = (-(-(p + 1) * extent // bins) + start).clamp(0, length)
    cells = torch.arange(length, device=device)
    return (cells[None] >= lo[:, None]) & (cells[None] < hi[:, None])
