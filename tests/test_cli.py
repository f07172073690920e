"""The `autonas` command line, end to end in subprocesses."""

import io
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import shared_data

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def _autonas(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "autonas.cli", *map(str, args)], capture_output=True,
                          text=True, env=ENV, timeout=timeout)


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory, digits):
    from PIL import Image

    x, y, _, _ = digits
    root = tmp_path_factory.mktemp("digits_folder")
    for i, (image, label) in enumerate(zip(x[:240], y[:240])):
        if label > 2:
            continue
        folder = root / f"digit_{label}"
        folder.mkdir(exist_ok=True)
        Image.fromarray((image * 15).astype("uint8")).save(folder / f"{i}.png")
    return root


def test_fit_on_an_image_folder_then_leaderboard(tmp_path, image_folder):
    result = _autonas("fit", image_folder, "--max-trials", 1, "--epochs", 2, "--seed", 0,
                      "--directory", tmp_path, "--export", tmp_path / "export", "--verbose", 0)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ImageClassifier" in result.stdout
    assert "Leaderboard" in result.stdout
    assert (tmp_path / "export" / "saved_model.pb").exists()
    labels = (tmp_path / "export" / "assets" / "labels.txt").read_text().split()
    assert labels == ["digit_0", "digit_1", "digit_2"]
    predicted = _autonas("predict", tmp_path / "export", image_folder, "--output", tmp_path / "predictions.csv")
    assert predicted.returncode == 0, predicted.stderr[-3000:]
    table = pd.read_csv(tmp_path / "predictions.csv")
    assert list(table.columns) == ["file", "label", "probability_digit_0", "probability_digit_1",
                                   "probability_digit_2"]
    files = sorted(str(p.relative_to(image_folder)) for p in image_folder.rglob("*.png"))
    assert table["file"].tolist() == files
    assert set(table["label"]) <= set(labels)
    np.testing.assert_allclose(table.iloc[:, 2:].sum(axis=1), 1.0, atol=1e-5)
    board = _autonas("leaderboard", tmp_path / "image_classification")
    assert board.returncode == 0, board.stderr[-3000:]
    assert "objective: val_accuracy" in board.stdout
    assert "COMPLETED" in board.stdout


@pytest.mark.slow
def test_fit_on_titanic_csv(tmp_path):
    csv = shared_data("titanic", "train.csv")
    result = _autonas("fit", csv, "--target", "Survived", "--max-trials", 1, "--epochs", 2, "--seed", 0,
                      "--directory", tmp_path, "--export", tmp_path / "export", "--verbose", 0)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "StructuredDataClassifier" in result.stdout
    assert (tmp_path / "export" / "saved_model.pb").exists()
    predicted = _autonas("predict", tmp_path / "export", csv)
    assert predicted.returncode == 0, predicted.stderr[-3000:]
    table = pd.read_csv(io.StringIO(predicted.stdout))
    assert list(table.columns) == ["label", "probability_0", "probability_1"]
    survived = pd.read_csv(csv)["Survived"].to_numpy()
    assert len(table) == len(survived)
    assert float(np.mean(table["label"].to_numpy() == survived)) > 0.7


@pytest.mark.parametrize("args,message", [
    (["fit", "missing.csv", "--target", "y"], "`DATA` 'missing.csv' does not exist"),
    (["fit", "{npz}"], "no array named 'y'"),
    (["fit", "{npz}", "--task", "video"], "invalid choice"),
    (["fit", "{csv}"], "`--target` is required"),
    (["fit", "{csv}", "--target", "nope", "--max-trials", "1"], "nope"),
    (["leaderboard", "{empty}"], "holds no autonas search"),
])
def test_errors_are_one_line_with_exit_code_2(tmp_path, args, message):
    npz = tmp_path / "data.npz"
    np.savez(npz, x=np.zeros((4, 8, 8)))
    csv = tmp_path / "data.csv"
    csv.write_text("a,b\n1,2\n3,4\n")
    (tmp_path / "empty").mkdir()
    args = [a.format(npz=npz, csv=csv, empty=tmp_path / "empty") for a in args]
    result = _autonas(*args)
    assert result.returncode == 2
    assert message in result.stderr
    if "invalid choice" not in message:
        error_lines = [line for line in result.stderr.splitlines() if line.startswith("autonas: error:")]
        assert len(error_lines) == 1


def test_help_lists_the_commands():
    result = _autonas("--help")
    assert result.returncode == 0
    for command in ["fit", "leaderboard", "demo"]:
        assert command in result.stdout
    fit_help = _autonas("fit", "--help")
    assert "--target" in fit_help.stdout and "--max-time" in fit_help.stdout


def test_benchmark_table_on_a_csv(tmp_path):
    rows = ["a,b,val_acc,test_acc"]
    for a in range(3):
        for b in range(3):
            rows.append(f"{a},{b},{a + b + 0.5},{a * b}")
    csv = tmp_path / "table.csv"
    csv.write_text("\n".join(rows) + "\n")
    result = _autonas("benchmark-table", csv, "--hyperparameters", "a,b", "--tuner", "random",
                      "--max-trials", 9, "--seeds", 2)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "optimum 4.0000" in result.stdout
    assert "mean best reported 4.0000" in result.stdout  # all 9 configurations seen: the best one is found


def test_benchmark_table_needs_columns_for_a_csv(tmp_path):
    csv = tmp_path / "table.csv"
    csv.write_text("a,val_acc,test_acc\n0,1,1\n")
    result = _autonas("benchmark-table", csv)
    assert result.returncode == 2
    assert "`--hyperparameters` is required" in result.stderr
