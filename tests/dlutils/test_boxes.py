import math

import pytest
import torch

from dlutils import (
    anchor_shapes,
    batched_nms,
    box_area,
    box_iou,
    cxcywh_to_xyxy,
    make_anchors,
    nms,
    roi_pool,
    xyxy_to_cxcywh,
)


def random_boxes(n, generator, size=100.0):
    corners = torch.rand(n, 2, generator=generator) * size
    sides = torch.rand(n, 2, generator=generator) * size / 3 + 1
    return torch.cat((corners, corners + sides), dim=1)


def test_format_round_trip():
    boxes = random_boxes(20, torch.Generator().manual_seed(0))
    torch.testing.assert_close(cxcywh_to_xyxy(xyxy_to_cxcywh(boxes)), boxes)
    torch.testing.assert_close(
        xyxy_to_cxcywh(torch.tensor([[0.0, 2.0, 4.0, 10.0]])), torch.tensor([[2.0, 6.0, 4.0, 8.0]])
    )


def test_box_area_clamps_swapped_corners():
    boxes = torch.tensor([[0.0, 0.0, 2.0, 3.0], [5.0, 5.0, 4.0, 9.0]])
    torch.testing.assert_close(box_area(boxes), torch.tensor([6.0, 0.0]))


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ([0, 0, 2, 2], [3, 3, 5, 5], 0.0),  # disjoint
        ([0, 0, 2, 2], [2, 0, 4, 2], 0.0),  # touching along an edge
        ([1, 1, 3, 4], [1, 1, 3, 4], 1.0),  # identical
        ([0, 0, 4, 4], [1, 1, 3, 3], 4 / 16),  # contained
        ([0, 0, 2, 2], [1, 1, 3, 3], 1 / 7),  # partial
        ([1, 1, 1, 1], [1, 1, 1, 1], 0.0),  # two identical points: zero union, not NaN
        ([1, 1, 1, 1], [0, 0, 2, 2], 0.0),  # a point inside a box
    ],
)
def test_box_iou_edge_cases(a, b, expected):
    iou = box_iou(torch.tensor([a], dtype=torch.float32), torch.tensor([b], dtype=torch.float32))
    assert iou.shape == (1, 1)
    assert not torch.isnan(iou).any()
    assert math.isclose(iou.item(), expected, rel_tol=1e-6)


def test_box_iou_is_pairwise_and_symmetric():
    g = torch.Generator().manual_seed(1)
    a, b = random_boxes(5, g), random_boxes(7, g)
    iou = box_iou(a, b)
    assert iou.shape == (5, 7)
    torch.testing.assert_close(box_iou(b, a), iou.T)
    assert (iou >= 0).all() and (iou <= 1).all()
    for i in range(5):
        for j in range(7):
            x1, y1 = max(a[i, 0], b[j, 0]), max(a[i, 1], b[j, 1])
            x2, y2 = min(a[i, 2], b[j, 2]), min(a[i, 3], b[j, 3])
            inter = max(x2 - x1, 0) * max(y2 - y1, 0)
            union = box_area(a[i : i + 1]) + box_area(b[j : j + 1]) - inter
            torch.testing.assert_close(iou[i, j], (inter / union)[0])


def test_box_iou_of_empty_sets():
    assert box_iou(torch.zeros(0, 4), torch.zeros(3, 4)).shape == (0, 3)


@pytest.mark.parametrize(
    "bad, error, message",
    [
        (torch.zeros(3, 5), ValueError, r"shape \[N, 4\].*\(3, 5\)"),
        (torch.zeros(4), ValueError, r"shape \[N, 4\].*\(4,\)"),
        (torch.zeros(2, 4, dtype=torch.long), ValueError, "floats"),
        ([[0, 0, 1, 1]], TypeError, "must be a tensor"),
    ],
)
def test_box_functions_reject_bad_boxes(bad, error, message):
    with pytest.raises(error, match=message):
        box_iou(bad, torch.zeros(1, 4))
    with pytest.raises(error, match=message):
        box_area(bad)


def slow_nms(boxes, scores, threshold):
    """The textbook loop, one pair at a time."""
    remaining = sorted(range(len(boxes)), key=lambda i: -scores[i].item())
    keep = []
    while remaining:
        best = remaining.pop(0)
        keep.append(best)
        remaining = [
            i
            for i in remaining
            if box_iou(boxes[best : best + 1], boxes[i : i + 1]).item() <= threshold
        ]
    return keep


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.5, 0.7])
def test_nms_matches_a_slow_reference(seed, threshold):
    g = torch.Generator().manual_seed(seed)
    boxes = random_boxes(60, g)
    scores = torch.rand(60, generator=g)
    assert nms(boxes, scores, threshold).tolist() == slow_nms(boxes, scores, threshold)


def test_nms_keeps_the_best_of_a_cluster_and_separate_boxes():
    boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60.0]])
    scores = torch.tensor([0.8, 0.9, 0.3])
    assert nms(boxes, scores, 0.5).tolist() == [1, 2]
    assert nms(boxes, scores, 0.9).tolist() == [1, 0, 2]


def test_nms_of_nothing_and_bad_input():
    assert nms(torch.zeros(0, 4), torch.zeros(0)).tolist() == []
    with pytest.raises(ValueError, match="one per box"):
        nms(torch.zeros(3, 4), torch.zeros(2))
    with pytest.raises(ValueError, match="between 0 and 1"):
        nms(torch.zeros(3, 4), torch.zeros(3), iou_threshold=1.5)


def test_batched_nms_keeps_overlapping_boxes_of_other_classes():
    boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 10.0]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    labels = torch.tensor([0, 0, 1])
    assert batched_nms(boxes, scores, labels, 0.5).tolist() == [0, 2]
    with pytest.raises(ValueError, match="labels"):
        batched_nms(boxes, scores, labels[:2])


@pytest.mark.parametrize("sizes, ratios", [([8], [1]), ([8, 16, 24], [1, 2, 0.5]), ([4, 6], [1])])
def test_anchor_count_is_n_plus_m_minus_1_per_position(sizes, ratios):
    per_position = len(sizes) + len(ratios) - 1
    assert anchor_shapes(sizes, ratios).shape == (per_position, 2)
    anchors = make_anchors((3, 5), (30, 50), sizes, ratios)
    assert anchors.shape == (3 * 5 * per_position, 4)


def test_anchor_shapes_keep_the_area_and_ratio():
    shapes = anchor_shapes([10, 20], [1, 4, 0.25])
    torch.testing.assert_close(shapes[:, 0] * shapes[:, 1], torch.tensor([100.0, 400, 100, 100]))
    torch.testing.assert_close(shapes[:, 0] / shapes[:, 1], torch.tensor([1.0, 1, 4, 0.25]))


def test_anchors_are_centred_on_the_cells():
    anchors = make_anchors((2, 2), (20, 20), [4], [1])
    expected = torch.tensor([[3, 3, 7, 7], [13, 3, 17, 7], [3, 13, 7, 17], [13, 13, 17, 17.0]])
    torch.testing.assert_close(anchors, expected)


def test_anchor_bad_input():
    with pytest.raises(ValueError, match="at least one size"):
        anchor_shapes([], [1])
    with pytest.raises(ValueError, match="positive"):
        anchor_shapes([4], [0])
    with pytest.raises(ValueError, match="positive"):
        make_anchors((0, 2), (8, 8), [4], [1])


def slow_roi_pool(features, rois, output_size, scale):
    """Element by element, following the rules in roi_pool's docstring."""
    out_h, out_w = output_size
    _, C, H, W = features.shape
    result = torch.zeros(len(rois), C, out_h, out_w)
    for k, (n, *corners) in enumerate(rois.tolist()):
        x1, y1, x2, y2 = (math.floor(c * scale + 0.5) for c in corners)
        bin_h, bin_w = max(y2 - y1 + 1, 1) / out_h, max(x2 - x1 + 1, 1) / out_w
        for c in range(C):
            for i in range(out_h):
                for j in range(out_w):
                    top = min(max(math.floor(i * bin_h) + y1, 0), H)
                    bottom = min(max(math.ceil((i + 1) * bin_h) + y1, 0), H)
                    left = min(max(math.floor(j * bin_w) + x1, 0), W)
                    right = min(max(math.ceil((j + 1) * bin_w) + x1, 0), W)
                    best = None
                    for y in range(top, bottom):
                        for x in range(left, right):
                            v = features[int(n), c, y, x].item()
                            best = v if best is None else max(best, v)
                    result[k, c, i, j] = 0.0 if best is None else best
    return result


@pytest.mark.parametrize("output_size, scale", [((2, 2), 1.0), ((3, 2), 0.5), ((4, 4), 0.25)])
def test_roi_pool_matches_a_slow_loop(output_size, scale):
    g = torch.Generator().manual_seed(0)
    features = torch.randn(2, 3, 9, 11, generator=g)
    rois = torch.tensor(
        [
            [0, 0, 0, 10, 8],
            [1, 4, 2, 20, 30],
            [0, 3.3, 1.7, 5.2, 4.9],
            [1, 30, 30, 34, 33],  # partly outside the map
            [0, 100, 100, 120, 120],  # entirely outside: zeros
        ]
    ) / torch.tensor([1, scale, scale, scale, scale])
    got = roi_pool(features, rois, output_size, spatial_scale=scale)
    assert got.shape == (5, 3, *output_size)
    torch.testing.assert_close(got, slow_roi_pool(features, rois, output_size, scale))


def test_roi_pool_of_the_whole_map_is_adaptive_max_pooling():
    features = torch.randn(1, 2, 8, 8)
    got = roi_pool(features, torch.tensor([[0, 0, 0, 7, 7.0]]), (4, 4))
    torch.testing.assert_close(got, torch.nn.functional.adaptive_max_pool2d(features, 4))


def test_roi_pool_bad_input():
    with pytest.raises(ValueError, match=r"\[N, C, H, W\]"):
        roi_pool(torch.zeros(3, 8, 8), torch.zeros(1, 5), (2, 2))
    with pytest.raises(ValueError, match=r"\[K, 5\]"):
        roi_pool(torch.zeros(1, 3, 8, 8), torch.zeros(1, 4), (2, 2))
