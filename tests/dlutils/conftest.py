"""Fixtures shared by the dlutils unit tests: tiny data, tiny models, clean global state."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere: no windows, no notebook

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

import dlutils  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def one_cpu_thread():
    """Tiny models gain nothing from threads, and on a busy 2-core machine OpenMP threads that wait
    for each other make every step several times slower (and the suite's time erratic)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def clean_global_state(monkeypatch):
    """Undo what seed_everything and plotting change globally, so tests do not leak into each other."""
    deterministic = torch.are_deterministic_algorithms_enabled()
    benchmark = torch.backends.cudnn.benchmark
    monkeypatch.delenv(
        "CUBLAS_WORKSPACE_CONFIG", raising=False
    )  # restored by monkeypatch afterwards
    monkeypatch.delenv("DLUTILS_DISPLAY", raising=False)
    yield
    torch.use_deterministic_algorithms(deterministic)
    torch.backends.cudnn.benchmark = benchmark
    plt.close("all")


@pytest.fixture(scope="session")
def digits_flat() -> dlutils.Splits:
    """The digits splits with images flattened to 64 features (loaded once: sklearn reads a file)."""
    return dlutils.load_digits(flatten=True)


@pytest.fixture
def digits_loaders(digits_flat):
    """Fresh (train, valid, test) loaders over the flattened digits, batch size 128, seed 0."""
    return dlutils.make_loaders(digits_flat, batch_size=128, seed=0)


@pytest.fixture
def make_mlp():
    """Builds a small MLP for 64-feature digits, with dropout so that the global RNG matters."""

    def build(dropout: float = 0.2) -> nn.Module:
        return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Dropout(dropout), nn.Linear(32, 10))

    return build


@pytest.fixture
def tiny_loader() -> DataLoader:
    """Three batches (4 + 4 + 2 examples) of 5 features and 3 classes, not shuffled."""
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(10, 5, generator=generator)
    y = torch.arange(10) % 3
    return DataLoader(TensorDataset(X, y), batch_size=4)


@pytest.fixture
def tiny_model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Linear(5, 3)
