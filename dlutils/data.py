"""Data sets as train/validation/test splits, and the DataLoaders that feed them to a model."""

from __future__ import annotations

import gzip
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.datasets import load_digits as _sklearn_digits
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader, Dataset, TensorDataset

from .downloads import download


@dataclass(frozen=True)
class Splits:
    """Three disjoint parts of one data set: fit on ``train``, choose on ``valid``, report on ``test``."""

    train: TensorDataset
    valid: TensorDataset
    test: TensorDataset

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "valid": len(self.valid), "test": len(self.test)}


def split_tensors(
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    valid_fraction: float = 0.15,
    test_fraction: float = 0.15,
    seed: int = 0,
) -> Splits:
    """Split examples into train/valid/test, stratified by label so every class appears in each part."""
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X holds {X.shape[0]} examples but y holds {y.shape[0]} labels")
    for name, fraction in (("valid_fraction", valid_fraction), ("test_fraction", test_fraction)):
        if not 0 < fraction < 1:
            raise ValueError(f"{name} must be between 0 and 1, got {fraction}")
    if valid_fraction + test_fraction >= 1:
        raise ValueError("valid_fraction + test_fraction must leave some examples for training")
    index = np.arange(X.shape[0])
    labels = y.cpu().numpy()
    rest, test = train_test_split(
        index, test_size=test_fraction, stratify=labels, random_state=seed
    )
    train, valid = train_test_split(
        rest,
        test_size=valid_fraction / (1 - test_fraction),
        stratify=labels[rest],
        random_state=seed,
    )

    def part(index):
        index = torch.as_tensor(index)
        return TensorDataset(X[index], y[index])

    return Splits(part(train), part(valid), part(test))


def load_digits(
    *,
    flatten: bool = False,
    valid_fraction: float = 0.15,
    test_fraction: float = 0.15,
    seed: int = 0,
) -> Splits:
    """The 1,797 handwritten 8×8 digits bundled with scikit-learn (no download).

    Images are float32 in [0, 1], shaped ``[N, 1, 8, 8]`` (or ``[N, 64]`` with ``flatten=True``);
    labels are int64 in 0..9.
    """
    digits = _sklearn_digits()
    X = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)
    if flatten:
        X = X.reshape(len(X), -1)
    y = torch.tensor(digits.target, dtype=torch.int64)
    return split_tensors(
        X, y, valid_fraction=valid_fraction, test_fraction=test_fraction, seed=seed
    )


def make_loaders(
    splits: Splits,
    batch_size: int,
    *,
    seed: int = 0,
    num_workers: int = 0,
    pin_memory: bool = False,
) -> tuple[DataLoader, DataLoader, DataLoader]:
    """DataLoaders for the three splits; only ``train`` is shuffled, with its own seeded generator.

    ``pin_memory=True`` puts each batch in page-locked memory, from which a CUDA GPU can copy it
    asynchronously (``fit`` then copies with ``non_blocking=True``); it only helps with a GPU.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    for name, part in vars(splits).items():
        if len(part) == 0:
            raise ValueError(f"the {name} split is empty")
    generator = torch.Generator().manual_seed(seed)
    train = DataLoader(
        splits.train,
        batch_size=batch_size,
        shuffle=True,
        generator=generator,
        num_workers=num_workers,
        pin_memory=pin_memory,
    )
    valid = DataLoader(
        splits.valid, batch_size=batch_size, num_workers=num_workers, pin_memory=pin_memory
    )
    test = DataLoader(
        splits.test, batch_size=batch_size, num_workers=num_workers, pin_memory=pin_memory
    )
    return train, valid, test


def subset(dataset: Dataset, n: int, *, seed: int = 0) -> TensorDataset:
    """A random ``n``-example subset of a TensorDataset (a smaller run for the ``fast`` profile)."""
    if not isinstance(dataset, TensorDataset):
        raise TypeError("subset expects a TensorDataset")
    if not 0 < n <= len(dataset):
        raise ValueError(f"n must be between 1 and {len(dataset)}, got {n}")
    index = torch.randperm(len(dataset), generator=torch.Generator().manual_seed(seed))[:n]
    return TensorDataset(*(t[index] for t in dataset.tensors))


# Fashion-MNIST (Xiao et al., 2017), 60k + 10k 28×28 grey images, for the ``full`` profile.
FASHION_MNIST_MIRRORS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)
FASHION_MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc",
    "train-labels-idx1-ubyte.gz": "b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc",
    "t10k-images-idx3-ubyte.gz": "78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229",
    "t10k-labels-idx1-ubyte.gz": "42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf",
}
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


def read_idx(path) -> np.ndarray:
    """Read a gzipped IDX file (the MNIST format) into an array, checking its header and size."""
    try:
        with gzip.open(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as error:
        raise ValueError(
            f"{path} is not a readable gzip file ({error}); delete it and download again"
        ) from error
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes (bad magic number)")
    ndim = data[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    if len(data) != header + int(np.prod(shape)):
        raise ValueError(
            f"{path} is truncated or corrupt: header says {shape}, size is {len(data) - header} bytes"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def load_fashion_mnist(
    *, flatten: bool = False, valid_fraction: float = 1 / 6, seed: int = 0, folder=None
) -> Splits:
    """Fashion-MNIST as ``[N, 1, 28, 28]`` floats in [0, 1] (``[N, 784]`` with ``flatten=True``).

    Downloads about 30 MB once, for the ``full`` profile.

    The official test set is kept as ``test``; ``valid`` is carved out of the official training set.
    """
    paths = {
        name: download(
            [mirror + name for mirror in FASHION_MNIST_MIRRORS], sha, name, folder=folder
        )
        for name, sha in FASHION_MNIST_FILES.items()
    }

    def as_images(array):
        images = torch.tensor(array, dtype=torch.float32).div_(255).unsqueeze(1)
        return images.reshape(len(images), -1) if flatten else images

    X_train = as_images(read_idx(paths["train-images-idx3-ubyte.gz"]))
    y_train = torch.tensor(read_idx(paths["train-labels-idx1-ubyte.gz"]), dtype=torch.int64)
    X_test = as_images(read_idx(paths["t10k-images-idx3-ubyte.gz"]))
    y_test = torch.tensor(read_idx(paths["t10k-labels-idx1-ubyte.gz"]), dtype=torch.int64)
    train, valid = train_test_split(
        np.arange(len(y_train)),
        test_size=valid_fraction,
        stratify=y_train.numpy(),
        random_state=seed,
    )
    train, valid = torch.as_tensor(train), torch.as_tensor(valid)
    return Splits(
        TensorDataset(X_train[train], y_train[train]),
        TensorDataset(X_train[valid], y_train[valid]),
        TensorDataset(X_test, y_test),
    )
