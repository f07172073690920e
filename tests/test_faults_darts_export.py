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
from autonas.darts import DartsBlock, Genotype, genotype_to_hp_values
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
    """Also the full `tuner="darts"` AutoModel search (once the separate test of test_darts_tuner.py, which
    paid for the same search and export): the trial trains exactly the derived cells, and the refitted
    model beats chance on held-out rows."""
    x, y = load_digits(return_X_y=True)
    x = x.reshape(-1, 8, 8).astype("float32")
    inp = autonas.ImageInput()
    out = autonas.ClassificationHead(dropout=0.0)(
        DartsBlock(channels=4, layers=3, nodes=2, candidates=TINY_OPS, stem_multiplier=1)(inp))
    # an oracle instance without an objective takes the head's (val_accuracy)
    model = autonas.AutoModel(inp, out, tuner=DartsOracle(epochs=2, channels=4, layers=3), max_trials=1, seed=0,
                              directory=tmp_path, project_name="darts")
    # 1280 images: the split (1024 train / 256 validation) and the refit's 1280 are whole batches of 64,
    # so no step function is traced a second time for a smaller last batch (the network is deep: seconds each)
    n = 1280
    model.fit(x[:n], y[:n], epochs=3, batch_size=64, verbose=0)

    # a DARTS search, whose trial trained exactly the derived cells
    project = tmp_path / "darts"
    derived = Genotype.from_dict(json.loads((project / "darts" / "genotype.json").read_text())["genotype"])
    values = model.best_trial_.hyperparameters.values
    for name, value in genotype_to_hp_values(derived, "darts_block/").items():
        assert values[name] == value
    assert (project / "darts" / "alphas.json").exists()
    assert derived.count("skip_connect") <= 2
    assert any(type(layer).__module__.startswith("autonas.darts")
               for layer in model.export_model()._flatten_layers(include_self=False)), "no DARTS cell in the winner"
    # 10 classes: chance (and the majority class) is about 0.1 on these held-out rows
    assert model.evaluate(x[n:], y[n:])["accuracy"] > 0.3

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
