# %% [markdown]
# # Export and serving
#
# A fitted autonas task exports its refitted best model with all the preprocessing
# inside, so the exported model takes raw inputs: pixels, strings, table columns with
# missing values. This tutorial
#
# 1. fits a small image classifier on scikit-learn's digits,
# 2. exports it as a TensorFlow SavedModel and as a `.keras` file,
# 3. serves predictions from the SavedModel in a **fresh Python process that never
#    imports autonas** (what TensorFlow Serving does), and checks they match,
# 4. builds the REST request TensorFlow Serving expects,
# 5. runs `autonas predict` on the export,
# 6. does the same for structured data (Titanic) and text (SMS spam) when
#    `../shared/data` is there.
#
# Fast mode (`AUTONAS_TUTORIAL_FAST=1`): one trial, three epochs, small slices; it runs in
# a few minutes on two CPU cores. `docs/serving.md` documents the signature.

# %% [markdown]
# Outside this repository (on Colab, in a fresh environment) install autonas first;
# `autonas[plot]` adds matplotlib for the plots. Skip this cell when autonas is installed.

# %% tags=["install"]
# %pip install --quiet "autonas[plot]"

# %%
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import autonas

FAST = os.environ.get("AUTONAS_TUTORIAL_FAST", "0") not in ("", "0")
OUT = Path(os.environ.get("AUTONAS_TUTORIAL_OUT") or tempfile.mkdtemp(prefix="autonas_serving_"))
SEARCH = dict(max_trials=1 if FAST else 3, seed=0, directory=OUT / "runs", overwrite=True)
EPOCHS = 3 if FAST else None  # None: early stopping decides
print(f"fast mode: {FAST}; writing to {OUT}")

# %% [markdown]
# ## 1. Fit an image classifier

# %%
from sklearn.datasets import load_digits

digits = load_digits()
order = np.random.default_rng(0).permutation(len(digits.images))
x, y = digits.images[order], digits.target[order]
n_train = 400 if FAST else 1400
x_train, y_train, x_test, y_test = x[:n_train], y[:n_train], x[1400:], y[1400:]

clf = autonas.ImageClassifier(project_name="digits", **SEARCH)
clf.fit(x_train, y_train, epochs=EPOCHS, verbose=0)
print("test accuracy:", round(clf.evaluate(x_test, y_test)["accuracy"], 4))


# %% [markdown]
# Expected output in fast mode (400 digits, one trial of three epochs): `test accuracy:
# 0.864` (CI checks 0.5 or more; chance 0.1). Every served prediction below must equal
# the in-process one: the cells assert it.
# %% [markdown]
# ## 2. Export
#
# TensorFlow Serving loads `<base path>/<version>/`, so export to a numbered folder.
# `assets/autonas.json` describes the signature; `assets/labels.txt` lists the labels in
# the order of the probability columns.

# %%
saved_model = clf.export(OUT / "serving" / "digits" / "1")
keras_file = clf.export(OUT / "digits.keras", format="keras")
meta = json.loads((Path(saved_model) / "assets" / "autonas.json").read_text())
print("inputs: ", meta["signature_inputs"])
print("outputs:", meta["outputs"][0]["outputs"], "labels:", meta["outputs"][0]["labels"])

# %% [markdown]
# ## 3. Serve from a fresh process, with TensorFlow only
#
# The script below is all a server needs: no autonas, no search project. It reads raw
# images, calls the `serving_default` signature and gets labels and probabilities back.

# %%
SERVE = r"""
import json, sys
import numpy as np
import tensorflow as tf

serve = tf.saved_model.load(sys.argv[1]).signatures["serving_default"]
feeds = np.load(sys.argv[2])
out = serve(**{name: tf.constant(feeds[name]) for name in feeds.files})
labels = [v.decode("utf-8") if isinstance(v, bytes) else v for v in out["label"].numpy().tolist()]
print(json.dumps({"label": labels,
                  "probabilities": out["probabilities"].numpy().tolist(),
                  "autonas_imported": "autonas" in sys.modules}))
"""


def serve_in_fresh_process(model_path, feeds):
    """Run `SERVE` in a new interpreter on `feeds` ({input name: array}); returns its JSON answer."""
    path = OUT / "feeds.npz"
    np.savez(path, **feeds)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", SERVE, str(model_path), str(path)], capture_output=True,
                          text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"serving failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


images = x_test[:8]
served = serve_in_fresh_process(saved_model, {"image_input": images.astype("float32")})
assert served["autonas_imported"] is False
np.testing.assert_allclose(served["probabilities"], clf.predict_proba(images), atol=1e-5)
assert served["label"] == clf.predict(images).tolist()
print("served labels:", served["label"], "(in process:", clf.predict(images).tolist(), ")")

# %% [markdown]
# In Python, `autonas.ServedModel` loads an export with its metadata: the inputs it
# takes, and the labels, so that predictions come back as a table of labels and class
# probabilities (what `autonas predict` writes). It needs the SavedModel folder only.

# %%
served_model = autonas.ServedModel(saved_model)
outputs = served_model.predict({"image_input": images.astype("float32")})
frame = served_model.predictions_frame(outputs)
assert frame["label"].tolist() == clf.predict(images).tolist()
print(frame.iloc[:3, :4].round(3).to_string(index=False))

# %% [markdown]
# Pixels of any numeric type: the signature takes float32, and every integer pixel value
# (uint8, uint16) is exact in float32, so casting changes nothing.

# %%
pixels = images.astype("uint8")
outputs = served_model.predict({"image_input": pixels.astype("float32")})
assert served_model.predictions_frame(outputs)["label"].tolist() == clf.predict(pixels).tolist()

# %% [markdown]
# The `.keras` file loads in safe mode after `import autonas` (which registers autonas's
# layers); it returns the heads' raw outputs.

# %%
import keras

reloaded = keras.models.load_model(keras_file)
np.testing.assert_allclose(reloaded.predict(images.astype("float32"), verbose=0), clf.predict_proba(images),
                           atol=1e-5)

# %% [markdown]
# ## 4. The TensorFlow Serving request
#
# Start the server on the export (`docker run -p 8501:8501 --mount
# type=bind,source=$OUT/serving/digits,target=/models/digits -e MODEL_NAME=digits
# -t tensorflow/serving`), then POST this body to
# `http://localhost:8501/v1/models/digits:predict`:

# %%
request = {"instances": [{"image_input": image.astype(int).tolist()} for image in images[:2]]}
print(json.dumps(request)[:300], "...")
# The answer has one object per instance, e.g.
# {"predictions": [{"probabilities": [...], "class_index": 6, "label": 6}, ...]}

# %% [markdown]
# ## 5. `autonas predict`
#
# The command line reads a CSV, an image or text folder, a `.txt` file or an `.npz`
# file and writes a CSV of labels and probabilities. In a terminal:
# `autonas predict serving/digits/1 digits.npz --output predictions.csv`; from Python,
# `autonas.cli.main` takes the same arguments (here, to stay in this process).

# %%
from autonas import cli

np.savez(OUT / "digits.npz", x=images)
assert cli.main(["predict", str(saved_model), str(OUT / "digits.npz"), "--output", str(OUT / "digits.csv")]) == 0
print(pd.read_csv(OUT / "digits.csv").iloc[:2, :4].round(3).to_string(index=False))

# %% [markdown]
# ## 6. Structured data: raw columns, missing values, unseen categories
#
# The Titanic table (`autonas.datasets`: a local copy or a checked download). One Keras input per
# column, named by the column; numbers are float32 with NaN for missing, strings are
# strings with "" for missing.

# %%
titanic = Path(autonas.datasets.fetch("titanic")) / "train.csv"  # a local copy, or downloaded once
frame = pd.read_csv(titanic)
features, survived = frame.drop(columns=["Survived"]), frame["Survived"].to_numpy()
rows = 600 if FAST else 700
table_clf = autonas.StructuredDataClassifier(project_name="titanic", **SEARCH)
table_clf.fit(features.iloc[:rows], survived[:rows], epochs=EPOCHS, verbose=0)
table_model = table_clf.export(OUT / "serving" / "titanic" / "1")

new = features.iloc[rows:rows + 4].copy()
new.loc[new.index[0], ["Sex", "Embarked", "Age"]] = ["unknown", None, np.nan]  # unseen and missing values
columns = json.loads((Path(table_model) / "assets" / "autonas.json").read_text())["inputs"][0]["columns"]
feeds = {}
for column in columns:
    values = new[column["name"]]
    if column["dtype"] == "float32":
        feeds[column["input"]] = values.to_numpy(dtype="float32")
    else:
        feeds[column["input"]] = np.asarray(["" if pd.isna(v) else str(v) for v in values], dtype=str)
# the same signature as in section 3 (`serve_in_fresh_process(table_model, feeds)` answers the same
# from a new interpreter); here through ServedModel, in this process
served = autonas.ServedModel(table_model).predict(feeds)
np.testing.assert_allclose(served["probabilities"], table_clf.predict_proba(new), atol=1e-5)
print("served:", served["label"].tolist(), "in process:", table_clf.predict(new).tolist())

# TensorFlow Serving accepts NaN in its JSON; Python's json writes it.
instance = {c["input"]: feeds[c["input"]][0].item() for c in columns}
print(json.dumps({"instances": [instance]}))

assert cli.main(["predict", str(table_model), str(titanic), "--output", str(OUT / "titanic.csv")]) == 0
print(pd.read_csv(OUT / "titanic.csv").head(2).round(3).to_string(index=False))

# %% [markdown]
# ## 7. Text: raw strings in
#
# SMS spam (`autonas.datasets`). Unknown words map to the
# out-of-vocabulary token inside the model.

# %%
texts, labels = autonas.datasets.load("sms-spam")
texts, labels = texts[: 800 if FAST else 4000], labels[: 800 if FAST else 4000]
text_clf = autonas.TextClassifier(project_name="sms", **SEARCH)
text_clf.fit(texts, labels, epochs=EPOCHS, verbose=0)
text_model = text_clf.export(OUT / "serving" / "sms" / "1")
messages = np.asarray(["WINNER!! Claim your free prize now, call 0800", "see you at lunch",
                       "zxqv blorptastic frobnication"], dtype=object)
served = autonas.ServedModel(text_model).predict({"text_input": messages.astype(str)})
np.testing.assert_allclose(served["probabilities"], text_clf.predict_proba(messages), atol=1e-5)
print(dict(zip(messages, [v.decode() if isinstance(v, bytes) else v for v in served["label"].tolist()])))
print(json.dumps({"instances": [{"text_input": m} for m in messages[:2]]}))
