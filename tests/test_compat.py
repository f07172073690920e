"""The per-trial input pipeline and the variable-kernel sharing of the tuner's builds."""

import keras
import numpy as np
import pytest

import autonas
from autonas import _compat
from autonas.tuner import _training_data


def _dense_model():
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(2)])


def test_variables_built_inside_share_kernels_by_short_name_and_nothing_leaks_out(monkeypatch):
    from tensorflow.python.ops import gen_resource_variable_ops as gen

    names = []
    real = gen.var_handle_op

    def spy(*args, debug_name="", **kwargs):
        names.append(debug_name)
        return real(*args, debug_name=debug_name, **kwargs)

    monkeypatch.setattr(gen, "var_handle_op", spy)
    keras.backend.clear_session()
    _dense_model()
    scoped = list(names)
    names.clear()
    with _compat.shared_variable_kernels():
        model = _dense_model()
    assert gen.var_handle_op is spy  # restored on leaving
    assert all("/" in name for name in scoped) and len(scoped) == 4, scoped
    assert names == ["kernel", "bias", "kernel", "bias"]
    # The variables themselves keep their Keras paths and train as usual.
    assert [v.path for v in model.weights] == ["sequential_1/dense_2/kernel", "sequential_1/dense_2/bias",
                                               "sequential_1/dense_3/kernel", "sequential_1/dense_3/bias"]
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()[0].copy()
    model.fit(np.ones((8, 3)), np.zeros((8, 2)), epochs=1, verbose=0)
    assert not np.allclose(before, model.get_weights()[0])

    with pytest.raises(RuntimeError):
        with _compat.shared_variable_kernels():
            raise RuntimeError("a failing build")
    assert gen.var_handle_op is spy


def _epoch_order(dataset):
    return np.concatenate([x[:, 0] for x, *_ in dataset.as_numpy_iterator()])


def test_training_data_is_a_seeded_pipeline_reshuffled_every_epoch():
    x = np.arange(50, dtype="float32").reshape(25, 2)
    y = np.arange(25) % 3
    weights = np.linspace(0.5, 1.5, 25)
    args = _training_data(x, y, weights, batch_size=8, seed=3)
    assert set(args) == {"x", "shuffle"} and args["shuffle"] is False
    dataset = args["x"]
    first, second = _epoch_order(dataset), _epoch_order(dataset)
    assert sorted(first) == sorted(second) == list(x[:, 0])  # every example once per epoch
    assert not np.array_equal(first, second)  # reshuffled
    assert np.array_equal(first, _epoch_order(_training_data(x, y, weights, 8, seed=3)["x"]))  # seeded
    assert not np.array_equal(first, _epoch_order(_training_data(x, y, weights, 8, seed=4)["x"]))
    batch = next(iter(dataset))
    assert len(batch) == 3 and batch[0].shape == (8, 2)
    rows = (batch[0].numpy()[:, 0] / 2).astype(int)  # the weights and labels travel with their examples
    np.testing.assert_allclose(batch[2].numpy(), weights[rows])
    np.testing.assert_array_equal(batch[1].numpy(), y[rows])


def test_training_data_keeps_arrays_keras_cannot_slice_as_tensors_or_too_large(monkeypatch):
    texts = np.array([{"a": 1}, None, "x"], dtype=object)
    args = _training_data(texts, np.zeros(3), None, batch_size=2, seed=0)
    assert args["x"] is texts and args["batch_size"] == 2 and "shuffle" not in args
    monkeypatch.setattr("autonas.trials.pipeline.TRAINING_DATASET_MAX_BYTES", 100)
    x = np.zeros((50, 2))
    assert _training_data(x, np.zeros(50), None, batch_size=2, seed=0)["x"] is x


SLOW_RELEASE = r"""
import sys, time
from autonas import _compat

class Slow:
    def __del__(self):
        time.sleep(1.0)
        with open(sys.argv[1], "w") as f:
            f.write("released")

_compat.keras._release_later([Slow()])
"""


@pytest.mark.slow
@pytest.mark.parametrize("wait", [10.0, 0.0])
def test_a_release_still_running_at_exit_finishes_before_the_interpreter_shuts_down(tmp_path, wait):
    import subprocess
    import sys

    script, marker = tmp_path / "release.py", tmp_path / "marker"
    script.write_text(SLOW_RELEASE + f"_compat.keras.RELEASE_EXIT_WAIT = {wait}\n")
    proc = subprocess.run([sys.executable, str(script), str(marker)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    # with the wait the release completes; without it the daemon thread is cut off at exit
    assert marker.exists() == (wait > 0)


class CountsTrainingTraces(keras.layers.Layer):
    """The identity; counts the traces of the train steps it is part of (its `call` with ``training=True``).

    Inside `fit` a layer's Python `call` runs only while TensorFlow traces the step that calls it.
    """

    made = []

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.training_traces = 0
        CountsTrainingTraces.made.append(self)

    def call(self, x, training=None):
        if training:
            self.training_traces += 1
        return x


def test_every_fit_of_a_search_traces_its_train_step_once(tmp_path, small_digits):
    """Trials and the refit create the compiled metrics' ("accuracy", named) and the optimizer's variables
    before `fit`: created inside the first traced train step, they make TensorFlow trace it again."""
    from autonas.blocks.base import Block, choice

    class Counted(Block):
        def build(self, hp, inputs):
            units = self.param(hp, "units", None, choice([16, 8]))
            return CountsTrainingTraces()(keras.layers.Dense(units, activation="relu")(inputs))

    x, y, _, _ = small_digits
    CountsTrainingTraces.made.clear()
    inp = autonas.Input()
    out = autonas.ClassificationHead(dropout=0.0)(Counted(name="counted")(inp))
    model = autonas.AutoModel(inp, out, max_trials=2, seed=0, directory=tmp_path, overwrite=True)
    model.fit(x.reshape(len(x), -1)[:200], y[:200], epochs=1, verbose=0)
    traces = [layer.training_traces for layer in CountsTrainingTraces.made if layer.training_traces]
    CountsTrainingTraces.made.clear()  # the models stay alive no longer than the test
    assert len(traces) >= 3, f"two trials and a refit, but {len(traces)} models trained"  # each builds its model
    assert traces == [1] * len(traces), f"train steps traced {traces} times"


def test_a_model_fed_python_strings_traces_its_train_step_once():
    """NumPy arrays of Python strings (what text tasks refit on) reach `fit` as string tensors."""
    from autonas.trials.runner import build_optimizer

    texts = np.array(["free prize now", "lunch at noon", "win cash", "see you soon"] * 4, dtype=object)
    labels = np.array([1, 0, 1, 0] * 4)
    vectorize = keras.layers.TextVectorization(max_tokens=20, output_mode="multi_hot")
    vectorize.adapt(texts)
    inputs = keras.Input((), dtype="string")
    counter = CountsTrainingTraces()
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(counter(vectorize(inputs))))
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    build_optimizer(model, {"x": texts, "y": labels})
    model.fit(texts, labels, batch_size=8, epochs=2, verbose=0)
    CountsTrainingTraces.made.clear()
    assert counter.training_traces == 1


def test_the_darts_retraining_recipe_traces_its_train_step_once():
    """`train_network` (DARTS candidates and retrainings) builds its state before `fit`, as a trial does."""
    from autonas.darts.network import train_network

    rng = np.random.default_rng(0)
    x, y = rng.random((32, 6, 6, 1), dtype=np.float32), rng.integers(0, 3, 32)
    counter = CountsTrainingTraces()
    inputs = keras.Input((6, 6, 1))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(keras.layers.Flatten()(counter(inputs))))
    train_network(model, x, y, epochs=2, batch_size=8)
    CountsTrainingTraces.made.clear()
    assert counter.training_traces == 1
