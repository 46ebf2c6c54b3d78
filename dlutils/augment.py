"""Data augmentation for image batches, written with plain tensor operations.

Every function takes a float batch ``[N, C, H, W]`` and returns a new batch of the same shape (no
torchvision needed). The random ones draw one transformation per image from ``generator`` (a
``torch.Generator``, or the global generator when ``None``), so a seeded generator gives the same
augmented batch every time. Geometric transforms resample with ``F.affine_grid``/``F.grid_sample``
and fill what comes from outside the image with zeros.

:class:`Augment` wraps any of them as a module that acts in training mode only, so that a model
sees new random variants in training and the untouched images in evaluation.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn


def _check_images(images) -> torch.Tensor:
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"images must be a tensor [N, C, H, W], got {type(images).__name__}")
    if images.dim() != 4:
        raise ValueError(
            f"images must have shape [N, C, H, W], got {tuple(images.shape)}; "
            "add a batch dimension with images.unsqueeze(0)"
        )
    if not images.is_floating_point():
        raise TypeError(f"images must be floating point, got {images.dtype}; use images.float()")
    return images


def _check_probability(p: float, name: str = "p") -> None:
    if not 0 <= p <= 1:
        raise ValueError(f"{name} must be between 0 and 1, got {p}")


def _uniform(n: int, low: float, high: float, generator, device) -> torch.Tensor:
    u = torch.rand(n, generator=generator)
    return (low + (high - low) * u).to(device)


def hflip(images: torch.Tensor) -> torch.Tensor:
    """Mirror every image left to right."""
    return _check_images(images).flip(-1)


def random_hflip(
    images: torch.Tensor, p: float = 0.5, *, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Mirror each image left to right with probability ``p``."""
    images = _check_images(images)
    _check_probability(p)
    flip = (torch.rand(len(images), generator=generator) < p).to(images.device)
    return torch.where(flip.view(-1, 1, 1, 1), images.flip(-1), images)


def random_crop(
    images: torch.Tensor,
    padding: int,
    *,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Pad every side with ``padding`` zeros, then cut an ``H × W`` window at a random place.

    The result has the input's size: each image is shifted by up to ``padding`` pixels in each
    direction (the usual "random crop" of CIFAR-style training).
    """
    images = _check_images(images)
    if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
        raise ValueError(f"padding must be a non-negative integer, got {padding!r}")
    if padding == 0:
        return images.clone()
    n, _, h, w = images.shape
    padded = F.pad(images, (padding,) * 4)
    offsets = torch.randint(0, 2 * padding + 1, (n, 2), generator=generator).tolist()
    return torch.stack([padded[i, :, y : y + h, x : x + w] for i, (y, x) in enumerate(offsets)])


def affine(
    images: torch.Tensor,
    angle: torch.Tensor | float = 0.0,
    *,
    shear: torch.Tensor | float = 0.0,
    scale: torch.Tensor | float = 1.0,
    translate: tuple[torch.Tensor | float, torch.Tensor | float] = (0.0, 0.0),
) -> torch.Tensor:
    """Rotate (degrees, anticlockwise), shear (degrees, along x), scale and translate each image.

    Each argument is a number (the same for every image) or a tensor with one value per image.
    ``translate`` is a fraction of the image size, e.g. ``(0.1, 0)`` moves right by 10%. The image
    centre stays fixed under rotation, shear and scaling.
    """
    images = _check_images(images)
    n = len(images)

    def per_image(value, name):
        value = torch.as_tensor(value, dtype=images.dtype, device=images.device)
        if value.dim() == 0:
            return value.expand(n)
        if value.shape != (n,):
            raise ValueError(f"{name} must be a number or hold one value per image ({n})")
        return value

    theta = per_image(angle, "angle") * math.pi / 180
    phi = per_image(shear, "shear") * math.pi / 180
    s = per_image(scale, "scale")
    if (s <= 0).any():
        raise ValueError("scale must be positive")
    tx, ty = (per_image(t, "translate") for t in translate)
    cos, sin, tan = torch.cos(theta), torch.sin(theta), torch.tan(phi)
    # Forward map A = rotation @ shear @ scale, in coordinates normalised to [-1, 1] with y down.
    # grid_sample needs the inverse map: output pixel -> where to read in the input.
    a = torch.stack(
        [
            torch.stack([cos * s, (cos * tan - sin) * s], dim=-1),
            torch.stack([sin * s, (sin * tan + cos) * s], dim=-1),
        ],
        dim=-2,
    )
    # Screen y points down, so an anticlockwise rotation on screen is clockwise in (x, y).
    flip_y = torch.tensor([[1.0, 0.0], [0.0, -1.0]], dtype=images.dtype, device=images.device)
    a = flip_y @ a @ flip_y
    inverse = torch.linalg.inv(a)
    shift = torch.stack([2 * tx, 2 * ty], dim=-1).unsqueeze(-1)
    matrix = torch.cat([inverse, -inverse @ shift], dim=-1)
    grid = F.affine_grid(matrix, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, padding_mode="zeros", align_corners=False)


def random_affine(
    images: torch.Tensor,
    *,
    degrees: float = 0.0,
    shear: float = 0.0,
    scale: tuple[float, float] = (1.0, 1.0),
    translate: float = 0.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """:func:`affine` with parameters drawn uniformly per image.

    Angles from ``[-degrees, degrees]``, shears from ``[-shear, shear]``, scales from ``scale``,
    and shifts (as a fraction of the size) from ``[-translate, translate]`` in each direction.
    """
    images = _check_images(images)
    for name, value in (("degrees", degrees), ("shear", shear), ("translate", translate)):
        if value < 0:
            raise ValueError(f"{name} must be non-negative, got {value}")
    if not 0 < scale[0] <= scale[1]:
        raise ValueError(f"scale must be a range (low, high) with 0 < low <= high, got {scale}")
    n, device = len(images), images.device
    return affine(
        images,
        _uniform(n, -degrees, degrees, generator, device),
        shear=_uniform(n, -shear, shear, generator, device),
        scale=_uniform(n, scale[0], scale[1], generator, device),
        translate=(
            _uniform(n, -translate, translate, generator, device),
            _uniform(n, -translate, translate, generator, device),
        ),
    )


def _gaussian_blur(field: torch.Tensor, sigma: float) -> torch.Tensor:
    """Blur each channel of ``field`` [N, C, H, W] with a Gaussian of ``sigma`` pixels."""
    radius = max(1, int(3 * sigma))
    x = torch.arange(-radius, radius + 1, dtype=field.dtype, device=field.device)
    kernel = torch.exp(-(x**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    c = field.shape[1]
    field = F.pad(field, (radius,) * 4, mode="replicate")
    field = F.conv2d(field, kernel.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    return F.conv2d(field, kernel.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)


def random_warp(
    images: torch.Tensor,
    *,
    strength: float = 0.05,
    smoothness: float = 4.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Local (elastic) warping: move pixels along a smooth random displacement field.

    ``strength`` is the typical displacement as a fraction of the image size; ``smoothness`` is the
    width, in pixels, of the Gaussian that smooths the field (larger: gentler, wider bends).
    """
    images = _check_images(images)
    if strength < 0:
        raise ValueError(f"strength must be non-negative, got {strength}")
    if smoothness <= 0:
        raise ValueError(f"smoothness must be positive, got {smoothness}")
    n, _, h, w = images.shape
    noise = torch.randn(n, 2, h, w, generator=generator).to(images.device, images.dtype)
    field = _gaussian_blur(noise, smoothness)
    field = field / field.std().clamp_min(1e-12) * 2 * strength  # normalised units span 2
    identity = torch.eye(2, 3, dtype=images.dtype, device=images.device).expand(n, 2, 3)
    grid = F.affine_grid(identity, list(images.shape), align_corners=False)
    grid = grid + field.permute(0, 2, 3, 1)
    return F.grid_sample(images, grid, padding_mode="border", align_corners=False)


def colour_shift(
    images: torch.Tensor,
    *,
    brightness: float = 0.0,
    contrast: float = 0.0,
    channel_shift: float = 0.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Random colour changes per image, for images with values in [0, 1].

    Brightness adds one offset from ``[-brightness, brightness]`` to every pixel; contrast scales
    the deviations from the image's mean by a factor from ``[1 - contrast, 1 + contrast]``;
    ``channel_shift`` adds a separate offset from ``[-channel_shift, channel_shift]`` to each
    channel (R, G and B move differently, the "colour shifting" of the notes). The result is
    clipped to [0, 1].
    """
    images = _check_images(images)
    for name, value in (
        ("brightness", brightness),
        ("contrast", contrast),
        ("channel_shift", channel_shift),
    ):
        if value < 0:
            raise ValueError(f"{name} must be non-negative, got {value}")
    if contrast > 1:
        raise ValueError(f"contrast must be at most 1 (factors stay non-negative), got {contrast}")
    n, c = images.shape[:2]
    device = images.device
    offset = _uniform(n, -brightness, brightness, generator, device).view(n, 1, 1, 1)
    factor = _uniform(n, 1 - contrast, 1 + contrast, generator, device).view(n, 1, 1, 1)
    per_channel = _uniform(n * c, -channel_shift, channel_shift, generator, device).view(
        n, c, 1, 1
    )
    mean = images.mean(dim=(1, 2, 3), keepdim=True)
    out = mean + factor * (images - mean) + offset + per_channel
    return out.clamp(0, 1)


class Augment(nn.Module):
    """Apply ``transform`` to the input batch in training mode only; pass it through in eval mode.

    Put it first in a model, e.g. ``nn.Sequential(Augment(my_flip), nn.Flatten(), ...)``: like
    dropout, it adds randomness while training and is switched off by ``model.eval()``.
    """

    def __init__(self, transform: Callable[[torch.Tensor], torch.Tensor]) -> None:
        super().__init__()
        if not callable(transform):
            raise TypeError("transform must be a function from an image batch to an image batch")
        self.transform = transform

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """The transformed batch in training mode, the batch itself in evaluation mode."""
        return self.transform(images) if self.training else images

    def extra_repr(self) -> str:
        """The transform's name, shown when the model is printed."""
        return getattr(self.transform, "__name__", repr(self.transform))
