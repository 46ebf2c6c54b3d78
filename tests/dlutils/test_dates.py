import datetime

import pytest

from dlutils.dates import date_splits, format_pair


def test_format_pair_writes_a_date_and_its_iso_form():
    day = datetime.date(1987, 3, 21)
    assert format_pair(day, "fr", "full") == ("samedi 21 mars 1987", "1987-03-21")
    assert format_pair(day, "en", "medium") == ("Mar 21, 1987", "1987-03-21")


def test_splits_are_seeded_and_share_no_dates():
    train, valid, test = date_splits(300, 50, 60, seed=3)
    assert (len(train), len(valid), len(test)) == (300, 50, 60)
    targets = [{t for _, t in split} for split in (train, valid, test)]
    assert sum(map(len, targets)) == 410  # all distinct
    assert date_splits(300, 50, 60, seed=3) == (train, valid, test)
    assert date_splits(300, 50, 60, seed=4)[0] != train
    for source, target in train[:20]:
        assert len(target) == 10 and target[4] == "-" and source


def test_splits_use_only_the_requested_locales_and_formats():
    train, _, _ = date_splits(50, 0, 0, locales=["de"], formats=["medium"], seed=0)
    assert all(s.count(".") == 2 for s, _ in train)  # German medium: 21.03.1987


def test_date_splits_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown locales"):
        date_splits(1, 1, 1, locales=["xx"])
    with pytest.raises(ValueError, match="non-empty list"):
        date_splits(1, 1, 1, formats="full")
    with pytest.raises(ValueError, match="non-negative integers"):
        date_splits(-1, 1, 1)
    with pytest.raises(ValueError, match="distinct dates"):
        date_splits(10, 0, 0, first=datetime.date(2000, 1, 1), last=datetime.date(2000, 1, 5))
    with pytest.raises(TypeError, match="datetime.date"):
        format_pair("1987-03-21")
    with pytest.raises(ValueError, match="fmt"):
        format_pair(datetime.date(2000, 1, 1), fmt="huge")
