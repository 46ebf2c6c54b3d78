import pytest

from dlutils import PROFILES, check_profile, pick


def test_the_three_profiles_in_order():
    assert PROFILES == ("fast", "default", "full")


@pytest.mark.parametrize("profile", ["fast", "default", "full"])
def test_check_profile_returns_a_known_profile(profile):
    assert check_profile(profile) == profile


@pytest.mark.parametrize("profile", ["slow", "FAST", " fast", "", None, 1])
def test_check_profile_rejects_unknown_profiles_listing_the_choices(profile):
    with pytest.raises(ValueError, match=r"unknown profile .*choose one of fast, default, full"):
        check_profile(profile)


@pytest.mark.parametrize("profile, expected", [("fast", 3), ("default", 20), ("full", 60)])
def test_pick_returns_the_value_of_the_profile(profile, expected):
    assert pick(profile, fast=3, default=20, full=60) == expected


def test_pick_returns_the_object_itself():
    fast, default, full = [1], [2], [3]
    assert pick("default", fast=fast, default=default, full=full) is default


def test_pick_rejects_an_unknown_profile():
    with pytest.raises(ValueError, match="unknown profile 'huge'"):
        pick("huge", fast=1, default=2, full=3)


def test_pick_needs_all_three_values_by_keyword():
    with pytest.raises(TypeError, match="full"):
        pick("fast", fast=1, default=2)
    with pytest.raises(TypeError):
        pick("fast", 1, 2, 3)
