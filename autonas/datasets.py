"""Public datasets used by the tutorials: a local path, or a checked download into a cache.

`load(name)` returns a dataset ready to use; `fetch(name)` the folder holding
its files. Each file is taken, in this order:

1. from `path` when given (a folder holding the files, or the file itself);
2. from the cache: ``$AUTONAS_DATA`` when set, else ``~/.autonas/datasets``,
   one sub-folder per dataset (``<cache>/sms-spam/SMSSpamCollection``);
3. downloaded from the dataset's public address into the cache, its SHA-256
   checked (as `keras.utils.get_file` does), unless ``AUTONAS_OFFLINE=1``.

A dataset that is neither there nor downloadable raises `DatasetUnavailable`,
whose message says where to put the files. The checksums are those of the
copies the tests use (a mismatch names both digests).

Example:
    >>> texts, labels = autonas.datasets.load("sms-spam")                    # doctest: +SKIP
    >>> images, labels = autonas.datasets.load("mnist-t10k", path="data/")   # doctest: +SKIP
"""

import dataclasses
import gzip
import hashlib
import json
import os
import shutil
import tempfile
import urllib.request
import zipfile

import numpy as np

__all__ = ["DATASETS", "DatasetUnavailable", "cache_dir", "fetch", "get_file", "load"]


class DatasetUnavailable(RuntimeError):
    """A dataset is neither at the given path, in the cache, nor downloadable."""


@dataclasses.dataclass(frozen=True)
class RemoteFile:
    """One file of a dataset: its name, public address and SHA-256.

    Args:
        name: the file name in the dataset's folder.
        origin: the public URL.
        sha256: the hex digest of the file.
        member: for a zip archive at `origin`, the member to extract.
    """

    name: str
    origin: str
    sha256: str
    member: str = None


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """A dataset: its files, what it is, and its licence."""

    files: tuple
    description: str
    license: str


DATASETS = {
    "mnist-t10k": DatasetInfo(
        files=(RemoteFile("t10k-images-idx3-ubyte.gz",
                          "https://storage.googleapis.com/cvdf-datasets/mnist/t10k-images-idx3-ubyte.gz",
                          "ba05d2d6e06f59dd97d2d5378250478bb5c9b64296a5c2681700569121e3a2d7"),
               RemoteFile("t10k-labels-idx1-ubyte.gz",
                          "https://storage.googleapis.com/cvdf-datasets/mnist/t10k-labels-idx1-ubyte.gz",
                          "94088eab8a64f51a9b34cc9716f54b6548ef8b2fd16ada6d1575091b933dbf4b")),
        description="MNIST test set: 10,000 handwritten digits, 28x28 grey, 10 classes",
        license="LeCun, Cortes, Burges; CC BY-SA 3.0"),
    "sms-spam": DatasetInfo(
        files=(RemoteFile("SMSSpamCollection",
                          "https://archive.ics.uci.edu/static/public/228/sms+spam+collection.zip",
                          "1093dd5fbe517709153ef79541e54b0186315b42e7978383928a4ae5d8222ff6",
                          member="SMSSpamCollection"),),
        description="SMS Spam Collection v.1: English SMS messages labelled ham or spam",
        license="Almeida and Gomez Hidalgo, 2011; free for research, see its readme"),
    "titanic": DatasetInfo(
        files=(RemoteFile("train.csv",
                          "https://raw.githubusercontent.com/datasciencedojo/datasets/master/titanic.csv",
                          "4a437fde05fe5264e1701a7387ac6fb75393772ba38bb2c9c566405af5af4bd7"),),
        description="Titanic passengers (Kaggle's training set): 891 rows, target Survived",
        license="public domain passenger records"),
    "ett": DatasetInfo(
        files=(RemoteFile("ETTh1.csv",
                          "https://raw.githubusercontent.com/zhouhaoyi/ETDataset/main/ETT-small/ETTh1.csv",
                          "f18de3ad269cef59bb07b5438d79bb3042d3be49bdeecf01c1cd6d29695ee066"),),
        description="ETTh1: hourly electricity transformer temperature, 17,420 rows, 7 columns",
        license="Zhou et al., Informer (AAAI 2021); CC BY-ND 4.0"),
    "nas-bench-macro": DatasetInfo(
        files=(RemoteFile("nas-bench-macro_cifar10.json",
                          "https://raw.githubusercontent.com/xiusu/NAS-Bench-Macro/master/data/"
                          "nas-bench-macro_cifar10.json",
                          "686dee8363cc21cca8c1f321ad5749454f2d9b9ca5972682e137e539bc522297"),),
        description="NAS-Bench-Macro: 6,561 architectures trained on CIFAR-10, as a lookup table",
        license="Su et al., CVPR 2021; Apache-2.0"),
}


def cache_dir():
    """The dataset cache: ``$AUTONAS_DATA``, else ``~/.autonas/datasets``.

    Returns:
        A path string (not created).

    Example:
        >>> os.path.basename(cache_dir()) in ("datasets", os.path.basename(os.environ.get("AUTONAS_DATA", "")))
        True
    """
    return os.environ.get("AUTONAS_DATA") or os.path.join(os.path.expanduser("~"), ".autonas", "datasets")


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def get_file(fname, origin, sha256=None, cache_subdir="", member=None):
    """A file from the cache, downloaded from `origin` first when it is not there.

    Args:
        fname: the file name in the cache.
        origin: the URL to download from.
        sha256: the expected hex digest; checked after a download, and a cached
            file that does not match is downloaded again.
        cache_subdir: a folder under `cache_dir()`.
        member: when `origin` is a zip archive, the member to keep.

    Returns:
        The path of the file.

    Raises:
        DatasetUnavailable: no cached copy and the download failed or is
            forbidden (``AUTONAS_OFFLINE=1``), or the downloaded file's digest
            differs.

    Example:
        >>> get_file("ETTh1.csv", DATASETS["ett"].files[0].origin, cache_subdir="ett")  # doctest: +SKIP
    """
    folder = os.path.join(cache_dir(), cache_subdir)
    target = os.path.join(folder, fname)
    if os.path.isfile(target) and (sha256 is None or _sha256(target) == sha256):
        return target
    where = (f"Put the file at {target} (set AUTONAS_DATA to use another cache folder), or pass its folder "
             "as `path=`.")
    if os.environ.get("AUTONAS_OFFLINE") == "1":
        raise DatasetUnavailable(f"{fname} is not in the cache and AUTONAS_OFFLINE=1 forbids downloading it from "
                                 f"{origin}. {where}")
    os.makedirs(folder, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        download = os.path.join(tmp, "download")
        try:
            with urllib.request.urlopen(origin, timeout=60) as response, open(download, "wb") as f:
                shutil.copyfileobj(response, f)
        except OSError as e:
            raise DatasetUnavailable(f"{fname} is not in the cache and could not be downloaded from {origin} "
                                     f"({e}). {where}") from None
        if member is not None:
            try:
                with zipfile.ZipFile(download) as archive, archive.open(member) as src, \
                        open(download + ".member", "wb") as dst:
                    shutil.copyfileobj(src, dst)
            except (zipfile.BadZipFile, KeyError) as e:
                raise DatasetUnavailable(f"{origin} is not a zip archive holding {member} ({e}). {where}") from None
            download += ".member"
        if sha256 is not None and _sha256(download) != sha256:
            raise DatasetUnavailable(f"The file downloaded from {origin} has SHA-256 {_sha256(download)}, not the "
                                     f"expected {sha256}. {where}")
        os.replace(download, target)
    return target


def fetch(name, path=None):
    """The folder holding a dataset's files: `path`, or the cache (downloading what is missing).

    Args:
        name: a key of `DATASETS`.
        path: optional local folder holding the files (or, for a one-file
            dataset, the file itself, whose folder is returned); used as it
            is, without a download.

    Returns:
        A folder path.

    Raises:
        ValueError: an unknown name, or a `path` without the dataset's files.
        DatasetUnavailable: see `get_file`.

    Example:
        >>> fetch("titanic")  # doctest: +SKIP
        '/home/me/.autonas/datasets/titanic'
    """
    if name not in DATASETS:
        raise ValueError(f"`name` must be one of {sorted(DATASETS)}; received {name!r}.")
    info = DATASETS[name]
    if path is not None:
        path = os.fspath(path)
        if os.path.isfile(path) and len(info.files) == 1:
            return os.path.dirname(os.path.abspath(path))
        missing = [f.name for f in info.files if not os.path.isfile(os.path.join(path, f.name))]
        if missing:
            raise ValueError(f"`path` ({path!r}) must hold the {name} files {[f.name for f in info.files]}; "
                             f"{missing} missing.")
        return path
    for f in info.files:
        get_file(f.name, f.origin, f.sha256, cache_subdir=name, member=f.member)
    return os.path.join(cache_dir(), name)


def load(name, path=None):
    """Load a dataset (see `fetch` for where its files come from).

    Args:
        name: ``"mnist-t10k"`` (uint8 images (10000, 28, 28) and int labels),
            ``"sms-spam"`` (texts and ``"ham"``/``"spam"`` labels, object
            arrays), ``"titanic"`` or ``"ett"`` (a pandas DataFrame), or
            ``"nas-bench-macro"`` (the JSON table as a dict).
        path: optional local folder holding the files, or the file itself.

    Returns:
        The dataset, as above.

    Raises:
        ValueError: an unknown name or a `path` without the files.
        DatasetUnavailable: the files are not available; the message says
            where to put them.

    Example:
        >>> texts, labels = load("sms-spam")  # doctest: +SKIP
        >>> texts.shape                       # doctest: +SKIP
        (5549,)
    """
    if path is not None and os.path.isfile(os.fspath(path)) and name in DATASETS and len(DATASETS[name].files) == 1:
        files = [os.fspath(path)]  # the file itself, whatever its name
    else:
        folder = fetch(name, path)
        files = [os.path.join(folder, f.name) for f in DATASETS[name].files]
    if name == "mnist-t10k":
        with gzip.open(files[0], "rb") as f:
            images = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 28, 28)
        with gzip.open(files[1], "rb") as f:
            labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8).astype(np.int64)
        return images, labels
    if name == "sms-spam":
        texts, labels = [], []
        with open(files[0], encoding="utf-8") as f:
            for line in f:
                label, _, text = line.rstrip("\n").partition("\t")
                if text:
                    labels.append(label)
                    texts.append(text)
        return np.array(texts, dtype=object), np.array(labels, dtype=object)
    if name == "nas-bench-macro":
        with open(files[0], encoding="utf-8") as f:
            return json.load(f)
    import pandas as pd

    return pd.read_csv(files[0])
