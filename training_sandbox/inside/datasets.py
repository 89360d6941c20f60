"""Dataset loaders for the sandbox's examples, offline first.

Each loader looks, in order, in the folder named by ``KB_DATASETS_DIR``, then in the Keras cache
(``$KERAS_HOME/datasets``, else ``~/.keras/datasets``: the files ``keras.datasets`` would use), and
downloads through ``keras.datasets`` only when ``KB_ALLOW_DOWNLOADS=1``. Otherwise a missing
dataset raises `DatasetMissing`, which says which file to put where. A job has no network: the
worker calls `fetch` before it starts, which downloads into the Keras cache the job then reads.

Expected files, relative to ``KB_DATASETS_DIR``:

- MNIST: ``mnist/train-images-idx3-ubyte.gz``, ``mnist/train-labels-idx1-ubyte.gz``,
  ``mnist/t10k-images-idx3-ubyte.gz``, ``mnist/t10k-labels-idx1-ubyte.gz`` (IDX, gzipped or not);
- CIFAR-10: the folder ``cifar-10-batches-py/`` or the archive ``cifar-10-python.tar.gz``;
- notMNIST: ``notMNIST_small.mat`` (letters A-J; split 80/20 with a fixed seed).

scikit-learn's ``digits`` (8x8) ships inside its wheel and is always available.

Images come back as float32 in [0, 1], channels last: ``(n, height, width, channels)``; labels as
int64 class indices. The examples one-hot them.
"""

from __future__ import annotations

import gzip
import pickle
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from training_sandbox.inside import job_settings

__all__ = [
    "DATASETS",
    "IMAGE_SHAPES",
    "Dataset",
    "DatasetMissing",
    "Folders",
    "fetch",
    "keras_cache_dir",
    "load",
    "read_idx",
    "to_download",
]

IMAGE_SHAPES: dict[str, tuple[int, int, int]] = {
    "mnist": (28, 28, 1),
    "digits": (8, 8, 1),
    "notmnist": (28, 28, 1),
    "cifar10": (32, 32, 3),
}

_MNIST_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
_CIFAR_FOLDER = "cifar-10-batches-py"
_CIFAR_ARCHIVE = "cifar-10-python.tar.gz"
# Keras 3.6+ extracts into `<name>-target/` and keeps the archive as `<name>-target_archive`.
_CIFAR_KERAS_EXTRACTED = Path("cifar-10-batches-py-target") / _CIFAR_FOLDER
_CIFAR_KERAS_ARCHIVE = "cifar-10-batches-py-target_archive"
_NOTMNIST_FILE = "notMNIST_small.mat"
_SPLIT_SEED = 42


class DatasetMissing(FileNotFoundError):
    """The dataset is in none of the places looked at, and downloads are not allowed."""


@dataclass(frozen=True)
class Dataset:
    """A loaded dataset: ``train`` and ``test`` are ``(x, y)`` pairs, as keras.datasets gives."""

    name: str
    source: str
    train: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Folders:
    """Where datasets are looked for: the local datasets folder, then the Keras cache."""

    local: Path | None  # KB_DATASETS_DIR
    cache: Path  # $KERAS_HOME/datasets, else ~/.keras/datasets

    @classmethod
    def of_job(cls) -> Folders:
        """The folders the sandbox gives this job (`job_settings`)."""
        return cls(job_settings.datasets_dir(), keras_cache_dir())


def keras_cache_dir() -> Path:
    """Where keras.datasets keeps its files: ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``."""
    return job_settings.keras_home() / "datasets"


def read_idx(stream: IO[bytes]) -> np.ndarray:
    """An IDX array of unsigned bytes: magic (0, 0, 0x08, ndim), one big-endian size per dim."""
    header = stream.read(4)
    if len(header) != 4 or header[:3] != b"\x00\x00\x08":
        raise ValueError("not an IDX file of unsigned bytes")
    ndim = header[3]
    shape = tuple(int(size) for size in np.frombuffer(stream.read(4 * ndim), dtype=">u4"))
    data = np.frombuffer(stream.read(), dtype=np.uint8)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"IDX data has {data.size} bytes, the header says {shape}")
    return data.reshape(shape)


@dataclass(frozen=True)
class _Place:
    """A file or folder a dataset may be in, and how to read it from there."""

    path: Path
    read: Callable[[Path], Dataset]
    holds: Callable[[Path], bool] = Path.exists


@dataclass(frozen=True)
class _Source:
    """Where one dataset is looked for, in order, and what to do when it is in none of them."""

    places: Callable[[Folders], list[_Place]]
    missing: Callable[[Folders], DatasetMissing]
    download: Callable[[Folders], Dataset] | None = None  # through keras.datasets, into its cache


def load(name: str) -> Dataset:
    """Load one of `DATASETS` by name; `DatasetMissing` says what to put where."""
    source, folders = _source(name), Folders.of_job()
    place = _first(source, folders)
    if place is not None:
        return place.read(place.path)
    if source.download is not None and job_settings.downloads_allowed():
        return source.download(folders)
    raise source.missing(folders)


def fetch(name: str) -> None:
    """Download the dataset into the Keras cache (a step of its own before the job, which has
    no network; the worker runs it only where `to_download` says so)."""
    source = _source(name)
    if source.download is not None and job_settings.downloads_allowed():
        source.download(Folders.of_job())


def to_download(name: str, folders: Folders) -> bool:
    """Whether the dataset would be downloaded: it can be, and is in none of `folders`."""
    source = _source(name)
    return source.download is not None and _first(source, folders) is None


def _source(name: str) -> _Source:
    try:
        return DATASETS[name]
    except KeyError:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}") from None


def _first(source: _Source, folders: Folders) -> _Place | None:
    return next((place for place in source.places(folders) if place.holds(place.path)), None)


def _images(pixels: np.ndarray, scale: float) -> np.ndarray:
    """float32 in [0, 1], with a channel axis for grey images."""
    images = pixels.astype(np.float32) / scale
    return images[..., np.newaxis] if images.ndim == 3 else images


def _labels(labels: np.ndarray) -> np.ndarray:
    return np.asarray(labels).reshape(-1).astype(np.int64)


def _dataset(
    name: str,
    source: Path | str,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
) -> Dataset:
    scale = 16.0 if name == "digits" else 255.0
    return Dataset(
        name=name,
        source=str(source),
        train=(_images(x_train, scale), _labels(y_train)),
        test=(_images(x_test, scale), _labels(y_test)),
    )


def _missing(name: str, local: Path | None, expected: list[str], download: str) -> DatasetMissing:
    where = (
        f"put {', '.join(expected)} in {local} (KB_DATASETS_DIR)"
        if local
        else f"set KB_DATASETS_DIR to a folder holding {', '.join(expected)}"
    )
    return DatasetMissing(f"dataset {name!r} not found: {where}; {download}")


def _keras_download_hint(cache_files: str, cache: Path) -> str:
    return (
        f"or put {cache_files} in the Keras cache {cache}, "
        "or set KB_ALLOW_DOWNLOADS=1 to let keras.datasets download it there"
    )


# MNIST


def _read_gz_or_plain(path: Path) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as stream:
        try:
            return read_idx(stream)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from error


def _mnist_idx_files(folder: Path) -> dict[str, Path] | None:
    found = {}
    for key, stem in _MNIST_FILES.items():
        candidates = [folder / f"{stem}.gz", folder / stem]
        path = next((candidate for candidate in candidates if candidate.is_file()), None)
        if path is None:
            return None
        found[key] = path
    return found


def _mnist_places(folders: Folders) -> list[_Place]:
    places = []
    if folders.local:
        places.append(_Place(folders.local / "mnist", _mnist_from_idx, _has_mnist_idx_files))
    places.append(_Place(_mnist_in_keras_cache(folders), _mnist_from_npz, Path.is_file))
    return places


def _mnist_in_keras_cache(folders: Folders) -> Path:
    return folders.cache / "mnist.npz"


def _has_mnist_idx_files(folder: Path) -> bool:
    return _mnist_idx_files(folder) is not None


def _mnist_from_idx(folder: Path) -> Dataset:
    files = _mnist_idx_files(folder)
    assert files is not None, "the place was checked"
    arrays = {key: _read_gz_or_plain(path) for key, path in files.items()}
    return _dataset("mnist", folder, **arrays)


def _mnist_from_npz(path: Path) -> Dataset:
    with np.load(path, allow_pickle=False) as npz:
        return _dataset("mnist", path, **{key: npz[key] for key in _MNIST_FILES})


def _mnist_missing(folders: Folders) -> DatasetMissing:
    expected = [f"mnist/{stem}.gz" for stem in _MNIST_FILES.values()]
    hint = _keras_download_hint("mnist.npz", folders.cache)
    return _missing("mnist", folders.local, expected, hint)


# CIFAR-10


def _unpickle_batch(stream: IO[bytes]) -> tuple[np.ndarray, np.ndarray]:
    # The official python version: pickled dicts, rows of 3072 bytes (3 planes of 32x32).
    batch = pickle.load(stream, encoding="bytes")
    images = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
    return images.transpose(0, 2, 3, 1), np.asarray(batch[b"labels"])


_CIFAR_BATCHES = [f"data_batch_{i}" for i in range(1, 6)]


def _cifar_from_batches(
    read: Callable[[str], tuple[np.ndarray, np.ndarray]], source: Path
) -> Dataset:
    train = [read(batch) for batch in _CIFAR_BATCHES]
    x_test, y_test = read("test_batch")
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train])
    return _dataset("cifar10", source, x_train, y_train, x_test, y_test)


def _cifar_from_folder(folder: Path) -> Dataset:
    def read(batch: str) -> tuple[np.ndarray, np.ndarray]:
        with open(folder / batch, "rb") as stream:
            return _unpickle_batch(stream)

    return _cifar_from_batches(read, folder)


def _cifar_from_archive(archive: Path) -> Dataset:
    with tarfile.open(archive, "r:gz") as tar:

        def read(batch: str) -> tuple[np.ndarray, np.ndarray]:
            stream = tar.extractfile(f"{_CIFAR_FOLDER}/{batch}")
            if stream is None:
                raise ValueError(f"{archive} has no file {_CIFAR_FOLDER}/{batch}")
            return _unpickle_batch(stream)

        return _cifar_from_batches(read, archive)


def _cifar_places(folders: Folders) -> list[_Place]:
    local, cache = folders.local, folders.cache
    places = []
    if local:
        places += [
            _Place(local / _CIFAR_FOLDER, _cifar_from_folder),
            _Place(local / _CIFAR_ARCHIVE, _cifar_from_archive),
        ]
    return places + [
        _Place(_cifar_in_keras_cache(folders), _cifar_from_folder),
        _Place(cache / _CIFAR_FOLDER, _cifar_from_folder),
        _Place(cache / _CIFAR_KERAS_ARCHIVE, _cifar_from_archive),
    ]


def _cifar_in_keras_cache(folders: Folders) -> Path:
    return folders.cache / _CIFAR_KERAS_EXTRACTED


def _cifar_missing(folders: Folders) -> DatasetMissing:
    return _missing(
        "cifar10",
        folders.local,
        [f"{_CIFAR_ARCHIVE} (or its extracted folder {_CIFAR_FOLDER}/)"],
        _keras_download_hint(f"{_CIFAR_KERAS_EXTRACTED}/", folders.cache),
    )


# notMNIST


def _notmnist_places(folders: Folders) -> list[_Place]:
    local = folders.local
    return [_Place(local / _NOTMNIST_FILE, _notmnist_from_mat, Path.is_file)] if local else []


def _notmnist_from_mat(path: Path) -> Dataset:
    from scipy.io import loadmat
    from sklearn.model_selection import train_test_split

    mat = loadmat(path)
    images = np.asarray(mat["images"])
    # The .mat keeps the sample axis last: (28, 28, n).
    if images.shape[:2] == (28, 28) and images.shape[-1] != 28:
        images = np.moveaxis(images, -1, 0)
    labels = _labels(mat["labels"])
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=0.2, random_state=_SPLIT_SEED
    )
    return _dataset("notmnist", path, x_train, y_train, x_test, y_test)


def _notmnist_missing(folders: Folders) -> DatasetMissing:
    never = "keras.datasets has no notMNIST, so it is never downloaded"
    return _missing("notmnist", folders.local, [_NOTMNIST_FILE], never)


# digits


def _digits(_path: Path) -> Dataset:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.images,
        digits.target,
        test_size=0.2,
        random_state=_SPLIT_SEED,
        stratify=digits.target,
    )
    return _dataset("digits", _DIGITS, x_train, y_train, x_test, y_test)


_DIGITS = "sklearn.datasets.load_digits"


def _keras_download(
    name: str, destination: Callable[[Folders], Path]
) -> Callable[[Folders], Dataset]:
    def download(folders: Folders) -> Dataset:
        """Fetch through keras.datasets into the Keras cache (only with KB_ALLOW_DOWNLOADS=1)."""
        job_settings.use_torch_backend()
        import keras

        module = {"mnist": keras.datasets.mnist, "cifar10": keras.datasets.cifar10}[name]
        (x_train, y_train), (x_test, y_test) = module.load_data()
        return _dataset(name, destination(folders), x_train, y_train, x_test, y_test)

    return download


DATASETS: dict[str, _Source] = {
    "mnist": _Source(
        _mnist_places,
        _mnist_missing,
        _keras_download("mnist", _mnist_in_keras_cache),
    ),
    "cifar10": _Source(
        _cifar_places,
        _cifar_missing,
        _keras_download("cifar10", _cifar_in_keras_cache),
    ),
    "notmnist": _Source(_notmnist_places, _notmnist_missing),
    # Inside scikit-learn's wheel: always there.
    "digits": _Source(
        lambda _: [_Place(Path(_DIGITS), _digits, lambda _: True)],
        lambda _: DatasetMissing("scikit-learn's digits are missing: reinstall scikit-learn"),
    ),
}
