# %% [markdown]
# # Text classification with `autonas.TextClassifier`
#
# We teach a model to tell spam from ordinary messages with the SMS Spam
# Collection: 5,549 real text messages, each labelled `ham` or `spam`.
#
# `TextClassifier` takes raw strings. The vocabulary is learnt from the training
# split and lives inside the model as a Keras layer, so the model it hands back
# (and the one it exports) takes raw strings too: no separate tokenizer to ship.
#
# Set `AUTONAS_TUTORIAL_FAST=1` to run on a small slice with one short trial.

# %%
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

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


DATA_PATH = find_data_dir() / "sms-spam" / "SMSSpamCollection"
OUTPUT_DIR = Path(tempfile.mkdtemp(prefix="autonas_02_"))
if not DATA_PATH.exists():
    print(f"This tutorial needs the SMS Spam Collection at {DATA_PATH}, which is absent; nothing to do.")
    sys.exit(0)
print(f"fast mode: {FAST}; outputs in {OUTPUT_DIR}")

# %% [markdown]
# ## 1. The data
#
# One message per line: the label, a TAB, then the raw text. We keep the texts as
# Python strings and the labels as strings too: `predict` will answer in the same
# kind of labels.

# %%
labels, texts = [], []
with open(DATA_PATH, encoding="utf-8") as f:
    for line in f:
        label, _, text = line.rstrip("\n").partition("\t")
        if text:
            labels.append(label)
            texts.append(text)
texts, labels = np.array(texts, dtype=object), np.array(labels, dtype=object)
print(f"{len(texts)} messages; {np.sum(labels == 'spam')} spam, {np.sum(labels == 'ham')} ham")
print("an example of each:")
print("  ham: ", texts[labels == "ham"][0])
print("  spam:", texts[labels == "spam"][0])

# Shuffle once and keep a test set aside.
order = np.random.default_rng(0).permutation(len(texts))
texts, labels = texts[order], labels[order]
n_train = 600 if FAST else 4400
n_test = 300 if FAST else len(texts) - n_train
x_train, y_train = texts[:n_train], labels[:n_train]
x_test, y_test = texts[n_train:n_train + n_test], labels[n_train:n_train + n_test]
print(f"{len(x_train)} training and {len(x_test)} test messages")

# %% [markdown]
# ## 2. Search
#
# The text search space (`TextBlock`) holds an n-gram model (tf-idf features and
# dense layers), 1-D convnets, recurrent networks and small Transformers. The first
# trial is the n-gram model, a strong baseline for short texts. The others are
# searched only when there are at least 1,500 training texts per word of the median
# text (Google's text classification guide found n-gram models ahead below that):
# here, about 3,500 messages of about 12 words, so every trial is an n-gram model
# (words and characters, vocabulary size, layers, dropout, optimizer).
#
# Only one message in eight is spam, so the validation split is stratified (each
# split keeps the same share of spam).

# %%
clf = autonas.TextClassifier(
    max_trials=1 if FAST else 6,
    tuner="random",
    max_time="5m" if FAST else "20m",
    seed=0,
    directory=OUTPUT_DIR / "runs",
    project_name="sms_spam",
    overwrite=True,
)
clf.fit(x_train, y_train, epochs=2 if FAST else None, validation_split=0.2)

# %% [markdown]
# ## 3. Predict and evaluate
#
# `predict` answers with `"ham"` / `"spam"` strings; `predict_proba` has one
# column per class in the order of `clf.classes_`.

# %%
new_messages = np.array([
    "WINNER!! You have been selected to receive a £900 prize reward. Call 09061701461 to claim now",
    "Are we still meeting for lunch tomorrow?",
    "URGENT! Your mobile number has won a free holiday. Text YES to 80088",
], dtype=object)
for message, label, p in zip(new_messages, clf.predict(new_messages), clf.predict_proba(new_messages)):
    print(f"{label:>5}  (p(spam) = {p[list(clf.classes_).index('spam')]:.2f})  {message[:60]}")

# %%
metrics = clf.evaluate(x_test, y_test)
print(f"test accuracy: {metrics['accuracy']:.4f}")

# %% [markdown]
# Accuracy alone flatters a model on unbalanced classes: always answering "ham"
# already scores about 87%. Precision and recall on the spam class tell more.

# %%
from sklearn.metrics import classification_report  # noqa: E402

print(classification_report(y_test, clf.predict(x_test), digits=3, zero_division=0))

# %% [markdown]
# ## 4. The search and the model
#
# The leaderboard and summary work as for any task. The exported Keras model takes
# raw strings: its first layer is the text vectorization learnt at fit time.

# %%
columns = ["trial_id", "status", "score", "params", "text_block/max_tokens", "text_block/char_ngrams"]
print(clf.leaderboard()[columns].to_string(index=False))
clf.summary(print_fn=print)

# %%
model = clf.export_model()
raw_scores = model.predict(new_messages, verbose=0)
# With two classes the model has one output: the probability of the second class, clf.classes_[1].
print(f"the exported model, fed raw strings, gives p({clf.classes_[1]}) =",
      np.round(raw_scores.ravel().astype(float), 2).tolist())
