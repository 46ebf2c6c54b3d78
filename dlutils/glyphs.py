"""Characters drawn in the fonts that ship with matplotlib: a small Omniglot-like data set.

Each of the 62 characters (digits, upper- and lower-case letters) is a class, and each font is one
"writer" that draws every class once. Nothing is downloaded: the fonts are part of matplotlib.
"""

from __future__ import annotations

import os
import string
from dataclasses import dataclass

import numpy as np
import torch

GLYPH_CHARACTERS = string.digits + string.ascii_uppercase + string.ascii_lowercase

# Text fonts with all 62 characters; matplotlib's symbol and placeholder fonts are left out.
GLYPH_FONTS = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique.ttf", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf",
    "DejaVuSansMono-Oblique.ttf", "DejaVuSansMono-BoldOblique.ttf", "DejaVuSerif.ttf",
    "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSerif-BoldItalic.ttf",
    "STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf", "STIXGeneralBolIta.ttf",
    "cmr10.ttf", "cmb10.ttf", "cmss10.ttf", "cmti10.ttf", "cmtt10.ttf", "cmmi10.ttf",
)  # fmt: skip


@dataclass(frozen=True)
class Glyphs:
    """``images [N, 1, size, size]`` in [0, 1] (ink is 1); ``labels [N]`` index into
    ``characters``; ``fonts [N]`` index into ``font_names``."""

    images: torch.Tensor
    labels: torch.Tensor
    fonts: torch.Tensor
    characters: str
    font_names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.images)


def _render(font, character: str, size: int, point_size: float, baseline: int) -> np.ndarray:
    font.clear()
    font.set_size(point_size, 72)  # at 72 dpi one point is one pixel
    font.set_text(character, 0.0)
    font.draw_glyphs_to_bitmap(antialiased=True)
    bitmap = np.asarray(font.get_image(), dtype=np.float32) / 255
    canvas = np.zeros((size, size), dtype=np.float32)
    height, width = bitmap.shape
    top = baseline - (height - int(round(font.get_descent() / 64)))  # glyph's top row
    left = (size - width) // 2
    rows = slice(max(top, 0), min(top + height, size))
    cols = slice(max(left, 0), min(left + width, size))
    canvas[rows, cols] = bitmap[
        rows.start - top : rows.stop - top, cols.start - left : cols.stop - left
    ]
    return canvas


def load_glyphs(size: int = 20, *, fonts: tuple[str, ...] = GLYPH_FONTS) -> Glyphs:
    """Render every character of ``GLYPH_CHARACTERS`` in every font of ``fonts``.

    Glyphs keep their natural size and sit on a common baseline, horizontally centred, in a
    ``size × size`` image, so "o" stays smaller than "O". Deterministic for a given matplotlib
    version (the fonts and the rasteriser come with it).
    """
    import matplotlib
    from matplotlib.ft2font import FT2Font

    if size < 8:
        raise ValueError(f"size must be at least 8 pixels, got {size}")
    folder = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")
    images, labels, font_index = [], [], []
    for f, name in enumerate(fonts):
        path = os.path.join(folder, name)
        if not os.path.exists(path):
            raise FileNotFoundError(f"matplotlib has no font {name!r} in {folder}")
        font = FT2Font(path)
        charmap = font.get_charmap()
        missing = [c for c in GLYPH_CHARACTERS if ord(c) not in charmap]
        if missing:
            raise ValueError(f"font {name!r} lacks the characters {''.join(missing)!r}")
        for label, character in enumerate(GLYPH_CHARACTERS):
            images.append(_render(font, character, size, 0.7 * size, round(0.75 * size)))
            labels.append(label)
            font_index.append(f)
    return Glyphs(
        torch.from_numpy(np.stack(images)).unsqueeze(1),
        torch.tensor(labels),
        torch.tensor(font_index),
        GLYPH_CHARACTERS,
        tuple(fonts),
    )
