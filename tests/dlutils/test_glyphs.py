import pytest
import torch

from dlutils import GLYPH_CHARACTERS, GLYPH_FONTS, load_glyphs


@pytest.fixture(scope="module")
def glyphs():
    return load_glyphs(20)


def test_every_font_draws_every_character_once(glyphs):
    n = len(GLYPH_FONTS) * len(GLYPH_CHARACTERS)
    assert len(GLYPH_CHARACTERS) == 62 and len(GLYPH_FONTS) == 22
    assert glyphs.images.shape == (n, 1, 20, 20) and len(glyphs) == n
    assert glyphs.images.min() >= 0 and glyphs.images.max() <= 1
    counts = torch.bincount(glyphs.labels * len(GLYPH_FONTS) + glyphs.fonts)
    assert (counts == 1).all()
    assert glyphs.characters == GLYPH_CHARACTERS and glyphs.font_names == GLYPH_FONTS


def test_glyphs_have_ink_inside_the_frame(glyphs):
    ink = glyphs.images.sum(dim=(1, 2, 3))
    assert (ink > 3).all()  # nothing blank
    border = glyphs.images[..., 0, :].sum() + glyphs.images[..., -1, :].sum()
    assert border < 0.01 * glyphs.images.sum()  # little or nothing cut off


def test_glyphs_keep_their_size_and_are_deterministic(glyphs):
    small_o = glyphs.images[glyphs.labels == GLYPH_CHARACTERS.index("o")].sum()
    big_o = glyphs.images[glyphs.labels == GLYPH_CHARACTERS.index("O")].sum()
    assert small_o < big_o
    again = load_glyphs(20, fonts=GLYPH_FONTS[:2])
    torch.testing.assert_close(again.images, glyphs.images[glyphs.fonts < 2])


def test_load_glyphs_bad_input():
    with pytest.raises(ValueError, match="at least 8"):
        load_glyphs(4)
    with pytest.raises(FileNotFoundError, match="no font 'Nope.ttf'"):
        load_glyphs(20, fonts=("Nope.ttf",))
    with pytest.raises(ValueError, match="lacks the characters"):
        load_glyphs(20, fonts=("STIXSizOneSymReg.ttf",))
