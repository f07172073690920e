"""The tutorials' dataset loader: a local path, the cache, or a checked download, and a clear error otherwise.

Downloads are exercised for real through ``file://`` addresses (urllib opens them as it opens
``https://`` ones), so nothing leaves the machine; the cache is filled from ``../shared/data``.
"""

import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from autonas import datasets
from autonas.datasets import DATASETS, DatasetUnavailable, get_file, load

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("AUTONAS_DATA", str(folder))
    monkeypatch.setenv("AUTONAS_OFFLINE", "1")
    return folder


def _shared(name):
    folder = SHARED_DATA / name
    if not all((folder / f.name).exists() for f in DATASETS[name].files):
        pytest.skip(f"{name} is absent from ../shared/data")
    return folder


def test_local_path_and_a_cache_filled_from_shared_data(cache):
    texts, labels = load("sms-spam", path=_shared("sms-spam"))
    assert texts.shape == (5549,) and sorted(set(labels)) == ["ham", "spam"] and int((labels == "spam").sum()) == 725
    # the cache's layout: <cache>/<name>/<file>; the copies' SHA-256 must be those the loader expects
    (cache / "titanic").mkdir(parents=True)
    shutil.copyfile(_shared("titanic") / "train.csv", cache / "titanic" / "train.csv")
    table = load("titanic")
    assert table.shape == (891, 12) and int(table["Survived"].sum()) == 342
    assert datasets.fetch("titanic") == str(cache / "titanic")


def test_a_missing_dataset_says_where_to_put_it(cache):
    with pytest.raises(DatasetUnavailable, match=r"train\.csv is not in the cache and AUTONAS_OFFLINE=1 forbids "
                                                 r"downloading it from https://.*Put the file at .*titanic.*`path=`"):
        load("titanic")
    with pytest.raises(ValueError, match=r"`name` must be one of \[.*'titanic'.*\]; received 'titanik'"):
        load("titanik")
    with pytest.raises(ValueError, match=r"`path` .* must hold the mnist-t10k files .* missing"):
        load("mnist-t10k", path=cache)


def test_a_download_is_checked_unzipped_and_cached(cache, tmp_path, monkeypatch):
    monkeypatch.delenv("AUTONAS_OFFLINE")
    content = b"ham\tsee you at lunch\nspam\tfree prize, call now\n"
    archive = tmp_path / "remote" / "collection.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("SMSSpamCollection", content)
    digest = hashlib.sha256(content).hexdigest()
    origin = archive.as_uri()  # file:///...: a real download through urllib

    wrong = "0" * 64
    with pytest.raises(DatasetUnavailable, match=rf"has SHA-256 {digest}, not the expected {wrong}"):
        get_file("SMSSpamCollection", origin, wrong, cache_subdir="sms", member="SMSSpamCollection")
    assert not (cache / "sms" / "SMSSpamCollection").exists()  # nothing unchecked is kept
    with pytest.raises(DatasetUnavailable, match="is not a zip archive holding README"):
        get_file("README", origin, None, cache_subdir="sms", member="README")

    path = get_file("SMSSpamCollection", origin, digest, cache_subdir="sms", member="SMSSpamCollection")
    assert Path(path) == cache / "sms" / "SMSSpamCollection" and Path(path).read_bytes() == content
    assert os.listdir(cache / "sms") == ["SMSSpamCollection"]  # no temporary files left
    archive.unlink()  # from now on the cached copy is used
    assert get_file("SMSSpamCollection", origin, digest, cache_subdir="sms", member="SMSSpamCollection") == path
    Path(path).write_bytes(b"damaged")  # a cached copy whose digest differs is fetched again, here in vain
    with pytest.raises(DatasetUnavailable, match="could not be downloaded from file://"):
        get_file("SMSSpamCollection", origin, digest, cache_subdir="sms", member="SMSSpamCollection")
