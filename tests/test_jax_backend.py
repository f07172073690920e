"""Image tasks under KERAS_BACKEND=jax, in a subprocess where TensorFlow cannot be imported."""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("jax") is None,
                       reason="jax is not installed in this environment (pip install jax, or the `dev` extra)"),
]

SCRIPT = r"""
import importlib.abc, json, sys, types


class NoTensorFlow(importlib.abc.MetaPathFinder):
    # As on a JAX machine without TensorFlow: `import tensorflow` fails.

    def find_spec(self, name, path=None, target=None):
        if name == "tensorflow" or name.startswith("tensorflow."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, NoTensorFlow())

import numpy as np
import keras
from sklearn.datasets import load_digits

import autonas

out = sys.argv[1]
assert keras.backend.backend() == "jax", keras.backend.backend()
d = load_digits()
x, y = d.images[:240], d.target[:240]
clf = autonas.ImageClassifier(max_trials=1, seed=0, directory=out, project_name="jax")
clf.fit(x, y, epochs=1, verbose=0)
x_test, y_test = d.images[240:480], d.target[240:480]  # held-out rows
result = {"accuracy": clf.evaluate(x_test, y_test)["accuracy"],
          "majority": float(np.mean(y_test == np.bincount(y).argmax())), "proba_shape": list(clf.predict_proba(x[:5]).shape),
          "labels": [int(v) for v in clf.predict(x[:5])]}

path = clf.export(out + "/model.keras", format="keras")
reloaded = keras.saving.load_model(path)  # safe_mode on
result["reload_diff"] = float(np.max(np.abs(np.asarray(reloaded.predict(x[:20].astype("float32"), verbose=0))
                                            - clf.predict_proba(x[:20]))))

errors = {}
try:
    clf.export(out + "/saved_model")
except RuntimeError as e:
    errors["saved_model"] = str(e)
try:
    autonas.TextClassifier()
except RuntimeError as e:
    errors["text"] = str(e)
try:
    autonas.StructuredDataClassifier()
except RuntimeError as e:
    errors["structured"] = str(e)
try:
    autonas.ImageClassifier(distribution_strategy=types.SimpleNamespace(scope=None, num_replicas_in_sync=2))
except RuntimeError as e:
    errors["strategy"] = str(e)
result["errors"] = errors
result["tensorflow_imported"] = "tensorflow" in sys.modules
print("RESULT " + json.dumps(result))
"""


def test_image_classifier_runs_under_jax_without_tensorflow(tmp_path):
    script = tmp_path / "jax_run.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "runs")], capture_output=True, text=True,
                          env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    line = [l for l in proc.stdout.splitlines() if l.startswith("RESULT ")][-1]
    result = json.loads(line[len("RESULT "):])
    assert result["tensorflow_imported"] is False
    # held-out rows, one epoch and the refit: a stated margin over the majority class (about 0.1 on 10 digits)
    assert result["accuracy"] > result["majority"] + 0.15, result
    assert result["proba_shape"] == [5, 10] and all(0 <= v <= 9 for v in result["labels"])
    assert result["reload_diff"] < 1e-5
    errors = result["errors"]
    assert "TensorFlow" in errors["saved_model"] and "format='keras'" in errors["saved_model"]
    assert "TextInput" in errors["text"] and "needs TensorFlow" in errors["text"]
    assert "StructuredDataInput" in errors["structured"] and "needs TensorFlow" in errors["structured"]
    assert "distribution_strategy" in errors["strategy"] and "TensorFlow backend" in errors["strategy"]
