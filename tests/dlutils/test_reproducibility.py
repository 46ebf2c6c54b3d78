import os
import random

import numpy as np
import pytest
import torch

from dlutils import seed_everything


def draws() -> tuple:
    return random.random(), np.random.rand(3).tolist(), torch.rand(3), torch.randn(2, 2)


def test_same_seed_gives_same_random_draws_everywhere():
    seed_everything(123)
    first = draws()
    seed_everything(123)
    second = draws()
    assert first[0] == second[0]
    assert first[1] == second[1]
    assert torch.equal(first[2], second[2]) and torch.equal(first[3], second[3])


def test_different_seeds_give_different_draws():
    seed_everything(1)
    first = draws()
    seed_everything(2)
    second = draws()
    assert first[0] != second[0]
    assert first[1] != second[1]
    assert not torch.equal(first[2], second[2])


def test_seeding_makes_dropout_repeatable():
    dropout = torch.nn.Dropout(0.5)
    seed_everything(7)
    first = dropout(torch.ones(100))
    seed_everything(7)
    assert torch.equal(first, dropout(torch.ones(100)))


def test_deterministic_algorithms_are_turned_on_by_default():
    torch.use_deterministic_algorithms(False)
    seed_everything(0)
    assert torch.are_deterministic_algorithms_enabled()
    assert torch.backends.cudnn.benchmark is False
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"


def test_an_operation_without_a_deterministic_version_warns_instead_of_failing():
    # On CUDA, e.g. the backward pass of nn.AdaptiveAvgPool2d: a chapter must still run there.
    seed_everything(0)
    assert torch.is_deterministic_algorithms_warn_only_enabled()


def test_deterministic_false_turns_them_off():
    torch.use_deterministic_algorithms(True)
    seed_everything(0, deterministic=False)
    assert not torch.are_deterministic_algorithms_enabled()


def test_an_existing_cublas_setting_is_kept(monkeypatch):
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":16:8")
    seed_everything(0)
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":16:8"


@pytest.mark.parametrize("seed", [0, 2**32 - 1, np.int64(5), np.uint32(9)])
def test_seeds_in_range_are_accepted(seed):
    seed_everything(seed)
    value = torch.rand(1)
    torch.manual_seed(int(seed))
    assert torch.equal(value, torch.rand(1))


@pytest.mark.parametrize("seed", [-1, 2**32, 10**20])
def test_seeds_out_of_range_are_rejected(seed):
    with pytest.raises(ValueError, match=r"seed must be in \[0, 2\*\*32\)"):
        seed_everything(seed)


@pytest.mark.parametrize("seed", [1.0, "1", None, True, [1]])
def test_seeds_of_the_wrong_type_are_rejected(seed):
    with pytest.raises(TypeError, match="seed must be an integer"):
        seed_everything(seed)


def test_a_rejected_seed_changes_nothing():
    torch.use_deterministic_algorithms(False)
    state = torch.get_rng_state()
    with pytest.raises(ValueError):
        seed_everything(-5)
    assert torch.equal(state, torch.get_rng_state())
    assert not torch.are_deterministic_algorithms_enabled()
