# %% [markdown]
# # Structured (tabular) data
#
# Two searches over tables of raw columns:
#
# 1. `StructuredDataClassifier` on the Kaggle Titanic passenger list: which
#    passengers survived? The CSV file mixes numbers and strings and has missing
#    values (`Age`, `Cabin`, `Embarked`); we hand it over as it is.
# 2. `StructuredDataRegressor` on scikit-learn's diabetes table: a disease
#    progression score from ten numeric measurements.
#
# Every column is encoded inside the model (imputation of missing values,
# normalization of numbers, a vocabulary for categories), so the model takes the
# raw columns at prediction time as well.
#
# Set `AUTONAS_TUTORIAL_FAST=1` to run with one short trial per search.

# %%
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import autonas

FAST = os.environ.get("AUTONAS_TUTORIAL_FAST") == "1"


def find_data_dir():
    """The shared data folder, `../shared/data` seen from the repository root."""
    try:
        here = Path(__file__).resolve().parent
    except NameError:  # running as a notebook: start from the working directory
        here = Path.cwd()
    root = here.parent if here.name == "tutorials" else here
    return root.parent / "shared" / "data"


TITANIC = find_data_dir() / "titanic" / "train.csv"
OUTPUT_DIR = Path(tempfile.mkdtemp(prefix="autonas_03_"))
print(f"fast mode: {FAST}; outputs in {OUTPUT_DIR}")

# %% [markdown]
# ## Part 1: who survived the Titanic?
#
# The file has one row per passenger and the target column `Survived` (0 or 1).
# To measure the model on passengers it has never seen, we split the file into a
# training CSV and a test CSV first; `fit` and `evaluate` then read those files
# directly: a CSV path as `x` and the target column's name as `y`.
#
# (When the shared data folder is absent we use scikit-learn's breast cancer
# table instead, written to CSV files the same way.)

# %%
if TITANIC.exists():
    table, target = pd.read_csv(TITANIC), "Survived"
else:
    from sklearn.datasets import load_breast_cancer

    print(f"{TITANIC} is absent: using scikit-learn's breast cancer table instead.")
    table, target = load_breast_cancer(as_frame=True).frame, "target"

print(table.head())
print("\nmissing values per column:\n", table.isna().sum()[table.isna().sum() > 0])

if "PassengerId" in table:  # a row number: nothing to learn from it
    table = table.drop(columns=["PassengerId"])
test_rows = table.sample(frac=0.2, random_state=0)
train_csv, test_csv = OUTPUT_DIR / "train.csv", OUTPUT_DIR / "test.csv"
table.drop(test_rows.index).to_csv(train_csv, index=False)
test_rows.to_csv(test_csv, index=False)
print(f"\n{len(table) - len(test_rows)} training rows in {train_csv.name}, "
      f"{len(test_rows)} test rows in {test_csv.name}")

# %% [markdown]
# ### Search
#
# Column types are inferred: numbers with few distinct values and strings with few
# distinct values are categorical, longer strings are text. `column_types`
# overrides the inference; here we say that the passenger class `Pclass` is a
# category, not a quantity. The search (`StructuredDataBlock`) tries dense
# networks of several depths and widths, with and without batch normalization and
# dropout.

# %%
column_types = {"Pclass": "categorical"} if target == "Survived" else None
clf = autonas.StructuredDataClassifier(
    column_types=column_types,
    max_trials=1 if FAST else 10,
    tuner="bayesian",
    max_time="5m" if FAST else "15m",
    seed=0,
    directory=OUTPUT_DIR / "runs",
    project_name="titanic" if target == "Survived" else "breast_cancer",
    overwrite=True,
)
clf.fit(os.fspath(train_csv), target, epochs=2 if FAST else None)

# %% [markdown]
# How each column was understood:

# %%
for column in clf.inputs[0].columns:
    print(f"  {column.name:12s} {column.type}")

# %% [markdown]
# ### Evaluate and predict
#
# `evaluate` takes the test CSV and the target column's name, like `fit`.
# `predict` takes a DataFrame (or a CSV path) of raw columns, missing values
# included, and answers with labels of the kind found in the file (here 0 / 1).

# %%
metrics = clf.evaluate(os.fspath(test_csv), target)
print(f"test accuracy: {metrics['accuracy']:.4f}")

new_rows = test_rows.drop(columns=[target]).head(5)
predictions = clf.predict(new_rows)
probabilities = clf.predict_proba(new_rows)
shown = new_rows.iloc[:, :6].assign(predicted=predictions, p_survived=probabilities[:, 1].round(3))
print(shown.to_string())

# %%
print(clf.leaderboard().iloc[:, :6].to_string(index=False))
clf.summary(print_fn=print)

# %% [markdown]
# ## Part 2: a regressor on the diabetes table
#
# The same workflow with a numeric target. The progression score runs from 25 to
# 346; networks train faster on targets of unit scale, so we standardise it with
# the training mean and standard deviation, and turn predictions back into the
# original units. `evaluate` reports the loss (mean squared error, in standardised
# units here); we also compute the R² score with scikit-learn.

# %%
from sklearn.datasets import load_diabetes  # noqa: E402
from sklearn.metrics import r2_score  # noqa: E402

diabetes = load_diabetes(as_frame=True)
features, progression = diabetes.data, diabetes.target.to_numpy(dtype="float64")
order = np.random.default_rng(0).permutation(len(features))
n_train = int(0.8 * len(features))
train_idx, test_idx = order[:n_train], order[n_train:]
mean, std = progression[train_idx].mean(), progression[train_idx].std()
scaled = (progression - mean) / std

reg = autonas.StructuredDataRegressor(
    max_trials=1 if FAST else 10,
    tuner="random",
    max_time="5m" if FAST else "15m",
    seed=0,
    directory=OUTPUT_DIR / "runs",
    project_name="diabetes",
    overwrite=True,
)
reg.fit(features.iloc[train_idx], scaled[train_idx], epochs=5 if FAST else None)

# %%
test_metrics = reg.evaluate(features.iloc[test_idx], scaled[test_idx])
predicted = reg.predict(features.iloc[test_idx]).reshape(-1).astype("float64") * std + mean
print(f"test mean squared error (standardised units): {test_metrics['loss']:.3f}")
print(f"test R2: {r2_score(progression[test_idx], predicted):.3f}")
print("first predictions:", np.round(predicted[:5], 1).tolist())
print("truth:            ", progression[test_idx][:5].tolist())
