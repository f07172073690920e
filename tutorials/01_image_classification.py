# %% [markdown]
# # Image classification with `autonas.ImageClassifier`
#
# This tutorial searches for a convolutional network that classifies handwritten
# digits, then uses the winner the way you would use any Keras model:
#
# 1. load the images (MNIST's 10,000 test digits, or scikit-learn's small 8x8 digits),
# 2. run a search with `ImageClassifier.fit`,
# 3. predict labels and class probabilities, and evaluate on held-out images,
# 4. look at the search: the leaderboard, the summary and a plot of scores over time,
# 5. export the refitted model as a TensorFlow SavedModel and reload it without autonas.
#
# Set the environment variable `AUTONAS_TUTORIAL_FAST=1` to run everything on a
# tiny slice with one short trial (a smoke test of the whole notebook).

# %% [markdown]
# Outside this repository (on Colab, in a fresh environment) install autonas first;
# `autonas[plot]` adds matplotlib for the plots. Skip this cell when autonas is installed.

# %% tags=["install"]
# %pip install --quiet "autonas[plot]"

# %%
import os
import tempfile
from pathlib import Path

import numpy as np

import autonas

FAST = os.environ.get("AUTONAS_TUTORIAL_FAST") == "1"


# Everything this tutorial writes (the search project, plots, the exported model) goes here.
OUTPUT_DIR = Path(tempfile.mkdtemp(prefix="autonas_01_"))
print(f"fast mode: {FAST}; outputs in {OUTPUT_DIR}")

# %% [markdown]
# ## 1. The data
#
# `autonas.datasets.load("mnist-t10k")` reads MNIST's 10,000 test digits (gzipped
# IDX files) from a local copy, or downloads them once into a cache and checks their
# SHA-256 (pass `path=` to read your own copy).
#
# In fast mode (or when MNIST cannot be had) we use scikit-learn's bundled 8x8
# digits instead.

# %%
def load_sklearn_digits():
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.images.astype("float32"), digits.target


if FAST:
    images, labels = load_sklearn_digits()
    source = "scikit-learn digits (8x8)"
else:
    try:
        # a local copy, or downloaded once into ~/.autonas/datasets (SHA-256 checked)
        images, labels = autonas.datasets.load("mnist-t10k")
        source = "MNIST t10k (28x28)"
    except autonas.datasets.DatasetUnavailable as e:
        print(f"MNIST is not available ({e}); using scikit-learn's bundled 8x8 digits instead.")
        images, labels = load_sklearn_digits()
        source = "scikit-learn digits (8x8)"

# Shuffle once, then hold out a test set the search never sees.
order = np.random.default_rng(0).permutation(len(images))
images, labels = images[order], labels[order]
n_train = 400 if FAST else int(0.8 * len(images))
n_test = 200 if FAST else len(images) - n_train
x_train, y_train = images[:n_train], labels[:n_train]
x_test, y_test = images[n_train:n_train + n_test], labels[n_train:n_train + n_test]
print(f"{source}: {len(x_train)} training and {len(x_test)} test images of shape {x_train.shape[1:]}")

# %% [markdown]
# ## 2. Search
#
# `ImageClassifier` searches an `ImageBlock` (plain convnets, ResNet- and
# Xception-style networks, their sizes, dropout, the optimizer and learning rate).
# The first trial is always a small proven convnet, so even a one-trial search
# gives a sensible model. Pixels are normalised inside the model, so we pass raw
# values.
#
# - `max_trials`: how many configurations to train;
# - `tuner`: the search strategy (`"random"`, `"bayesian"`, `"evolution"`, `"hyperband"`, ...);
# - `max_time`: a time budget for the whole search;
# - `epochs`: epochs per trial (`None` lets early stopping decide).
#
# `fit` holds out `validation_split` of the data to score the trials, then refits the
# best configuration on all of it.

# %%
clf = autonas.ImageClassifier(
    max_trials=1 if FAST else 10,
    tuner="bayesian",
    max_time="5m" if FAST else "30m",
    seed=0,
    directory=OUTPUT_DIR / "runs",
    project_name="digits",
    overwrite=True,
)
clf.fit(x_train, y_train, epochs=2 if FAST else 10, validation_split=0.2, batch_size=32 if FAST else 64)

# %% [markdown]
# ## 3. Predict and evaluate
#
# `predict` returns labels of the same kind as the `y` we fitted on (here ints);
# `predict_proba` returns one probability column per class, in the order of
# `clf.classes_`; `evaluate` returns a dict of metrics on labelled data.

# %%
predicted = clf.predict(x_test[:10])
print("true labels:     ", y_test[:10].tolist())
print("predicted labels:", predicted.tolist())

probabilities = clf.predict_proba(x_test[:3])
print("classes:", clf.classes_.tolist())
print("probabilities of the first three test images:\n", np.round(probabilities, 3))

metrics = clf.evaluate(x_test, y_test)
print(f"test accuracy: {metrics['accuracy']:.4f} (loss {metrics['loss']:.4f})")


# %% [markdown]
# Expected output: in fast mode (400 training digits of 8x8, one trial of two epochs)
# `test accuracy: 0.7950`; CI checks it stays above 0.5 (chance: 0.1). A full search
# on MNIST reaches about 0.99 (benchmarks/RESULTS.md: 0.9890 on 2,000 held-out MNIST
# digits with 8,000 for training and a 10-minute budget).
# %% [markdown]
# ## 4. Look at the search
#
# The leaderboard is a pandas DataFrame with one row per trial (best first) and one
# column per hyperparameter; the summary describes the best trial; `plot_search`
# draws every trial's score and the best score so far against time.

# %%
board = clf.leaderboard()
print(board[["trial_id", "status", "score", "params", "duration", "best_epoch"]].to_string(index=False))

# %%
summary = clf.summary()
print(summary)

# %% [markdown]
# In a notebook the figure is drawn below the cell (it is the cell's value); in a
# script, pass a path to save it.

# %%
plot_path = OUTPUT_DIR / "search.png"
figure = clf.plot_search(plot_path)
print(f"search plot saved to {plot_path}")
figure

# %% [markdown]
# ## 5. Export
#
# `export_model()` gives the refitted `keras.Model` (it takes raw pixels);
# `export(path)` writes a TensorFlow SavedModel with a `serving_default`
# signature, the format TensorFlow Serving loads: it takes `image_input` (raw
# pixels) and returns `probabilities`, `class_index` and the predicted `label`.
# The class labels are also written next to it in `assets/labels.json`.
# Reloading it needs TensorFlow only.

# %%
model = clf.export_model()
print(f"the refitted model has {model.count_params():,} parameters")

export_dir = clf.export(OUTPUT_DIR / "serving" / "digits" / "1")
print(f"SavedModel written to {export_dir}")

import tensorflow as tf  # noqa: E402  (only to show that serving needs nothing else)

serve = tf.saved_model.load(os.fspath(export_dir)).signatures["serving_default"]
served = serve(image_input=tf.constant(x_test[:5], tf.float32))
print("served labels:     ", served["label"].numpy().tolist())
print("predict in process:", clf.predict(x_test[:5]).tolist())
print("max difference from predict_proba:",
      float(np.abs(served["probabilities"].numpy() - clf.predict_proba(x_test[:5])).max()))
