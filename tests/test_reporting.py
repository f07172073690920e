"""Reporting: search progress, leaderboard, summary, plots and TensorBoard.

Two kinds of searches are used. A *table search* drives a real `Tuner` and
oracle through trials whose scores, sizes and times are given by the test (no
training), so outputs can be checked exactly; these tests are fast. A *real
search* trains two tiny dense networks on a slice of digits for one epoch each,
with TensorBoard on; the tests that use it are marked slow.
"""

import contextlib
import glob
import io
import os
import re
import shutil
import sys

import keras
import numpy as np
import pytest

import autonas
from autonas.reporting import (SearchProgress, estimate_eta, pareto_front, plot_model, plot_pareto,
                               plot_search, search_summary, trial_records)
from autonas.search import get_oracle
from autonas.tuner import Tuner

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# -- a table search: a real Tuner and oracle, scores given by the test --------------------
def _build(hp):
    units = hp.Int("units", 1, 64)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    return model


def _table_tuner(tmp_path, max_trials=4, name="table"):
    oracle = get_oracle("random", "val_accuracy", max_trials=max_trials, seed=0)
    return Tuner(oracle, _build, directory=tmp_path, project_name=name)


def _table_trial(tuner, reporter, score, params, start, end, failed=False):
    """One trial through the same hooks `Tuner.search` calls, its result given."""
    trial = tuner.oracle.create_trial("table")
    if reporter is not None:
        reporter.on_trial_begin(tuner, trial)
    info = {"params": params, "duration": end - start, "start_time": start, "end_time": end}
    tuner._write_trial_info(trial.trial_id, info)
    if failed:
        trial.status = "FAILED"
        trial.message = "Traceback (most recent call last):\nValueError: boom"
    else:
        tuner.oracle.update_trial(trial.trial_id, {"val_accuracy": score})
        trial.status = "COMPLETED"
    tuner.oracle.end_trial(trial)
    if reporter is not None:
        reporter.on_trial_end(tuner, tuner.oracle.get_trial(trial.trial_id), info)
    return trial.trial_id


def _table_search(tmp_path, reporter=None, max_trials=4):
    """Trials 0..3: scores 0.5, failed, 0.9, 0.7; sizes 1000, 2000, 5000, 500; ten minutes each."""
    tuner = _table_tuner(tmp_path, max_trials=max_trials)
    t0 = 1_700_000_000.0
    rows = [(0.5, 1000, False), (None, 2000, True), (0.9, 5000, False), (0.7, 500, False)]
    for i, (score, params, failed) in enumerate(rows[:max_trials]):
        _table_trial(tuner, reporter, score, params, t0 + 600 * i, t0 + 600 * (i + 1), failed=failed)
    if reporter is not None:
        reporter.on_search_end(tuner)
    return tuner


# -- progress -----------------------------------------------------------------------------
def test_eta_from_trial_durations_and_time_budget():
    assert estimate_eta(elapsed=60, done=2, remaining_trials=4) == 120.0
    assert estimate_eta(elapsed=60, done=2, remaining_trials=4, time_left=50) == 50.0
    assert estimate_eta(elapsed=0, done=0, remaining_trials=4) is None
    assert estimate_eta(elapsed=0, done=0, remaining_trials=4, time_left=300) == 300.0
    assert estimate_eta(elapsed=10, done=1, remaining_trials=3, time_left=-5) == 0.0
    # the refit comes after the search; max_time bounds the whole fit, the refit included
    assert estimate_eta(elapsed=60, done=2, remaining_trials=4, after=30) == 150.0
    assert estimate_eta(elapsed=60, done=2, remaining_trials=4, time_left=140, after=30) == 140.0
    assert estimate_eta(elapsed=60, done=2, remaining_trials=0, time_left=140, after=30) == 30.0


def test_progress_bar_shows_trials_eta_and_best(tmp_path):
    pytest.importorskip("tqdm")
    stream = io.StringIO()
    _table_search(tmp_path, SearchProgress(4, verbose=1, stream=stream, bar=True))
    text = stream.getvalue()
    assert "Search |" in text and "4 trials | elapsed" in text  # the bar, at its end
    assert "\r" in text  # redrawn in place, not reprinted
    lines = [line.split("\r")[-1] for line in text.splitlines()]
    trial_lines = [line for line in lines if line.startswith("Trial ")]
    assert [line.split(" [")[0] for line in trial_lines] == ["Trial 1/4", "Trial 2/4", "Trial 3/4", "Trial 4/4"]
    assert "[0] val_accuracy 0.5000 | 1,000 params in 10m00s" in trial_lines[0]
    assert "[1] FAILED: ValueError: boom" in trial_lines[1]
    assert "ETA" in trial_lines[0] and "elapsed" in trial_lines[0]
    assert "best val_accuracy 0.5000 (trial 0)" in trial_lines[1]
    assert "best val_accuracy 0.9000 (trial 2)" in trial_lines[3]
    assert "Search ended after 4 trials" in text and "best val_accuracy 0.9000 (trial 2)." in text
    assert "started:" not in text  # hyperparameters are announced at verbose=2 only


def test_progress_lines_on_a_pipe(tmp_path):
    stream = io.StringIO()  # not a terminal, and no notebook kernel: lines only
    _table_search(tmp_path, SearchProgress(4, verbose=1, stream=stream))
    text = stream.getvalue()
    assert "\r" not in text and "|█" not in text
    lines = text.splitlines()
    assert len(lines) == 5
    assert lines[0].startswith("Trial 1/4 [0] val_accuracy 0.5000")
    assert lines[3].startswith("Trial 4/4 [3] val_accuracy 0.7000")
    assert "ETA 0s" in lines[3]
    assert lines[4].startswith("Search ended after 4 trials")


@pytest.mark.parametrize("bar", [True, False])
def test_progress_verbose_0_is_silent_and_2_announces_trials(tmp_path, bar):
    if bar:
        pytest.importorskip("tqdm")
    silent = io.StringIO()
    _table_search(tmp_path / "v0", SearchProgress(4, verbose=0, stream=silent, bar=bar))
    assert silent.getvalue() == ""
    chatty = io.StringIO()
    _table_search(tmp_path / "v2", SearchProgress(4, verbose=2, stream=chatty, bar=bar))
    lines = [line.split("\r")[-1] for line in chatty.getvalue().splitlines()]
    started = [line for line in lines if "started:" in line]
    assert len(started) == 4
    assert started[0].startswith("Trial 1/4 [0] started: units=")


def test_progress_of_a_resumed_search_counts_earlier_trials(tmp_path):
    tuner = _table_search(tmp_path, reporter=None, max_trials=3)
    tuner.oracle.max_trials = 5
    stream = io.StringIO()
    progress = SearchProgress(5, verbose=1, stream=stream, bar=False)
    _table_trial(tuner, progress, 0.95, 800, 1_800_000_000.0, 1_800_000_060.0)
    line = stream.getvalue().splitlines()[0]
    assert line.startswith("Trial 4/5 [3] val_accuracy 0.9500")
    assert "best val_accuracy 0.9500 (trial 3)" in line
    assert "ETA " in line and "elapsed " in line


def test_progress_rejects_bad_arguments():
    with pytest.raises(ValueError, match="`verbose` must be 0, 1 or 2; received 3"):
        SearchProgress(3, verbose=3)
    with pytest.raises(ValueError, match="`bar` must be True, False or None"):
        SearchProgress(3, bar="yes")


# -- records, plots and summary on a table search -----------------------------------------
def test_trial_records_are_in_end_order_with_elapsed_times(tmp_path):
    records = trial_records(_table_search(tmp_path))
    assert [r["trial_id"] for r in records] == ["0", "1", "2", "3"]
    assert [r["elapsed"] for r in records] == [600.0, 1200.0, 1800.0, 2400.0]
    assert [r["score"] for r in records] == [0.5, None, 0.9, 0.7]
    assert records[1]["status"] == "FAILED"
    assert set(records[0]["hyperparameters"]) == {"units"}


def test_pareto_front():
    assert pareto_front([10, 20, 30, 40], [0.5, 0.4, 0.9, 0.8]) == [0, 2]
    assert pareto_front([10, 20, 30, 40], [0.5, 0.4, 0.9, 0.8], direction="min") == [0, 1]
    assert pareto_front([10, 10, 5], [0.3, 0.6, 0.3]) == [2, 1]  # same size: only the better one
    assert pareto_front([], []) == []
    with pytest.raises(ValueError, match="`direction` must be 'max' or 'min'; received 'up'"):
        pareto_front([1], [1.0], direction="up")


def test_plot_search_draws_every_completed_trial_and_the_best_so_far(tmp_path):
    pytest.importorskip("matplotlib")
    tuner = _table_search(tmp_path)
    path = tmp_path / "plots" / "search.png"
    fig = plot_search(tuner, path)
    assert path.read_bytes()[:8] == PNG_MAGIC and path.stat().st_size > 5000
    ax = fig.axes[0]
    points = ax.collections[0].get_offsets()
    np.testing.assert_allclose(points, [[10, 0.5], [30, 0.9], [40, 0.7]])  # minutes, scores
    best = ax.lines[0]
    np.testing.assert_allclose(best.get_xdata(), [10, 30, 40])
    np.testing.assert_allclose(best.get_ydata(), [0.5, 0.9, 0.9])
    assert ax.get_ylabel() == "val_accuracy"
    assert plot_search(tuner) is not None and not (tmp_path / "search.png").exists()


def test_plot_pareto_highlights_the_front(tmp_path):
    pytest.importorskip("matplotlib")
    tuner = _table_search(tmp_path)
    path = tmp_path / "pareto.png"
    fig = plot_pareto(tuner, path)
    assert path.read_bytes()[:8] == PNG_MAGIC
    ax = fig.axes[0]
    everyone, front = ax.collections[0].get_offsets(), ax.collections[1].get_offsets()
    assert len(everyone) == 3  # the failed trial has no score
    np.testing.assert_allclose(front, [[500, 0.7], [5000, 0.9]])


def test_search_summary_of_a_table_search(tmp_path):
    summary = search_summary(_table_search(tmp_path))
    assert summary["best_trial_id"] == "2"
    assert summary["best_score"] == 0.9
    assert summary["params"] == 5000
    assert summary["search_time"] == 2400.0  # first start to last end
    assert summary["trials"] == {"COMPLETED": 3, "FAILED": 1, "total": 4}
    assert set(summary["hyperparameters"]) == {"units"}
    text = str(summary)
    assert "best trial:      2" in text and "search time:     40m00s" in text
    assert "3 completed, 1 failed (4 in all)" in text


def test_plots_need_matplotlib_and_say_how_to_get_it(tmp_path, monkeypatch):
    tuner = _table_search(tmp_path)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # as if matplotlib were not installed
    with pytest.raises(ImportError, match=r"`plot_search` needs matplotlib.*pip install 'autonas\[plot\]'"):
        plot_search(tuner)
    with pytest.raises(ImportError, match=r"`plot_pareto` needs matplotlib"):
        plot_pareto(tuner)


def test_plot_model_names_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pydot", None)  # as if pydot were not installed
    monkeypatch.setenv("PATH", str(tmp_path))  # and Graphviz's `dot` not on the PATH
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    with pytest.raises(ImportError) as info:
        plot_model(model, tmp_path / "model.png")
    message = str(info.value)
    assert "pip install pydot" in message and "apt install graphviz" in message
    assert not (tmp_path / "model.png").exists()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed (pydot, in the dev extra, "
                                                    "needs it to draw)")
def test_plot_model_writes_a_png_when_graphviz_exists(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    path = plot_model(model, tmp_path / "model.png")
    assert open(path, "rb").read(8) == PNG_MAGIC


# -- a real search (two trials, ~10-30 s on 2 cores: marked slow) ---------------------------
def _dense_model(directory, **kwargs):
    inp = autonas.ImageInput()
    out = autonas.ClassificationHead()(autonas.DenseBlock()(autonas.Flatten()(inp)))
    return autonas.AutoModel(inp, out, seed=0, directory=directory, overwrite=True, **kwargs)


@pytest.fixture(scope="module")
def searched(tmp_path_factory, small_digits):
    x, y, _, _ = small_digits
    tmp = tmp_path_factory.mktemp("report")
    clf = _dense_model(tmp, max_trials=2, tensorboard=True, project_name="search")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        clf.fit(x[:150], y[:150], epochs=1, verbose=1)
    return clf, out.getvalue(), tmp


@pytest.mark.slow
def test_real_search_progress_at_verbose_1(searched):
    _, text, _ = searched
    # stdout is captured (not a terminal or notebook): one line per trial, no redrawn bar.
    assert "Search 2/2 trials" not in text and "\r" not in text
    lines = [line.split("\r")[-1] for line in text.splitlines()]
    assert sum(line.startswith("Trial 1/2 [0] val_accuracy") for line in lines) == 1
    assert sum(line.startswith("Trial 2/2 [1] val_accuracy") for line in lines) == 1
    assert " - loss: " not in text  # Keras's epoch lines only at verbose=2


@pytest.mark.slow
def test_leaderboard_columns(searched):
    clf = searched[0]
    board = clf.leaderboard()
    assert list(board.columns[:6]) == ["trial_id", "status", "score", "params", "duration", "best_epoch"]
    assert "dense_block/num_layers" in board.columns and "learning_rate" in board.columns
    assert len(board) == 2 and set(board["status"]) == {"COMPLETED"}
    assert board["score"].iloc[0] >= board["score"].iloc[1]


@pytest.mark.slow
def test_trial_records_carry_start_and_end_times(searched):
    clf = searched[0]
    for trial_id, info in clf.tuner_.trial_infos().items():
        assert info["start_time"] < info["end_time"]
        assert abs((info["end_time"] - info["start_time"]) - info["duration"]) < 1.0


@pytest.mark.slow
def test_summary(searched):
    clf = searched[0]
    printed = []
    summary = clf.summary(print_fn=printed.append)
    assert summary["best_trial_id"] == clf.best_trial_.trial_id
    assert summary["best_score"] == pytest.approx(clf.best_trial_.score)
    assert summary["params"] == clf.model_.count_params()
    assert summary["search_time"] == clf.search_time_
    assert summary["hyperparameters"] == clf.best_trial_.hyperparameters.values
    assert summary["refit"]["epochs"] == clf.refit_info_["epochs"]
    assert summary["trials"] == {"COMPLETED": 2, "total": 2}
    assert printed == [str(summary)] and "hyperparameters:" in printed[0]
    with pytest.raises(TypeError, match="`print_fn` must be callable"):
        clf.summary(print_fn="stdout")


@pytest.mark.slow
def test_real_search_plots_are_pngs_with_one_point_per_trial(searched):
    pytest.importorskip("matplotlib")
    clf, _, tmp = searched
    completed = sum(r["score"] is not None for r in trial_records(clf.tuner_))
    assert completed == 2
    for name in ("search", "pareto"):
        path = tmp / f"{name}.png"
        fig = getattr(clf, f"plot_{name}")(path)
        assert path.read_bytes()[:8] == PNG_MAGIC and path.stat().st_size > 5000
        assert len(fig.axes[0].collections[0].get_offsets()) == completed


@pytest.mark.slow
def test_plot_model_on_a_fitted_model_without_graphviz(searched, monkeypatch):
    clf = searched[0]
    monkeypatch.setitem(sys.modules, "pydot", None)
    with pytest.raises(ImportError, match="pip install pydot"):
        clf.plot_model()


def test_reports_before_fit_are_clear_errors(tmp_path):
    clf = _dense_model(tmp_path)
    for method in ("summary", "plot_search", "plot_pareto", "plot_model"):
        with pytest.raises(RuntimeError, match=f"Call `fit` before `{method}`"):
            getattr(clf, method)()


def _events(folder):
    import tensorflow as tf

    files = sorted(glob.glob(os.path.join(folder, "events.out.tfevents.*")))
    assert files, f"no event file in {folder}"
    values = []
    for path in files:
        for event in tf.compat.v1.train.summary_iterator(path):
            values.extend(event.summary.value)
    return values


@pytest.mark.slow
def test_tensorboard_writes_scalars_and_hparams_per_trial(searched):
    import tensorflow as tf
    from tensorboard.plugins.hparams import metadata

    clf, _, _ = searched
    log_dir = os.path.join(clf.tuner_.project_dir, "tensorboard")
    experiment = [v for v in _events(log_dir) if v.tag == metadata.EXPERIMENT_TAG]
    assert len(experiment) == 1
    config = metadata.parse_experiment_plugin_data(experiment[0].metadata.plugin_data.content)
    assert "dense_block/num_layers" in {h.name for h in config.hparam_infos}
    assert {m.name.tag for m in config.metric_infos} >= {"score", "epoch_accuracy", "epoch_loss"}
    for trial_id, trial in clf.tuner_.oracle.trials.items():
        run = os.path.join(log_dir, f"trial_{trial_id}")
        for group in ("train", "validation"):
            tags = {v.tag for v in _events(os.path.join(run, group))}
            assert {"epoch_loss", "epoch_accuracy"} <= tags, (group, tags)
        values = _events(run)
        start = [v for v in values if v.tag == metadata.SESSION_START_INFO_TAG]
        assert len(start) == 1
        info = metadata.parse_session_start_info_plugin_data(start[0].metadata.plugin_data.content)
        assert info.group_name == trial_id
        assert info.hparams["optimizer"].string_value == trial.hyperparameters.values["optimizer"]
        assert info.hparams["learning_rate"].number_value == pytest.approx(
            trial.hyperparameters.values["learning_rate"])
        score = [float(tf.make_ndarray(v.tensor)) for v in values if v.tag == "score"]
        assert score == [pytest.approx(trial.score, abs=1e-6)]


def test_tensorboard_argument_is_checked_and_may_be_a_directory(tmp_path):
    with pytest.raises(TypeError, match=r"`tensorboard` must be True, False or a log directory.*received int"):
        _dense_model(tmp_path, tensorboard=3)
    with pytest.raises(ValueError, match="`tensorboard`.*empty string"):
        _dense_model(tmp_path, tensorboard="")
    from autonas.reporting.tensorboard import resolve_log_dir

    assert resolve_log_dir(True, os.path.join("runs", "p")) == os.path.join("runs", "p", "tensorboard")
    assert resolve_log_dir(tmp_path / "tb", "ignored") == str(tmp_path / "tb")
    assert resolve_log_dir(False, "ignored") is None and resolve_log_dir(None, "ignored") is None


@pytest.mark.slow
@pytest.mark.parametrize("verbose", [0, 2])
def test_real_search_output_at_verbose_0_and_2(tmp_path, small_digits, capsys, verbose):
    x, y, _, _ = small_digits
    clf = _dense_model(tmp_path, max_trials=1, tensorboard=str(tmp_path / "tb"))
    clf.fit(x[:150], y[:150], epochs=1, verbose=verbose)
    out = capsys.readouterr().out
    if verbose == 0:
        assert out == ""
    else:
        assert "Trial 1/1 [0] started:" in out
        assert re.search(r"\d+/\d+ - .* - loss: .* - val_loss: ", out)  # Keras's per-epoch line of the trial
        assert "Search ended after 1 trials" in out
    assert glob.glob(str(tmp_path / "tb" / "trial_0" / "train" / "events.out.tfevents.*"))
