"""mixed_precision, jit_compile and distribution_strategy: validation, policies, and real trials."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import autonas
from autonas import accelerate


@pytest.mark.parametrize("kwargs, error, words", [
    ({"mixed_precision": "fp8"}, ValueError, ["mixed_precision", "'fp8'", "mixed_bfloat16"]),
    ({"jit_compile": "yes"}, ValueError, ["jit_compile", "'yes'", "'auto'"]),
    ({"distribution_strategy": "mirrored"}, TypeError, ["distribution_strategy", "str", "tf.distribute"]),
])
def test_bad_arguments_name_what_was_received(kwargs, error, words):
    with pytest.raises(error) as info:
        autonas.ImageClassifier(**kwargs)
    for word in words:
        assert word in str(info.value)


def test_mixed_precision_true_on_cpu_keeps_float32(caplog):
    assert accelerate.accelerator()[0] == "cpu"
    with caplog.at_level("INFO", logger="autonas"):
        assert accelerate.resolve_precision_policy(True) is None
    assert "float32" in caplog.text
    assert accelerate.resolve_precision_policy("mixed_float16") == "mixed_float16"
    assert accelerate.resolve_precision_policy(False) is None


def test_precision_scope_restores_the_previous_policy():
    before = keras.mixed_precision.global_policy().name
    with accelerate.precision_scope("mixed_bfloat16"):
        assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
        with pytest.raises(RuntimeError):
            with accelerate.precision_scope("mixed_float16"):
                raise RuntimeError("inner failure")
        assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
    assert keras.mixed_precision.global_policy().name == before


def test_text_input_requires_tensorflow_only_when_it_is_missing():
    accelerate.check_inputs_supported([autonas.TextInput(), autonas.ImageInput()])  # TensorFlow is installed here
    assert accelerate.tensorflow_available()


@pytest.mark.slow
def test_mixed_bfloat16_trials_and_refit_with_float32_outputs(small_digits, tmp_path):
    x_train, y_train, x_test, _ = small_digits
    clf = autonas.ImageClassifier(max_trials=1, seed=0, directory=tmp_path, mixed_precision="mixed_bfloat16",
                                  jit_compile=False)
    clf.fit(x_train[:200], y_train[:200], epochs=1, verbose=0)
    assert keras.mixed_precision.global_policy().name == "float32"  # the search leaves the global policy alone
    trial_model = clf.tuner_.load_trial_model(clf.best_trial_)
    for model in (clf.model_, trial_model):
        convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
        assert convs and all(layer.dtype_policy.name == "mixed_bfloat16" for layer in convs)
        assert all(w.dtype == "float32" for w in model.trainable_weights)
        assert model.outputs[0].dtype == "float32"
    assert clf.model_.jit_compile is False
    proba = clf.predict_proba(x_test[:10])
    assert proba.dtype == np.float32 and np.allclose(proba.sum(axis=1), 1.0, atol=1e-3)


@pytest.mark.slow
def test_jit_compile_true_reaches_trials_and_refit(small_digits, tmp_path):
    x_train, y_train, _, _ = small_digits
    seen = []

    class Probe(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append(self.model.jit_compile)

        def __deepcopy__(self, memo):
            return Probe()

    clf = autonas.ImageClassifier(max_trials=1, seed=0, directory=tmp_path, jit_compile=True)
    clf.fit(x_train[:200], y_train[:200], epochs=1, callbacks=[Probe()], verbose=0)
    assert seen == [True, True]  # one trial, one refit
    assert clf.model_.jit_compile is True


MIRRORED = r"""
import json, sys
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])

import keras
from sklearn.datasets import load_digits
import autonas

replicas = []


class Probe(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        replicas.append(self.model.distribute_strategy.num_replicas_in_sync)

    def __deepcopy__(self, memo):
        return Probe()


d = load_digits()
x, y = d.images[:240], d.target[:240]
clf = autonas.ImageClassifier(max_trials=2, seed=0, directory=sys.argv[1], distribution_strategy=strategy)
clf.fit(x, y, epochs=1, callbacks=[Probe()], verbose=0)
weight = clf.model_.trainable_weights[0]
print("RESULT " + json.dumps({
    "replicas": replicas,
    "refit_strategy": type(clf.model_.distribute_strategy).__name__,
    "variable": type(getattr(weight, "value", weight)).__name__,
    # held-out rows, beside the majority class on them
    "accuracy": clf.evaluate(d.images[240:480], d.target[240:480])["accuracy"],
    "majority": float(np.mean(d.target[240:480] == np.bincount(y).argmax())),
}))
"""


@pytest.mark.slow
def test_mirrored_strategy_over_two_logical_cpus(tmp_path):
    script = tmp_path / "mirrored.py"
    script.write_text(MIRRORED)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": "tensorflow"}
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "runs")], capture_output=True, text=True,
                          env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    line = [l for l in proc.stdout.splitlines() if l.startswith("RESULT ")][-1]
    result = json.loads(line[len("RESULT "):])
    assert result["replicas"] == [2, 2, 2]  # two trials and the refit, each on both replicas
    assert result["refit_strategy"] == "MirroredStrategy"
    assert "Mirrored" in result["variable"]
    assert result["accuracy"] > result["majority"] + 0.15, result  # one epoch: a stated margin over the trivial model
