import math

import pytest
import torch

from dlutils import (
    average_precision,
    box_iou,
    decode_grid,
    detection_loss,
    encode_grid,
    grid_activate,
    make_shapes,
    mean_average_precision,
)


def test_encode_decode_round_trip():
    boxes = torch.tensor([[2.0, 3.0, 20.0, 15.0], [30.0, 40.0, 50.0, 63.0]])
    labels = torch.tensor([2, 0])
    grid = encode_grid(boxes, labels, grid_size=4, image_size=64, num_classes=3)
    assert grid.shape == (4, 4, 8) and grid[..., 0].sum() == 2
    # centre (11, 9) lies in cell (row 0, col 0); offsets and sizes in units of the 16-pixel cell
    torch.testing.assert_close(grid[0, 0], torch.tensor([1, 11 / 16, 9 / 16, 12 / 16, 18 / 16,
                                                          0, 0, 1.0]))
    found = decode_grid(grid, image_size=64)
    order = torch.argsort(found["labels"], descending=True)
    torch.testing.assert_close(found["boxes"][order], boxes)
    assert found["labels"][order].tolist() == [2, 0]
    torch.testing.assert_close(found["scores"], torch.ones(2))


def test_round_trip_on_generated_shapes():
    data = make_shapes(30, seed=1)
    for boxes, labels in zip(data.boxes, data.labels):
        grid = encode_grid(boxes, labels, grid_size=8, image_size=64, num_classes=3)
        found = decode_grid(grid, image_size=64, iou_threshold=1.0)
        if len(found["boxes"]) == len(boxes):  # no two centres shared a cell
            iou = box_iou(found["boxes"], boxes)
            assert (iou.max(dim=0).values > 1 - 1e-5).all()


def test_a_shared_cell_keeps_the_first_object():
    boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0], [2.0, 2.0, 8.0, 8.0]])
    grid = encode_grid(boxes, torch.tensor([0, 1]), grid_size=2, image_size=32, num_classes=2)
    assert grid[..., 0].sum() == 1 and grid[0, 0, 5] == 1


def test_encode_bad_input():
    with pytest.raises(ValueError, match="one label per box"):
        encode_grid(torch.zeros(2, 4), torch.zeros(3, dtype=torch.long), grid_size=2,
                    image_size=8, num_classes=2)
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.1"):
        encode_grid(torch.ones(1, 4), torch.tensor([2]), grid_size=2, image_size=8,
                    num_classes=2)
    with pytest.raises(ValueError, match=r"\[S, S, 5 \+ C\]"):
        decode_grid(torch.zeros(2, 3, 8), image_size=8)


def test_grid_activate_inverts_the_parametrisation():
    target = encode_grid(torch.tensor([[1.0, 2.0, 9.0, 7.0]]), torch.tensor([1]), grid_size=2,
                         image_size=16, num_classes=2)
    cell = target[0, 0]
    logit = lambda p: math.log(p / (1 - p))  # noqa: E731
    raw = torch.tensor([10.0, logit(cell[1]), logit(cell[2]), cell[3].log(), cell[4].log(),
                        -10, 10])
    torch.testing.assert_close(grid_activate(raw)[:5], torch.cat((torch.tensor([1.0]),
                               cell[1:5])), atol=1e-4, rtol=1e-4)


def test_detection_loss_is_small_for_a_perfect_prediction_and_grows_with_errors():
    target = torch.zeros(2, 3, 3, 7)
    target[0, 1, 1] = torch.tensor([1, 0.5, 0.25, 1.5, 0.8, 0, 1])
    raw = torch.full_like(target, 0.0)
    raw[..., 0] = -20.0
    raw[0, 1, 1] = torch.tensor([20, 0.0, math.log(1 / 3), math.log(1.5), math.log(0.8), -20, 20])
    perfect = detection_loss(raw, target)
    assert perfect.item() < 1e-6
    for index, change in [(1, 1.0), (3, 0.5), (5, 45.0), (0, -25.0)]:
        worse = raw.clone()
        worse[0, 1, 1, index] += change
        assert detection_loss(worse, target) > perfect + 1e-3
    with pytest.raises(ValueError, match=r"\[N, S, S, 5 \+ C\]"):
        detection_loss(raw[0], target[0])


def test_detection_loss_counts_missing_objects_with_lambda_noobj():
    target = torch.zeros(1, 2, 2, 6)
    raw = torch.zeros(1, 2, 2, 6)  # p_c = 0.5 everywhere
    loss = detection_loss(raw, target, lambda_noobj=0.5)
    torch.testing.assert_close(loss, torch.tensor(4 * 0.5 * math.log(2)))


def one_image(boxes, labels, scores=None):
    out = {"boxes": torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
           "labels": torch.tensor(labels, dtype=torch.long)}
    if scores is not None:
        out["scores"] = torch.tensor(scores, dtype=torch.float32)
    return out


def test_map_perfect_and_none():
    truth = [one_image([[0, 0, 10, 10], [20, 20, 30, 30]], [0, 1]), one_image([[5, 5, 9, 9]], [1])]
    perfect = [dict(t, scores=torch.ones(len(t["labels"]))) for t in truth]
    assert mean_average_precision(perfect, truth, num_classes=2)["map"] == pytest.approx(1.0)
    nothing = [one_image([], [], []), one_image([], [], [])]
    assert mean_average_precision(nothing, truth, num_classes=2)["map"] == 0.0
    wrong_place = [one_image([[40, 40, 50, 50]], [0], [0.9]), one_image([[0, 0, 2, 2]], [1], [1])]
    assert mean_average_precision(wrong_place, truth, num_classes=2)["map"] == 0.0


def test_map_known_partial_cases():
    truth = [one_image([[0, 0, 10, 10], [20, 20, 30, 30]], [0, 0])]
    # a hit then a miss: precision 1 at recall 0.5, recall never reaches 1 -> AP 0.5
    hit_first = [one_image([[0, 0, 10, 10], [50, 50, 60, 60]], [0, 0], [0.9, 0.8])]
    assert mean_average_precision(hit_first, truth, num_classes=1)["ap"] == [pytest.approx(0.5)]
    # a miss then a hit: precision 1/2 at recall 1/2 -> AP 0.25
    miss_first = [one_image([[0, 0, 10, 10], [50, 50, 60, 60]], [0, 0], [0.8, 0.9])]
    assert mean_average_precision(miss_first, truth, num_classes=1)["map"] == pytest.approx(0.25)
    # a duplicate of a found box is a false positive; IoU 0.36 < 0.5 is a miss too
    duplicate = [one_image([[0, 0, 10, 10], [0, 0, 10, 10], [20, 20, 26, 26]], [0, 0, 0],
                           [0.9, 0.8, 0.7])]
    assert mean_average_precision(duplicate, truth, num_classes=1)["map"] == pytest.approx(0.5)
    # the class without true boxes is left out of the mean
    result = mean_average_precision(hit_first, truth, num_classes=2)
    assert result["ap"][1] is None and result["map"] == pytest.approx(0.5)


def test_average_precision_uses_the_precision_envelope():
    recall = torch.tensor([0.25, 0.25, 0.5, 0.75])
    precision = torch.tensor([1.0, 0.5, 0.67, 0.75])
    assert average_precision(recall, precision) == pytest.approx(0.25 * 1 + 0.5 * 0.75)


def test_map_bad_input():
    with pytest.raises(ValueError, match="2 predictions for 1 target"):
        mean_average_precision([{}, {}], [{}], num_classes=1)
