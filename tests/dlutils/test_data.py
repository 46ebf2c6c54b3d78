import gzip
import struct

import numpy as np
import pytest
import torch
from torch.utils.data import TensorDataset

import dlutils.data
from dlutils import (
    Splits,
    load_digits,
    load_fashion_mnist,
    make_loaders,
    read_idx,
    split_tensors,
    subset,
)

N_DIGITS = 1797


def unique_rows(n=200, classes=4):
    """Examples whose single feature is their index, so a split can be traced back to indices."""
    return torch.arange(n).unsqueeze(1), torch.arange(n) % classes


def indices(dataset) -> set[int]:
    return set(dataset.tensors[0][:, 0].tolist())


def order(loader) -> list[int]:
    return torch.cat([x[:, 0] for x, _ in loader]).tolist()


# load_digits


def test_load_digits_sizes_shapes_and_types():
    splits = load_digits()
    assert splits.sizes() == {"train": 1257, "valid": 270, "test": 270}
    assert sum(splits.sizes().values()) == N_DIGITS
    X, y = splits.train.tensors
    assert X.shape == (1257, 1, 8, 8) and X.dtype == torch.float32
    assert y.shape == (1257,) and y.dtype == torch.int64


def test_load_digits_flatten(digits_flat):
    assert digits_flat.train.tensors[0].shape == (1257, 64)
    assert digits_flat.valid.tensors[0].shape == (270, 64)
    assert digits_flat.test.tensors[0].shape == (270, 64)
    # Flattening only reshapes: same images, same order.
    images = load_digits().train.tensors[0]
    assert torch.equal(images.reshape(len(images), -1), digits_flat.train.tensors[0])


def test_load_digits_values_are_in_the_unit_interval(digits_flat):
    for part in (digits_flat.train, digits_flat.valid, digits_flat.test):
        X, y = part.tensors
        assert X.min() == 0.0 and X.max() == 1.0
        assert y.min() >= 0 and y.max() <= 9


def test_load_digits_puts_every_class_in_every_split(digits_flat):
    for part in (digits_flat.train, digits_flat.valid, digits_flat.test):
        assert set(part.tensors[1].tolist()) == set(range(10))


def test_load_digits_is_deterministic_for_a_seed(digits_flat):
    again, other = load_digits(flatten=True), load_digits(flatten=True, seed=1)
    for name in ("train", "valid", "test"):
        assert torch.equal(getattr(again, name).tensors[0], getattr(digits_flat, name).tensors[0])
        assert torch.equal(getattr(again, name).tensors[1], getattr(digits_flat, name).tensors[1])
    assert not torch.equal(other.test.tensors[1], digits_flat.test.tensors[1])


def test_load_digits_honours_the_fractions():
    assert load_digits(valid_fraction=0.1, test_fraction=0.2).sizes() == {
        "train": 1257,
        "valid": 180,
        "test": 360,
    }


def test_load_digits_rejects_bad_fractions():
    with pytest.raises(ValueError, match="test_fraction must be between 0 and 1"):
        load_digits(test_fraction=0)


# split_tensors


def test_split_tensors_parts_are_disjoint_and_cover_everything():
    X, y = unique_rows()
    splits = split_tensors(X, y, valid_fraction=0.2, test_fraction=0.1)
    train, valid, test = indices(splits.train), indices(splits.valid), indices(splits.test)
    assert not train & valid and not train & test and not valid & test
    assert train | valid | test == set(range(200))
    assert splits.sizes() == {"train": 140, "valid": 40, "test": 20}


def test_split_tensors_keeps_each_label_with_its_example():
    X, y = unique_rows()
    splits = split_tensors(X, y)
    for part in (splits.train, splits.valid, splits.test):
        features, labels = part.tensors
        assert torch.equal(labels, features[:, 0] % 4)


def test_split_tensors_is_stratified():
    X, y = unique_rows(n=400)
    splits = split_tensors(X, y, valid_fraction=0.25, test_fraction=0.25)
    for part in (splits.valid, splits.test):
        assert torch.bincount(part.tensors[1]).tolist() == [25, 25, 25, 25]


def test_split_tensors_same_seed_same_split_other_seed_other_split():
    X, y = unique_rows()
    first, again, other = (
        split_tensors(X, y, seed=3),
        split_tensors(X, y, seed=3),
        split_tensors(X, y, seed=4),
    )
    assert indices(first.test) == indices(again.test) and indices(first.valid) == indices(
        again.valid
    )
    assert indices(first.test) != indices(other.test)


def test_split_tensors_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="X holds 10 examples but y holds 9 labels"):
        split_tensors(torch.zeros(10, 2), torch.zeros(9, dtype=torch.long))


@pytest.mark.parametrize("fraction", [0, 0.0, 1, 1.5, -0.1])
def test_split_tensors_rejects_fractions_outside_zero_one(fraction):
    X, y = unique_rows()
    with pytest.raises(ValueError, match="valid_fraction must be between 0 and 1"):
        split_tensors(X, y, valid_fraction=fraction)
    with pytest.raises(ValueError, match="test_fraction must be between 0 and 1"):
        split_tensors(X, y, test_fraction=fraction)


def test_split_tensors_must_leave_examples_for_training():
    X, y = unique_rows()
    with pytest.raises(ValueError, match="must leave some examples for training"):
        split_tensors(X, y, valid_fraction=0.5, test_fraction=0.5)


# make_loaders


def test_make_loaders_batches_every_split(digits_flat):
    train, valid, test = make_loaders(digits_flat, batch_size=100)
    assert (len(train), len(valid), len(test)) == (13, 3, 3)
    x, y = next(iter(train))
    assert x.shape == (100, 64) and y.shape == (100,)
    assert sum(len(y) for _, y in train) == 1257


def test_make_loaders_shuffles_only_train_reproducibly():
    splits = split_tensors(*unique_rows())
    train, valid, test = make_loaders(splits, batch_size=16, seed=5)
    train_again, _, _ = make_loaders(splits, batch_size=16, seed=5)
    train_other, _, _ = make_loaders(splits, batch_size=16, seed=6)

    first_epoch = order(train)
    assert first_epoch == order(train_again)
    assert first_epoch != order(train_other)
    assert sorted(first_epoch) == sorted(indices(splits.train))
    assert first_epoch != splits.train.tensors[0][:, 0].tolist()  # shuffled
    assert order(train) != first_epoch  # a new order every epoch...
    assert (
        order(valid) == splits.valid.tensors[0][:, 0].tolist()
    )  # ...but valid and test are not shuffled
    assert order(test) == splits.test.tensors[0][:, 0].tolist()


def test_make_loaders_second_epoch_is_reproducible_too():
    splits = split_tensors(*unique_rows())
    a, _, _ = make_loaders(splits, batch_size=16, seed=5)
    b, _, _ = make_loaders(splits, batch_size=16, seed=5)
    assert [order(a), order(a)] == [order(b), order(b)]


def test_make_loaders_do_not_touch_the_global_generator():
    splits = split_tensors(*unique_rows())
    state = torch.get_rng_state()
    train, _, _ = make_loaders(splits, batch_size=16, seed=0)
    order(train)
    assert torch.equal(state, torch.get_rng_state())


@pytest.mark.parametrize("batch_size", [0, -4, 2.5, True, "8", None])
def test_make_loaders_rejects_bad_batch_sizes(digits_flat, batch_size):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        make_loaders(digits_flat, batch_size=batch_size)


def test_make_loaders_rejects_an_empty_split(digits_flat):
    empty = TensorDataset(torch.zeros(0, 64), torch.zeros(0, dtype=torch.long))
    splits = Splits(digits_flat.train, empty, digits_flat.test)
    with pytest.raises(ValueError, match="the valid split is empty"):
        make_loaders(splits, batch_size=8)


# subset


def test_subset_takes_n_distinct_examples_with_their_labels():
    X, y = unique_rows()
    small = subset(TensorDataset(X, y), 30)
    assert len(small) == 30 and isinstance(small, TensorDataset)
    rows = small.tensors[0][:, 0]
    assert len(set(rows.tolist())) == 30 and rows.max() < 200
    assert torch.equal(small.tensors[1], rows % 4)


def test_subset_is_random_but_repeatable():
    dataset = TensorDataset(*unique_rows())
    assert indices(subset(dataset, 20, seed=1)) == indices(subset(dataset, 20, seed=1))
    assert indices(subset(dataset, 20, seed=1)) != indices(subset(dataset, 20, seed=2))
    assert indices(subset(dataset, 20)) != set(range(20))  # not simply the first 20


def test_subset_of_everything_is_a_permutation():
    dataset = TensorDataset(*unique_rows())
    assert indices(subset(dataset, 200)) == set(range(200))


@pytest.mark.parametrize("n", [0, -1, 201])
def test_subset_rejects_sizes_out_of_range(n):
    with pytest.raises(ValueError, match="n must be between 1 and 200"):
        subset(TensorDataset(*unique_rows()), n)


def test_subset_needs_a_tensor_dataset():
    with pytest.raises(TypeError, match="subset expects a TensorDataset"):
        subset([(torch.zeros(1), 0)] * 5, 2)


# read_idx


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    return header + array.astype(np.uint8).tobytes()


def write_gz(path, payload: bytes):
    with gzip.open(path, "wb") as f:
        f.write(payload)
    return path


def test_read_idx_reads_images_and_labels(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    labels = np.array([7, 0, 255], dtype=np.uint8)
    read_images = read_idx(write_gz(tmp_path / "images.gz", idx_bytes(images)))
    read_labels = read_idx(str(write_gz(tmp_path / "labels.gz", idx_bytes(labels))))
    assert read_images.dtype == np.uint8 and read_images.shape == (2, 3, 4)
    assert np.array_equal(read_images, images)
    assert np.array_equal(read_labels, labels)


def test_read_idx_rejects_a_truncated_payload(tmp_path):
    path = write_gz(tmp_path / "short.gz", idx_bytes(np.zeros((2, 3, 4)))[:-5])
    with pytest.raises(
        ValueError, match=r"truncated or corrupt: header says \(2, 3, 4\), size is 19 bytes"
    ):
        read_idx(path)


def test_read_idx_rejects_extra_bytes(tmp_path):
    path = write_gz(tmp_path / "long.gz", idx_bytes(np.zeros(3)) + b"\x00")
    with pytest.raises(ValueError, match="truncated or corrupt"):
        read_idx(path)


def test_read_idx_rejects_a_truncated_gzip_stream(tmp_path):
    whole = gzip.compress(idx_bytes(np.zeros((20, 20))))
    path = tmp_path / "cut.gz"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ValueError, match="not a readable gzip file.*download again"):
        read_idx(path)


@pytest.mark.parametrize("header", [b"\x08\x03\x00\x00", b"\x00\x00\x0d\x01", b"\x00\x00"])
def test_read_idx_rejects_a_wrong_magic_number(tmp_path, header):
    path = write_gz(tmp_path / "magic.gz", header + b"\x00" * 8)
    with pytest.raises(ValueError, match="bad magic number"):
        read_idx(path)


def test_read_idx_rejects_a_file_that_is_not_gzip(tmp_path):
    path = tmp_path / "plain.idx"
    path.write_bytes(idx_bytes(np.zeros(3)))
    with pytest.raises(ValueError, match=r"plain\.idx is not a readable gzip file"):
        read_idx(path)


def test_read_idx_reports_a_missing_file(tmp_path):
    with pytest.raises(ValueError, match="missing.gz is not a readable gzip file"):
        read_idx(tmp_path / "missing.gz")


# load_fashion_mnist, with download replaced by small local files


TRAIN_LABELS, TEST_LABELS = np.arange(60) % 10, np.arange(20) % 10


@pytest.fixture
def fake_fashion_mnist(tmp_path, monkeypatch) -> list:
    """Replace the download with small local IDX files (60 train, 20 test images); return the requests."""
    rng = np.random.default_rng(0)
    payloads = {
        "train-images-idx3-ubyte.gz": idx_bytes(rng.integers(0, 256, (60, 28, 28))),
        "train-labels-idx1-ubyte.gz": idx_bytes(TRAIN_LABELS),
        "t10k-images-idx3-ubyte.gz": idx_bytes(rng.integers(0, 256, (20, 28, 28))),
        "t10k-labels-idx1-ubyte.gz": idx_bytes(TEST_LABELS),
    }
    requested = []

    def fake_download(urls, sha256, filename, folder=None):
        requested.append((filename, sha256, tuple(urls), folder))
        return write_gz(tmp_path / filename, payloads[filename])

    monkeypatch.setattr(dlutils.data, "download", fake_download)
    return requested


def test_load_fashion_mnist_builds_splits_from_the_idx_files(fake_fashion_mnist, tmp_path):
    requested = fake_fashion_mnist
    splits = load_fashion_mnist(folder=tmp_path)

    assert splits.sizes() == {"train": 50, "valid": 10, "test": 20}
    assert {r[0] for r in requested} == set(dlutils.data.FASHION_MNIST_FILES)
    for filename, sha256, urls, folder in requested:
        assert sha256 == dlutils.data.FASHION_MNIST_FILES[filename] and folder == tmp_path
        assert urls == tuple(mirror + filename for mirror in dlutils.data.FASHION_MNIST_MIRRORS)
    X, y = splits.test.tensors
    assert X.shape == (20, 1, 28, 28) and X.dtype == torch.float32 and 0 <= X.min() and X.max() <= 1
    assert y.tolist() == TEST_LABELS.tolist()  # the official test set, in order
    assert set(splits.valid.tensors[1].tolist()) == set(range(10))  # valid is stratified


def test_load_fashion_mnist_flatten(fake_fashion_mnist, tmp_path):
    images = load_fashion_mnist(folder=tmp_path).test.tensors[0]
    flat = load_fashion_mnist(folder=tmp_path, flatten=True)
    assert flat.train.tensors[0].shape == (50, 784) and flat.test.tensors[0].shape == (20, 784)
    assert torch.equal(flat.test.tensors[0], images.reshape(20, -1))


def test_load_fashion_mnist_rejects_a_corrupt_download(fake_fashion_mnist, tmp_path, monkeypatch):
    def truncated(urls, sha256, filename, folder=None):
        return write_gz(tmp_path / filename, idx_bytes(np.zeros((3, 28, 28)))[:-1])

    monkeypatch.setattr(dlutils.data, "download", truncated)
    with pytest.raises(ValueError, match="truncated or corrupt"):
        load_fashion_mnist(folder=tmp_path)
