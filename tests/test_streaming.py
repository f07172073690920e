"""A `tf.data.Dataset` given to `fit` is streamed to the trials and the refit, never read whole into memory."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

import autonas
from autonas.data import streaming, tf_dataset

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _pairs(n=500, batch=None):
    x = np.arange(n * 6, dtype="float32").reshape(n, 6)
    y = np.arange(n) % 3
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    return dataset.batch(batch) if batch else dataset


def test_split_is_deterministic_complete_and_close_to_the_fraction(monkeypatch):
    monkeypatch.setattr(streaming, "SAMPLE_SIZE", 50)
    inputs, heads = [autonas.Input()], [autonas.ClassificationHead()]
    splits = streaming.open_stream(_pairs(500, batch=32), None, None, 0.2, inputs, heads, seed=3)
    assert splits.num_train + splits.num_val == 500
    assert abs(splits.num_val - 100) <= 2  # a low-discrepancy split: the share is nearly exact
    assert len(splits.sample_x[0]) == 50  # the preprocessing sees a bounded sample only
    heads[0].fit_targets(splits.y_fit[0])
    (train, _), (val, _) = splits.search_sets(None, None)
    assert len(train) == splits.num_train and len(val) == splits.num_val
    seen_train = np.concatenate([b[0].numpy()[:, 0] for b in train.batches(64, shuffle=False)])
    seen_val = np.concatenate([b[0].numpy()[:, 0] for b in val.batches(64, shuffle=False)])
    # the lengths counted in numpy are those the pipelines yield (Keras is told them as the cardinality)
    assert (len(seen_train), len(seen_val)) == (splits.num_train, splits.num_val)
    # every example in exactly one split; the same split from an unbatched dataset
    assert sorted(np.concatenate([seen_train, seen_val]) // 6) == list(range(500))
    again = streaming.open_stream(_pairs(500), None, None, 0.2, inputs, heads, seed=3)
    (_, _), (val2, _) = again.search_sets(None, None)
    assert np.array_equal(np.concatenate([b[0].numpy()[:, 0] for b in val2.batches(64, shuffle=False)]), seen_val)
    labels = np.concatenate([b[1].numpy() for b in val.batches(64, shuffle=False)])
    assert np.array_equal(labels, (seen_val // 6).astype(int) % 3)  # targets encoded in the pipeline


@pytest.mark.parametrize("make, kwargs, match", [
    (lambda: _pairs().repeat(), {}, "infinite tf.data.Dataset"),
    (lambda: tf.data.Dataset.from_tensor_slices(np.zeros((4, 2))), {}, r"\(inputs, targets\) pairs"),
    (lambda: _pairs(), {"y": np.zeros(500)}, "so `y` must be None"),
    (lambda: _pairs(), {"sample_weight": np.ones(500)}, "`sample_weight` cannot be combined"),
    (lambda: _pairs(), {"validation_data": (np.zeros((4, 6)), np.zeros(4))}, "must be a tf.data.Dataset"),
])
def test_bad_streams_are_clear_errors(make, kwargs, match):
    args = {"y": None, "validation_data": None, "sample_weight": None, **kwargs}
    with pytest.raises(ValueError, match=match):
        streaming.open_stream(make(), args["y"], args["validation_data"], 0.2, [autonas.Input()],
                              [autonas.ClassificationHead()], 0, args["sample_weight"])


def test_tables_and_arrays_are_not_streamed():
    assert streaming.open_stream(np.zeros((4, 2)), None, None, 0.2, [autonas.Input()],
                                 [autonas.ClassificationHead()], 0) is None
    assert streaming.open_stream(_pairs(), None, None, 0.2, [autonas.StructuredDataInput()],
                                 [autonas.ClassificationHead()], 0) is None


def test_fit_streams_a_dataset_with_dataset_validation(tmp_path, digits, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the Dataset was read into memory")

    monkeypatch.setattr(tf_dataset, "dataset_to_arrays", never)
    monkeypatch.setattr("autonas.data.forms.dataset_to_arrays", never)
    x, y, x_test, y_test = digits
    train = tf.data.Dataset.from_tensor_slices((x[:400], y[:400])).batch(32)
    val = tf.data.Dataset.from_tensor_slices((x[400:500], y[400:500])).batch(32)
    clf = autonas.ImageClassifier(max_trials=1, seed=0, directory=tmp_path, overwrite=True)
    clf.fit(train, epochs=2, validation_data=val, verbose=0)
    assert clf.refit_info_["epochs"] >= 1
    assert clf.score(x_test, y_test) > 0.3  # chance: 0.1
    assert clf.tuner_.trial_info(clf.best_trial_.trial_id)["epochs_trained"] == 2


def test_a_dataset_as_validation_data_of_arrays(tmp_path, digits):
    x, y, x_test, y_test = digits
    clf = autonas.ImageClassifier(max_trials=1, seed=0, directory=tmp_path, overwrite=True)
    clf.fit(x[:300], y[:300], epochs=1, verbose=0,
            validation_data=tf.data.Dataset.from_tensor_slices((x[300:400], y[300:400])).batch(50))
    assert clf.best_trial_.score is not None


#: a dataset of 2**16 examples of 4,096 float32 (1 GiB), generated in the pipeline from each index
_LARGE = """
import resource, sys, time
import numpy as np
import tensorflow as tf
import autonas

N, D = 2 ** 16, 4096
def example(i):
    x = tf.random.stateless_uniform([D], seed=tf.stack([i, tf.constant(7, tf.int64)]), minval=-1.0, maxval=1.0)
    return x, tf.cast(tf.reduce_sum(x[:16]) > 0, tf.int64)
dataset = tf.data.Dataset.range(N).map(example).batch(256)
inp = autonas.Input()
out = autonas.ClassificationHead(dropout=0.0)(autonas.DenseBlock(num_layers=1, num_units=16, dropout=0.0,
                                                                   use_batchnorm=False)(inp))
model = autonas.AutoModel(inp, out, max_trials=1, seed=0, directory=sys.argv[1], overwrite=True)
model.fit(x=tf.data.Dataset.range(8).map(example).batch(4), epochs=1, verbose=0)  # warm up TensorFlow
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.time()
model = autonas.AutoModel(inp, out, max_trials=1, seed=0, directory=sys.argv[1], overwrite=True,
                          project_name="large")
model.fit(dataset, epochs=1, batch_size=256, verbose=0)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
fit_seconds = time.time() - start
x_check, y_check = next(iter(tf.data.Dataset.range(N, N + 2048).map(example).batch(2048)))
accuracy = model.evaluate(x_check.numpy(), y_check.numpy())["accuracy"]
print(f"dataset_mib={N * D * 4 / 2**20:.0f} before_mib={before:.0f} peak_mib={peak:.0f} "
      f"growth_mib={peak - before:.0f} fit_seconds={fit_seconds:.0f} accuracy={accuracy:.3f}")
"""


@pytest.mark.slow
def test_a_dataset_larger_than_its_memory_allowance_streams_through_a_search(tmp_path):
    """1 GiB of examples through a search and its refit; the process may grow by 400 MiB at most."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(_LARGE), str(tmp_path)], capture_output=True,
                          text=True, timeout=900,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.environ.get(
                              "PYTHONPATH")])), "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-3000:]
    line = done.stdout.strip().splitlines()[-1]
    print(line)  # the figures (benchmarks/RESULTS.md, "Streaming a tf.data.Dataset")
    figures = dict(part.split("=") for part in line.split())
    assert float(figures["dataset_mib"]) == 1024
    assert float(figures["growth_mib"]) < 400, line  # reading it into memory: 1,024 MiB and more
    assert float(figures["accuracy"]) > 0.6, line  # the labels are learnable: chance is 0.5
