import pytest
import torch

from dlutils import SHAPE_CLASSES, box_iou, make_shapes


def test_shapes_are_deterministic_and_well_formed():
    a, b = make_shapes(20, seed=3), make_shapes(20, seed=3)
    assert torch.equal(a.images, b.images)
    assert all(torch.equal(x, y) for x, y in zip(a.boxes, b.boxes))
    assert a.images.shape == (20, 3, 64, 64) and len(a) == 20
    assert a.images.min() >= 0 and a.images.max() <= 1
    assert a.class_names == SHAPE_CLASSES
    for boxes, labels in zip(a.boxes, a.labels):
        assert 1 <= len(boxes) <= 3 and boxes.shape == (len(labels), 4)
        assert labels.dtype == torch.int64 and set(labels.tolist()) <= {0, 1, 2}
        assert (boxes[:, :2] >= 0).all() and (boxes[:, 2:] <= 64).all()
        sides = boxes[:, 2:] - boxes[:, :2]
        assert (sides >= 6).all() and (sides <= 28).all()
        iou = box_iou(boxes, boxes) - torch.eye(len(boxes))
        assert iou.max() <= 0.1


def test_other_seeds_give_other_images():
    assert not torch.equal(make_shapes(3, seed=0).images, make_shapes(3, seed=1).images)


def test_boxes_are_tight_around_the_shapes():
    data = make_shapes(1, size=32, max_objects=1, noise=0.0, seed=0)
    image, (box,) = data.images[0], data.boxes[0]
    background = image[:, 0, 0]
    differs = (image - background[:, None, None]).abs().sum(0) > 1e-6
    ys, xs = torch.nonzero(differs, as_tuple=True)
    expected = torch.tensor([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], dtype=torch.float32)
    torch.testing.assert_close(box, expected)


def test_make_shapes_bad_input():
    with pytest.raises(ValueError, match="max_objects"):
        make_shapes(2, max_objects=0)
    with pytest.raises(ValueError, match="min_side"):
        make_shapes(2, min_side=30, max_side=20)
    with pytest.raises(ValueError, match="n must be"):
        make_shapes(-1)
