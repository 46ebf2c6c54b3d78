"""A YOLO-style single-shot detector's pieces: grid targets, the loss, decoding and mAP.

The image is cut into an ``S × S`` grid. The cell that holds an object's centre is responsible
for it, and its target vector is ``(p_c, b_x, b_y, b_h, b_w, c_1, ..., c_C)``: ``p_c = 1``, the
centre's offset inside the cell ``(b_x, b_y)`` in [0, 1), the height and width in units of the cell
side ``(b_h, b_w)``, and a one-hot class. Cells without an object have ``p_c = 0`` and nothing else
matters. A network predicts raw scores of the same layout, ``[N, S, S, 5 + C]``;
:func:`grid_activate` turns them into the target's units.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .boxes import _check_boxes, batched_nms, box_iou


def encode_grid(
    boxes: torch.Tensor,
    labels: torch.Tensor,
    *,
    grid_size: int,
    image_size: int,
    num_classes: int,
) -> torch.Tensor:
    """The ``[S, S, 5 + C]`` target of one image with ``xyxy`` ``boxes`` and class ``labels``.

    When two centres fall into the same cell, the first object keeps it (a one-box-per-cell grid
    can only hold one; anchors are the remedy).
    """
    _check_boxes(boxes)
    if labels.shape != boxes.shape[:1]:
        raise ValueError(f"need one label per box: {len(boxes)} boxes, {labels.shape} labels")
    if len(labels) and not 0 <= int(labels.min()) <= int(labels.max()) < num_classes:
        raise ValueError(f"labels must lie in 0..{num_classes - 1}, got {labels.tolist()}")
    cell = image_size / grid_size
    target = torch.zeros(grid_size, grid_size, 5 + num_classes, device=boxes.device)
    for (x1, y1, x2, y2), label in zip(boxes.tolist(), labels.tolist()):
        cx, cy = (x1 + x2) / 2 / cell, (y1 + y2) / 2 / cell
        col, row = min(int(cx), grid_size - 1), min(int(cy), grid_size - 1)
        if target[row, col, 0] == 1:
            continue
        target[row, col, :5] = torch.tensor(
            [1.0, cx - col, cy - row, (y2 - y1) / cell, (x2 - x1) / cell]
        )
        target[row, col, 5 + label] = 1.0
    return target


def grid_activate(raw: torch.Tensor) -> torch.Tensor:
    """Raw network outputs ``[..., 5 + C]`` to the target's units: sigmoid for ``p_c`` and the
    offsets, ``exp`` for the sizes (the network predicts their logarithms), softmax for classes."""
    return torch.cat(
        (torch.sigmoid(raw[..., :3]), torch.exp(raw[..., 3:5]), raw[..., 5:].softmax(-1)), dim=-1
    )


def decode_grid(
    grid: torch.Tensor,
    *,
    image_size: int,
    score_threshold: float = 0.5,
    iou_threshold: float = 0.5,
) -> dict[str, torch.Tensor]:
    """Boxes of one image from a ``[S, S, 5 + C]`` grid in the target's units.

    A cell's score is ``p_c`` times its largest class probability; cells scoring below
    ``score_threshold`` are dropped and non-maximum suppression within each class removes
    duplicates. Returns ``{"boxes": [K, 4] xyxy, "scores": [K], "labels": [K]}``, best first.
    """
    if grid.dim() != 3 or grid.shape[0] != grid.shape[1] or grid.shape[2] < 6:
        raise ValueError(f"grid must have shape [S, S, 5 + C], got {tuple(grid.shape)}")
    S = grid.shape[0]
    cell = image_size / S
    probs, labels = grid[..., 5:].max(-1)
    scores = grid[..., 0] * probs
    rows, cols = torch.nonzero(scores >= score_threshold, as_tuple=True)
    found = grid[rows, cols]
    cx, cy = (cols + found[:, 1]) * cell, (rows + found[:, 2]) * cell
    h, w = found[:, 3] * cell, found[:, 4] * cell
    boxes = torch.stack((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), dim=-1)
    scores, labels = scores[rows, cols], labels[rows, cols]
    keep = batched_nms(boxes, scores, labels, iou_threshold)
    return {"boxes": boxes[keep], "scores": scores[keep], "labels": labels[keep]}


def detection_loss(
    raw: torch.Tensor,
    target: torch.Tensor,
    *,
    lambda_coord: float = 5.0,
    lambda_noobj: float = 0.5,
) -> torch.Tensor:
    """YOLO-style loss of raw outputs ``[N, S, S, 5 + C]`` against grid targets, per image.

    Every cell: binary cross-entropy on ``p_c`` (weighted ``lambda_noobj`` where there is no
    object). Cells with an object also pay ``lambda_coord`` times the squared error of the offsets
    and of the log sizes, and the cross-entropy of the class.
    """
    if raw.shape != target.shape or raw.dim() != 4:
        raise ValueError(
            f"raw outputs and targets must both be [N, S, S, 5 + C], "
            f"got {tuple(raw.shape)} and {tuple(target.shape)}"
        )
    has_object = target[..., 0] == 1
    weight = torch.where(has_object, 1.0, lambda_noobj)
    objectness = F.binary_cross_entropy_with_logits(
        raw[..., 0], target[..., 0], weight=weight, reduction="sum"
    )
    pred, true = raw[has_object], target[has_object]
    offsets = (torch.sigmoid(pred[:, 1:3]) - true[:, 1:3]).pow(2).sum()
    sizes = (pred[:, 3:5] - true[:, 3:5].log()).pow(2).sum()
    classes = F.cross_entropy(pred[:, 5:], true[:, 5:].argmax(-1), reduction="sum")
    return (objectness + lambda_coord * (offsets + sizes) + classes) / len(raw)


def average_precision(recall: torch.Tensor, precision: torch.Tensor) -> float:
    """Area under a precision-recall curve, with precision made non-increasing (all-point
    interpolation, as in PASCAL VOC from 2010 on). ``recall`` must be non-decreasing."""
    zero, one = recall.new_zeros(1, dtype=torch.float32), recall.new_ones(1, dtype=torch.float32)
    r = torch.cat((zero, recall.float(), one))
    p = torch.cat((zero, precision.float(), zero))
    p = p.flip(0).cummax(0).values.flip(0)  # the envelope: best precision at this recall or more
    return float(((r[1:] - r[:-1]) * p[1:]).sum())


def mean_average_precision(
    predictions: list[dict[str, torch.Tensor]],
    targets: list[dict[str, torch.Tensor]],
    *,
    num_classes: int,
    iou_threshold: float = 0.5,
) -> dict[str, object]:
    """mAP at one IoU threshold (``mAP@0.5`` by default) over a set of images.

    ``predictions[i]`` holds ``boxes``, ``scores`` and ``labels`` for image ``i``; ``targets[i]``
    holds its true ``boxes`` and ``labels``. For each class, detections from all images are sorted
    by score; one counts as a true positive when it overlaps a not-yet-matched true box of its class
    by IoU ≥ ``iou_threshold``, otherwise as a false positive. The class's AP is the area under its
    precision-recall curve (:func:`average_precision`); mAP averages over the classes that have true
    boxes. Returns ``{"map": float, "ap": [float or None per class]}``.
    """
    if len(predictions) != len(targets):
        raise ValueError(f"{len(predictions)} predictions for {len(targets)} target images")
    aps: list[float | None] = []
    for c in range(num_classes):
        records = []  # (score, is true positive)
        n_true = 0
        for pred, true in zip(predictions, targets):
            true_boxes = true["boxes"][true["labels"] == c]
            n_true += len(true_boxes)
            mine = pred["labels"] == c
            boxes, scores = pred["boxes"][mine], pred["scores"][mine]
            order = torch.argsort(scores, descending=True, stable=True)
            matched = torch.zeros(len(true_boxes), dtype=torch.bool, device=true_boxes.device)
            iou = box_iou(boxes[order], true_boxes) if len(true_boxes) else None
            for rank, i in enumerate(order.tolist()):
                hit = False
                if iou is not None:
                    overlaps = iou[rank].masked_fill(matched, -1.0)
                    best = int(overlaps.argmax())
                    if overlaps[best] >= iou_threshold:
                        matched[best] = hit = True
                records.append((float(scores[i]), hit))
        if n_true == 0:
            aps.append(None)
            continue
        records.sort(key=lambda record: -record[0])
        hits = torch.tensor([hit for _, hit in records], dtype=torch.float32)
        tp = hits.cumsum(0)
        ranks = torch.arange(1, len(hits) + 1, dtype=torch.float32)
        aps.append(average_precision(tp / n_true, tp / ranks) if len(hits) else 0.0)
    scored = [ap for ap in aps if ap is not None]
    return {"map": sum(scored) / len(scored) if scored else float("nan"), "ap": aps}
