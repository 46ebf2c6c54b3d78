import pytest
import torch
from torch import nn

from dlutils import augment
from dlutils.augment import (
    Augment,
    affine,
    colour_shift,
    hflip,
    random_affine,
    random_crop,
    random_hflip,
    random_warp,
)


def batch(n=4, c=3, h=12, w=16, seed=0):
    return torch.rand(n, c, h, w, generator=torch.Generator().manual_seed(seed))


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def dot(row, col, size=21):
    image = torch.zeros(1, 1, size, size)
    image[0, 0, row, col] = 1.0
    return image


def where(image):
    return divmod(image.flatten().argmax().item(), image.shape[-1])


def test_every_transform_keeps_shape_and_dtype():
    x = batch()
    outputs = [
        hflip(x),
        random_hflip(x, generator=gen()),
        random_crop(x, 2, generator=gen()),
        affine(x, 10.0, shear=5.0, scale=1.1, translate=(0.1, -0.1)),
        random_affine(x, degrees=15, shear=10, scale=(0.9, 1.1), translate=0.1, generator=gen()),
        random_warp(x, generator=gen()),
        colour_shift(x, brightness=0.1, contrast=0.2, channel_shift=0.1, generator=gen()),
    ]
    for out in outputs:
        assert out.shape == x.shape and out.dtype == x.dtype


def test_hflip_mirrors_and_is_its_own_inverse():
    x = batch()
    torch.testing.assert_close(hflip(x)[..., 0], x[..., -1])
    torch.testing.assert_close(hflip(hflip(x)), x)


def test_random_hflip_probabilities():
    x = batch(n=2000, c=1, h=2, w=3)
    torch.testing.assert_close(random_hflip(x, p=0.0, generator=gen()), x)
    torch.testing.assert_close(random_hflip(x, p=1.0, generator=gen()), hflip(x))
    flipped = (random_hflip(x, p=0.3, generator=gen()) != x).flatten(1).any(1).float().mean()
    assert 0.25 < flipped < 0.35


def test_random_crop_shifts_within_padding_and_is_seeded():
    x = batch()
    torch.testing.assert_close(random_crop(x, 0), x)
    a = random_crop(x, 3, generator=gen(1))
    b = random_crop(x, 3, generator=gen(1))
    torch.testing.assert_close(a, b)
    image = dot(10, 10)
    for seed in range(20):
        row, col = where(random_crop(image, 2, generator=gen(seed)))
        assert abs(row - 10) <= 2 and abs(col - 10) <= 2


def test_affine_identity_rotation_translation_and_shear():
    x = batch()
    torch.testing.assert_close(affine(x), x, atol=1e-5, rtol=0)
    right_of_centre = dot(10, 16)
    assert where(affine(right_of_centre, 90.0)) == (4, 10)  # anticlockwise: now above centre
    assert where(affine(right_of_centre, -90.0)) == (16, 10)
    assert where(affine(right_of_centre, translate=(2 / 21, 0.0))) == (10, 18)
    assert where(affine(right_of_centre, translate=(0.0, 2 / 21))) == (12, 16)
    above_centre = dot(4, 10)
    row, col = where(affine(above_centre, shear=45.0))
    assert row == 4 and col != 10  # shear moves along x only


def test_affine_accepts_one_value_per_image():
    x = batch(n=2)
    out = affine(x, torch.tensor([0.0, 180.0]))
    torch.testing.assert_close(out[0], x[0], atol=1e-5, rtol=0)
    torch.testing.assert_close(out[1], x[1].flip(-1).flip(-2), atol=1e-5, rtol=0)


def test_random_affine_with_zero_ranges_is_identity_and_seeded():
    x = batch()
    torch.testing.assert_close(random_affine(x, generator=gen()), x, atol=1e-5, rtol=0)
    a = random_affine(x, degrees=30, generator=gen(3))
    torch.testing.assert_close(a, random_affine(x, degrees=30, generator=gen(3)))
    assert not torch.allclose(a, x)


def test_random_warp_is_small_for_small_strength_and_seeded():
    x = torch.rand(2, 1, 32, 32, generator=gen())
    smooth = nn.functional.avg_pool2d(x, 5, stride=1, padding=2)  # a smooth image moves little
    torch.testing.assert_close(random_warp(smooth, strength=0.0, generator=gen()), smooth,
                               atol=1e-5, rtol=0)
    a = random_warp(smooth, strength=0.02, generator=gen(4))
    torch.testing.assert_close(a, random_warp(smooth, strength=0.02, generator=gen(4)))
    assert 0 < (a - smooth).abs().mean() < 0.05


def test_colour_shift_ranges():
    x = batch(n=200)
    torch.testing.assert_close(colour_shift(x, generator=gen()), x)
    shifted = colour_shift(torch.full((200, 3, 4, 4), 0.5), brightness=0.1, generator=gen())
    offsets = shifted[:, 0, 0, 0] - 0.5
    assert offsets.abs().max() <= 0.1 + 1e-6 and offsets.std() > 0.02
    per_channel = colour_shift(torch.full((50, 3, 4, 4), 0.5), channel_shift=0.2,
                               generator=gen())
    assert not torch.allclose(per_channel[:, 0], per_channel[:, 1])
    out = colour_shift(x, brightness=0.5, contrast=0.5, channel_shift=0.5, generator=gen())
    assert out.min() >= 0 and out.max() <= 1


def test_augment_module_acts_in_training_mode_only():
    module = Augment(hflip)
    x = batch()
    torch.testing.assert_close(module(x), hflip(x))
    module.eval()
    assert module(x) is x
    assert "hflip" in repr(module)
    with pytest.raises(TypeError, match="function"):
        Augment("flip")


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: hflip(torch.rand(3, 8, 8)), ValueError, r"\[N, C, H, W\]"),
        (lambda: hflip([[1.0]]), TypeError, "tensor"),
        (lambda: hflip(torch.zeros(1, 1, 2, 2, dtype=torch.uint8)), TypeError, "float"),
        (lambda: random_hflip(batch(), p=1.5), ValueError, "between 0 and 1"),
        (lambda: random_crop(batch(), -1), ValueError, "non-negative"),
        (lambda: random_crop(batch(), 1.5), ValueError, "integer"),
        (lambda: affine(batch(), scale=0.0), ValueError, "positive"),
        (lambda: affine(batch(n=2), torch.zeros(3)), ValueError, "one value per image"),
        (lambda: random_affine(batch(), degrees=-1), ValueError, "non-negative"),
        (lambda: random_affine(batch(), scale=(1.2, 0.8)), ValueError, "range"),
        (lambda: random_warp(batch(), smoothness=0), ValueError, "positive"),
        (lambda: random_warp(batch(), strength=-0.1), ValueError, "non-negative"),
        (lambda: colour_shift(batch(), contrast=2.0), ValueError, "at most 1"),
        (lambda: colour_shift(batch(), brightness=-0.1), ValueError, "non-negative"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_module_is_exported_from_the_package():
    import dlutils

    assert dlutils.augment is augment
    assert dlutils.Augment is Augment
