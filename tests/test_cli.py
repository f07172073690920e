"""The `autonas` command line: end to end in processes of their own, and its argument errors in-process.

One `fit` (an image folder) runs ``python -m autonas.cli`` in a process of its own, and the
other commands (errors, help, leaderboard, benchmark tables, the titanic `fit`, and
`predict`) call `autonas.cli.main` in this process, as the console script does; one
error case also runs ``python -m autonas`` in a process of its own to check the exit
code and the single stderr line end to end. Those processes are forked from a process
that imported autonas once (tests/warm_processes.py), which runs the module as
``__main__`` as ``python -m`` does: a fresh interpreter would pay several seconds of
TensorFlow import each.
"""

import io
import os

import numpy as np
import pandas as pd
import pytest

import warm_processes
from autonas import cli
from conftest import shared_data

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def _autonas(*args, module="autonas.cli", timeout=600):
    """``python -m MODULE ARGS`` in a process of its own: its `subprocess.CompletedProcess` (text output)."""
    return warm_processes.run(None, *args, module=module, env=ENV, timeout=timeout)


def _main(capsys, *args):
    """Run `autonas ARGS` in this process: (exit code, stdout, stderr), like the console script."""
    try:
        code = cli.main([str(a) for a in args])
    except SystemExit as e:  # argparse: --help, usage errors
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


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


@pytest.mark.slow
def test_fit_on_an_image_folder_then_leaderboard(tmp_path, image_folder, capsys):
    result = _autonas("fit", image_folder, "--max-trials", 1, "--epochs", 2, "--seed", 0,
                      "--directory", tmp_path, "--export", tmp_path / "export", "--verbose", 0)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ImageClassifier" in result.stdout
    assert "Leaderboard" in result.stdout
    assert (tmp_path / "export" / "saved_model.pb").exists()
    labels = (tmp_path / "export" / "assets" / "labels.txt").read_text().split()
    assert labels == ["digit_0", "digit_1", "digit_2"]
    # `predict` in this process: the process above already ran the console entry point end to end
    code, _, err = _main(capsys, "predict", tmp_path / "export", image_folder, "--output", tmp_path / "predictions.csv")
    assert code == 0, err[-3000:]
    table = pd.read_csv(tmp_path / "predictions.csv")
    assert list(table.columns) == ["file", "label", "probability_digit_0", "probability_digit_1",
                                   "probability_digit_2"]
    files = sorted(str(p.relative_to(image_folder)) for p in image_folder.rglob("*.png"))
    assert table["file"].tolist() == files
    assert set(table["label"]) <= set(labels)
    np.testing.assert_allclose(table.iloc[:, 2:].sum(axis=1), 1.0, atol=1e-5)
    code, out, err = _main(capsys, "leaderboard", tmp_path / "image_classification")
    assert code == 0, err[-3000:]
    assert "objective: val_accuracy" in out
    assert "COMPLETED" in out


@pytest.mark.slow
def test_fit_on_titanic_csv(tmp_path, capsys):
    csv = shared_data("titanic", "train.csv")
    # in this process: test_fit_on_an_image_folder_then_leaderboard runs `fit` through the console entry point
    code, out, err = _main(capsys, "fit", csv, "--target", "Survived", "--max-trials", 1, "--epochs", 2, "--seed", 0,
                           "--directory", tmp_path, "--export", tmp_path / "export", "--verbose", 0)
    assert code == 0, err[-3000:]
    assert "StructuredDataClassifier" in out
    assert (tmp_path / "export" / "saved_model.pb").exists()
    code, out, err = _main(capsys, "predict", tmp_path / "export", csv)  # in this process, as above
    assert code == 0, err[-3000:]
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == ["label", "probability_0", "probability_1"]
    survived = pd.read_csv(csv)["Survived"].to_numpy()
    assert len(table) == len(survived)
    assert float(np.mean(table["label"].to_numpy() == survived)) > 0.7


ERRORS = [
    (["fit", "missing.csv", "--target", "y"], "`DATA` 'missing.csv' does not exist"),
    (["fit", "{npz}"], "no array named 'y'"),
    (["fit", "{npz}", "--task", "video"], "invalid choice"),
    (["fit", "{csv}"], "`--target` is required"),
    (["fit", "{csv}", "--target", "nope", "--max-trials", "1"], "nope"),
    (["leaderboard", "{empty}"], "holds no autonas search"),
]


def _error_args(tmp_path, args):
    npz = tmp_path / "data.npz"
    np.savez(npz, x=np.zeros((4, 8, 8)))
    csv = tmp_path / "data.csv"
    csv.write_text("a,b\n1,2\n3,4\n")
    (tmp_path / "empty").mkdir()
    return [a.format(npz=npz, csv=csv, empty=tmp_path / "empty") for a in args]


def _check_error(code, stderr, message):
    assert code == 2
    assert message in stderr
    if "invalid choice" not in message:
        error_lines = [line for line in stderr.splitlines() if line.startswith("autonas: error:")]
        assert len(error_lines) == 1


@pytest.mark.parametrize("args,message", ERRORS)
def test_errors_are_one_line_with_exit_code_2(tmp_path, capsys, args, message):
    code, _, err = _main(capsys, *_error_args(tmp_path, args))
    _check_error(code, err, message)


def test_help_lists_the_commands(capsys):
    code, out, _ = _main(capsys, "--help")
    assert code == 0
    for command in ["fit", "leaderboard", "demo"]:
        assert command in out
    _, fit_help, _ = _main(capsys, "fit", "--help")
    assert "--target" in fit_help and "--max-time" in fit_help


def test_version_is_the_package_version(capsys):
    import autonas

    code, out, _ = _main(capsys, "--version")
    assert code == 0 and out.strip() == f"autonas {autonas.__version__}"


def test_benchmark_table_on_a_csv(tmp_path, capsys):
    rows = ["a,b,val_acc,test_acc"]
    for a in range(3):
        for b in range(3):
            rows.append(f"{a},{b},{a + b + 0.5},{a * b}")
    csv = tmp_path / "table.csv"
    csv.write_text("\n".join(rows) + "\n")
    code, out, err = _main(capsys, "benchmark-table", csv, "--hyperparameters", "a,b", "--tuner", "random",
                           "--max-trials", 9, "--seeds", 2)
    assert code == 0, err[-3000:]
    assert "optimum 4.0000" in out
    assert "mean best reported 4.0000" in out  # all 9 configurations seen: the best one is found


def test_benchmark_table_needs_columns_for_a_csv(tmp_path, capsys):
    csv = tmp_path / "table.csv"
    csv.write_text("a,val_acc,test_acc\n0,1,1\n")
    code, _, err = _main(capsys, "benchmark-table", csv)
    assert code == 2
    assert "`--hyperparameters` is required" in err


@pytest.mark.slow
def test_python_dash_m_autonas_is_the_console_script_and_an_error_exits_the_process_with_code_2(tmp_path):
    """``python -m autonas`` runs the same command line (for environments without the script on PATH), and an error
    ends that process with exit code 2 and one stderr line (one fresh process for both; `--version` is checked in
    this process by test_version_is_the_package_version)."""
    args, message = ERRORS[3]
    run = _autonas(*_error_args(tmp_path, args), module="autonas", timeout=300)
    _check_error(run.returncode, run.stderr, message)
