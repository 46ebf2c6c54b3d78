import pytest

from dlutils.names import SURNAME_LOCALES, load_surname_origins, load_us_surnames


def test_us_surnames_are_lower_case_and_most_frequent_first():
    surnames = load_us_surnames()
    assert len(surnames) == 88799
    assert surnames[:3] == ["smith", "johnson", "williams"]
    assert all(s.isalpha() and s == s.lower() for s in surnames[:1000])


def test_surname_origins_are_unique_to_one_language_and_deterministic():
    surnames, labels, languages = load_surname_origins()
    assert languages == [SURNAME_LOCALES[c] for c in sorted(SURNAME_LOCALES)]
    assert len(surnames) == len(labels) > 10000
    assert len(set(surnames)) == len(surnames)  # a name shared by two locales is dropped
    assert set(labels) == set(range(len(languages)))
    assert load_surname_origins() == (surnames, labels, languages)


def test_surname_origins_with_chosen_locales():
    surnames, labels, languages = load_surname_origins({"fi_FI": "Finnish", "it_IT": "Italian"})
    assert languages == ["Finnish", "Italian"]
    assert sorted(set(labels)) == [0, 1] and len(surnames) > 1000


def test_surname_origins_reject_bad_locales():
    with pytest.raises(ValueError, match="at least two"):
        load_surname_origins({"fi_FI": "Finnish"})
    with pytest.raises(ValueError, match="no person provider"):
        load_surname_origins({"fi_FI": "Finnish", "xx_XX": "Nowhere"})
