"""A DARTS winner exported as a SavedModel serves the same predictions in a fresh process without autonas.

The DARTS network is built from autonas's own Keras layers (`MixedOp`-derived cells); a SavedModel must carry
their traced computation, so a server that never imports autonas (TensorFlow Serving, a plain `tf` script)
gets the probabilities and labels that the fitted model gives in process.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_digits

import autonas
from autonas.darts import DartsBlock
from autonas.search import DartsOracle

TINY_OPS = ["none", "skip_connect", "max_pool_3x3", "sep_conv_3x3"]

SERVER = r"""
import json, sys
import numpy as np
import tensorflow as tf

path, batch_path, out_path = sys.argv[1:4]
serve = tf.saved_model.load(path).signatures["serving_default"]
batch = np.load(batch_path)
out = serve(**{name: tf.constant(batch[name]) for name in batch.files})
np.savez(out_path, **{name: value.numpy() for name, value in out.items()})
print(json.dumps({"autonas_imported": any(m == "autonas" or m.startswith("autonas.") for m in sys.modules),
                  "outputs": sorted(out)}))
"""


@pytest.mark.slow
def test_a_darts_winner_serves_the_same_predictions_from_a_fresh_process_without_autonas(tmp_path):
    x, y = load_digits(return_X_y=True)
    x = x.reshape(-1, 8, 8).astype("float32")
    n = 256  # 192 train / 64 validation, the refit's 256: whole batches of 64
    inp = autonas.ImageInput()
    out = autonas.ClassificationHead(dropout=0.0)(
        DartsBlock(channels=4, layers=2, nodes=2, candidates=TINY_OPS, stem_multiplier=1)(inp))
    model = autonas.AutoModel(inp, out, tuner=DartsOracle(epochs=1, channels=4, layers=2), max_trials=1, seed=0,
                              directory=tmp_path, project_name="darts")
    model.fit(x[:n], y[:n], epochs=2, batch_size=64, verbose=0)
    assert (tmp_path / "darts" / "darts" / "genotype.json").exists(), "not a DARTS search"
    assert any(type(layer).__module__.startswith("autonas.darts")
               for layer in model.export_model()._flatten_layers(include_self=False)), "no DARTS cell in the winner"

    path = model.export(os.fspath(tmp_path / "serving" / "1"))
    batch = x[n:n + 32]
    names = [node.name for node in model.inputs]
    assert len(names) == 1
    np.savez(tmp_path / "batch.npz", **{names[0]: batch})
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    done = subprocess.run([sys.executable, "-c", SERVER, path, str(tmp_path / "batch.npz"),
                           str(tmp_path / "served.npz")], capture_output=True, text=True, env=env,
                          cwd=str(tmp_path), timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["autonas_imported"] is False
    served = np.load(tmp_path / "served.npz")
    expected = model.export_model().predict(batch, verbose=0)
    np.testing.assert_allclose(served["probabilities"], expected, rtol=1e-4, atol=1e-5)
    labels = served["label"]
    np.testing.assert_array_equal(labels.astype(int) if labels.dtype.kind in "iu" else labels,
                                  model.predict(batch))
