"""Dataset loaders: the real MNIST in IDX, the Keras cache, small made-up CIFAR-10 and notMNIST,
the always-present digits, and the messages that say what is missing and where it goes."""

from __future__ import annotations

import gzip
import io
import pickle
import socket
import tarfile
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from training_sandbox.inside import datasets
from training_sandbox.inside.datasets import DatasetMissing, read_idx

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]

needs_shared_mnist = pytest.mark.skipif(
    not (SHARED_DATASETS / "mnist").is_dir(),
    reason=f"the real MNIST is not in {SHARED_DATASETS / 'mnist'}",
)


@pytest.fixture
def empty_places(tmp_path, monkeypatch):
    """An empty KB_DATASETS_DIR and an empty Keras home; downloads not allowed."""
    local, keras_home = tmp_path / "datasets", tmp_path / "keras"
    local.mkdir()
    keras_home.mkdir()
    monkeypatch.setenv("KB_DATASETS_DIR", str(local))
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    monkeypatch.delenv("KB_ALLOW_DOWNLOADS", raising=False)
    return local, keras_home / "datasets"


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to reach the network fails the test."""

    def refuse(*args, **kwargs):
        pytest.fail(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(urllib.request, "urlretrieve", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def _idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    return header + array.astype(np.uint8).tobytes()


def test_read_idx_parses_header_and_data():
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    assert np.array_equal(read_idx(io.BytesIO(_idx(images))), images)
    labels = np.array([7, 0, 9], dtype=np.uint8)
    assert np.array_equal(read_idx(io.BytesIO(_idx(labels))), labels)


def test_read_idx_refuses_other_files():
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(io.BytesIO(b"PK\x03\x04 a zip file"))
    with pytest.raises(ValueError, match="the header says"):
        read_idx(io.BytesIO(_idx(np.zeros((2, 2), np.uint8))[:-1]))


@needs_shared_mnist
def test_real_mnist_from_the_idx_files(empty_places, monkeypatch, no_network):
    monkeypatch.setenv("KB_DATASETS_DIR", str(SHARED_DATASETS))
    mnist = datasets.load("mnist")
    (x_train, y_train), (x_test, y_test) = mnist.train, mnist.test
    assert mnist.source == str(SHARED_DATASETS / "mnist")
    assert x_train.shape == (60_000, 28, 28, 1) and x_test.shape == (10_000, 28, 28, 1)
    assert x_train.dtype == np.float32 and 0.0 == x_train.min() and x_train.max() == 1.0
    assert y_train.shape == (60_000,) and y_test.shape == (10_000,)
    assert (y_train.min(), y_train.max()) == (0, 9)
    assert np.bincount(y_train).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == MNIST_TEST_COUNTS


def _write_mnist_idx(folder: Path) -> None:
    """A tiny MNIST in IDX form, the training files plain and the test files gzipped."""
    folder.mkdir()
    for stem, array in {
        "train-images-idx3-ubyte": np.full((3, 28, 28), 255),
        "train-labels-idx1-ubyte": np.array([1, 2, 3]),
        "t10k-images-idx3-ubyte.gz": np.zeros((2, 28, 28)),
        "t10k-labels-idx1-ubyte.gz": np.array([4, 5]),
    }.items():
        data = _idx(array)
        path = folder / stem
        path.write_bytes(gzip.compress(data) if stem.endswith(".gz") else data)


def test_uncompressed_idx_files_are_read_too(empty_places):
    local, _ = empty_places
    _write_mnist_idx(local / "mnist")
    mnist = datasets.load("mnist")
    assert mnist.train[0].shape == (3, 28, 28, 1) and mnist.train[0].max() == 1.0
    assert mnist.test[1].tolist() == [4, 5]


@pytest.mark.parametrize(
    ("name", "files"),
    [
        ("mnist", ["mnist/train-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz"]),
        ("cifar10", ["cifar-10-python.tar.gz", "cifar-10-batches-py/"]),
        ("notmnist", ["notMNIST_small.mat"]),
    ],
)
def test_missing_dataset_names_the_files_and_where_they_go(empty_places, no_network, name, files):
    local, keras_cache = empty_places
    with pytest.raises(DatasetMissing) as raised:
        datasets.load(name)
    message = str(raised.value)
    assert f"{name!r}" in message and str(local) in message
    for file in files:
        assert file in message
    if name != "notmnist":
        assert str(keras_cache) in message and "KB_ALLOW_DOWNLOADS=1" in message


def test_missing_dataset_without_a_configured_folder(empty_places, monkeypatch, no_network):
    monkeypatch.delenv("KB_DATASETS_DIR")
    with pytest.raises(DatasetMissing, match="set KB_DATASETS_DIR to a folder holding mnist/"):
        datasets.load("mnist")


@pytest.mark.parametrize("setting", ["0", "yes", ""])
def test_nothing_is_downloaded_unless_allowed(empty_places, monkeypatch, no_network, setting):
    monkeypatch.setenv("KB_ALLOW_DOWNLOADS", setting)
    for name in ("mnist", "cifar10", "notmnist"):
        with pytest.raises(DatasetMissing):
            datasets.load(name)
    assert not any(empty_places[1].parent.rglob("*.npz"))


def test_download_goes_through_keras_datasets_when_allowed(empty_places, monkeypatch):
    from training_sandbox.inside.models import keras  # Keras, with the torch backend chosen

    monkeypatch.setenv("KB_ALLOW_DOWNLOADS", "1")
    fetched = (
        (np.zeros((2, 28, 28), np.uint8), np.array([1, 2])),
        (
            np.zeros((1, 28, 28), np.uint8),
            np.array([3]),
        ),
    )
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: fetched)
    mnist = datasets.load("mnist")
    assert mnist.source == str(empty_places[1] / "mnist.npz")
    assert mnist.train[0].shape == (2, 28, 28, 1) and mnist.test[1].tolist() == [3]


def test_fetch_downloads_only_when_allowed(empty_places, monkeypatch):
    from training_sandbox.inside.models import keras

    downloads = []

    def load_data():
        downloads.append("mnist")
        x, y = np.zeros((1, 28, 28), np.uint8), np.array([7])
        return (x, y), (x, y)

    monkeypatch.setattr(keras.datasets.mnist, "load_data", load_data)
    datasets.fetch("mnist")  # not allowed: nothing happens, the job will say what is missing
    datasets.fetch("digits")
    assert downloads == []
    monkeypatch.setenv("KB_ALLOW_DOWNLOADS", "1")
    datasets.fetch("mnist")
    datasets.fetch("notmnist")  # keras.datasets has none: left for the job to report
    assert downloads == ["mnist"]


def test_to_download_only_what_can_be_and_is_in_no_folder(empty_places):
    local, cache = empty_places
    folders = datasets.Folders(local, cache)
    assert datasets.to_download("mnist", folders) and datasets.to_download("cifar10", folders)
    assert not datasets.to_download("notmnist", folders)  # keras.datasets has none
    assert not datasets.to_download("digits", folders)  # inside scikit-learn
    _write_mnist_idx(local / "mnist")
    assert not datasets.to_download("mnist", folders)
    assert datasets.to_download(
        "mnist", datasets.Folders(None, cache)
    )  # only the cache is looked in


def test_keras_cache_fallback(empty_places, no_network):
    _, keras_cache = empty_places
    keras_cache.mkdir()
    rng = np.random.default_rng(0)
    np.savez(
        keras_cache / "mnist.npz",
        x_train=rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
        y_train=np.array([0, 1, 2, 3, 4], np.uint8),
        x_test=np.full((2, 28, 28), 255, np.uint8),
        y_test=np.array([9, 8], np.uint8),
    )
    mnist = datasets.load("mnist")
    assert mnist.source == str(keras_cache / "mnist.npz")
    assert mnist.train[0].shape == (5, 28, 28, 1) and mnist.train[1].tolist() == [0, 1, 2, 3, 4]
    assert mnist.test[0].max() == 1.0 and mnist.test[1].dtype == np.int64


def _cifar_batch(first_label: int, count: int = 2) -> bytes:
    # Row layout of the python version: 1024 red, then 1024 green, then 1024 blue bytes.
    planes = np.zeros((count, 3, 32, 32), np.uint8)
    planes[:, 0, 0, 1] = 255  # red at row 0, column 1
    planes[:, 2, 31, 0] = 51  # blue at row 31, column 0
    labels = [(first_label + i) % 10 for i in range(count)]
    return pickle.dumps({b"data": planes.reshape(count, 3072), b"labels": labels})


def _cifar_files() -> dict[str, bytes]:
    files = {f"data_batch_{i}": _cifar_batch(i) for i in range(1, 6)}
    files["test_batch"] = _cifar_batch(0, count=3)
    return files


def _check_cifar(cifar: datasets.Dataset, source: Path) -> None:
    (x_train, y_train), (x_test, y_test) = cifar.train, cifar.test
    assert cifar.source == str(source)
    assert x_train.shape == (10, 32, 32, 3) and x_test.shape == (3, 32, 32, 3)
    assert y_train.tolist() == [1, 2, 2, 3, 3, 4, 4, 5, 5, 6] and y_test.tolist() == [0, 1, 2]
    assert x_train[0, 0, 1].tolist() == [1.0, 0.0, 0.0]
    assert x_train[0, 31, 0].tolist() == [0.0, 0.0, pytest.approx(0.2)]


def test_cifar10_from_the_batches_folder(empty_places, no_network):
    local, _ = empty_places
    folder = local / "cifar-10-batches-py"
    folder.mkdir()
    for name, data in _cifar_files().items():
        (folder / name).write_bytes(data)
    _check_cifar(datasets.load("cifar10"), folder)


def _write_cifar_archive(path: Path) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in _cifar_files().items():
            member = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


def test_cifar10_from_the_archive(empty_places, no_network):
    local, _ = empty_places
    _write_cifar_archive(local / "cifar-10-python.tar.gz")
    _check_cifar(datasets.load("cifar10"), local / "cifar-10-python.tar.gz")


def test_cifar10_from_the_keras_cache(empty_places, no_network):
    _, keras_cache = empty_places
    folder = keras_cache / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for name, data in _cifar_files().items():
        (folder / name).write_bytes(data)
    _check_cifar(datasets.load("cifar10"), folder)


def test_notmnist_from_the_mat_file(empty_places, no_network):
    from scipy.io import savemat

    local, _ = empty_places
    count = 50
    images = np.zeros((28, 28, count), np.uint8)  # the .mat keeps samples on the last axis
    images[3, 5, :] = 255
    labels = np.arange(count) % 10
    savemat(local / "notMNIST_small.mat", {"images": images, "labels": labels})
    notmnist = datasets.load("notmnist")
    (x_train, y_train), (x_test, y_test) = notmnist.train, notmnist.test
    assert notmnist.source == str(local / "notMNIST_small.mat")
    assert x_train.shape == (40, 28, 28, 1) and x_test.shape == (10, 28, 28, 1)
    assert (x_train[:, 3, 5, 0] == 1.0).all() and x_train.sum() == 40
    assert sorted(y_train.tolist() + y_test.tolist()) == sorted(labels.tolist())
    assert datasets.load("notmnist").test[1].tolist() == y_test.tolist()  # a fixed split


def test_digits_are_always_there(empty_places, monkeypatch, no_network):
    monkeypatch.delenv("KB_DATASETS_DIR")
    digits = datasets.load("digits")
    (x_train, _), (x_test, y_test) = digits.train, digits.test
    assert x_train.shape == (1437, 8, 8, 1) and x_test.shape == (360, 8, 8, 1)
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    assert set(y_test.tolist()) == set(range(10))


def test_unknown_dataset():
    with pytest.raises(ValueError, match="unknown dataset 'svhn'"):
        datasets.load("svhn")
