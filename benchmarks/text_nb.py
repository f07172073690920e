"""NB-SVM weighting of the text search's n-gram features, on dev splits of the training rows.

Wang and Manning (2012) scale binarised n-grams by their naive-Bayes log-count
ratio before a linear SVM. This script compares, on the `TextBlock` n-gram
features of the warm start (word 1-2 grams and character 1-4 grams, 10,000 of
each, each block scaled to unit length), the three `ngram_weighting` values
("tf_idf", "nb", "tf_idf_nb") under the warm start's two heads (a linear model,
and one dense layer of 256 with dropout 0.5), trained the way a trial is
(Adam 1e-3, batches of 32, early stopping on validation accuracy with patience
10, the best epoch's weights kept; no refit). The features are fed as sparse
matrices (the same values; it only makes the runs affordable on one shared core).

Data, all from the TRAINING rows of benchmarks/tasks.py (its test rows are never
read): the dev split of `tasks._dev_split` (first 80% of the training rows to
learn from, last 20% scored), and two constructions from the same rows to check
that a choice is not tuned to short binary SMS:

- ``sms``: 3,551 messages to learn from, 888 dev messages, spam or ham;
- ``sms-small``: the first 800 of those messages only (same dev rows);
- ``sms-docs``: longer documents with three classes: 2,000 documents of 6
  messages drawn from the learning rows (1,000 from the dev rows), labelled by
  how many of the 6 are spam (0, 1, 2 or more).

The seed draws the validation split (`autonas.data.adapters.split_validation`)
and the initial weights; vocabularies, idf and naive-Bayes ratios come from the
split's training part only, as in a search.

    python benchmarks/text_nb.py                      # every dataset, seeds 0-2
    python benchmarks/text_nb.py --data sms --seeds 0

Skips (exit code 0, with a message) when ../shared/data/sms-spam is absent.
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tasks import TASKS, _dev_split  # noqa: E402

WEIGHTINGS = ("tf_idf", "nb", "tf_idf_nb")
HEADS = {"linear": 0, "1x256, dropout 0.5": 256}


def datasets():
    """name -> (texts to learn from, their labels, dev texts, dev labels)."""
    split = TASKS["sms"].load()
    if split is None:
        return None
    x, y, x_dev, y_dev = _dev_split(split)
    rng = np.random.default_rng(0)

    def documents(texts, labels, count):
        picks = rng.integers(0, len(texts), size=(count, 6))
        spam = (labels[picks] == "spam").sum(axis=1)
        return (np.array([" ".join(texts[p]) for p in picks], dtype=object),
                np.array(["0 spam", "1 spam", "2+ spam"], dtype=object)[np.minimum(spam, 2)])

    return {"sms": (x, y, x_dev, y_dev), "sms-small": (x[:800], y[:800], x_dev, y_dev),
            "sms-docs": documents(x, y, 2000) + documents(x_dev, y_dev, 1000)}


def text_node(fit_x, fit_codes):
    """A TextInput and the input profile of the split's training texts and labels (vocabularies and ratios kept there)."""
    from autonas.data.profile import DataProfile, InputProfile
    from autonas.graph.nodes import TextInput

    node = TextInput()
    node.profile = DataProfile([InputProfile(node.name, "text", np.asarray(fit_x, dtype=object), targets=fit_codes)])
    return node


def features(weighting, node, texts_list):
    """The TextBlock's n-gram features (word 1-2 + char 1-4, 10,000 each) learnt on the node's texts."""
    import keras
    import keras_tuner

    from autonas.blocks.text_block import TextBlock

    from autonas.graph.context import using_profile

    block = TextBlock(block_type="ngram", max_tokens=10000, ngrams=2, char_ngrams=4, ngram_weighting=weighting)
    inputs = keras.Input((), dtype="string")
    with using_profile(node.profile):
        model = keras.Model(inputs, block._ngram_features(keras_tuner.HyperParameters(), node, inputs, 10000)[0])
    import scipy.sparse

    return [scipy.sparse.csr_matrix(model.predict(np.asarray(t, dtype=object), batch_size=256, verbose=0))
            for t in texts_list]


def train(x_fit, y_fit, x_val, y_val, x_dev, y_dev, classes, units, seed):
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((x_fit.shape[1],), sparse=True)
    h = inputs
    if units:
        h = keras.layers.Dropout(0.5)(keras.layers.Dense(units, activation="relu")(h))
    binary = classes == 2
    out = keras.layers.Dense(1 if binary else classes, activation="sigmoid" if binary else "softmax")(h)
    net = keras.Model(inputs, out)
    net.compile(optimizer=keras.optimizers.Adam(1e-3), metrics=["accuracy"], steps_per_execution=64,
                loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy")
    stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max", patience=10, restore_best_weights=True)
    history = net.fit(x_fit, y_fit, validation_data=(x_val, y_val), epochs=100, batch_size=32, verbose=0,
                      callbacks=[stop])
    epochs = int(np.argmax(history.history["val_accuracy"])) + 1
    return float(net.evaluate(x_dev, y_dev, verbose=0, return_dict=True)["accuracy"]), epochs


def main(argv=None):
    from autonas.data.adapters import split_validation

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", nargs="+", default=["sms", "sms-small", "sms-docs"])
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--weightings", nargs="+", default=list(WEIGHTINGS))
    p.add_argument("--heads", nargs="+", default=list(HEADS), help=f"among {list(HEADS)}")
    args = p.parse_args(argv)
    data = datasets()
    if data is None:
        print("SKIPPED: ../shared/data/sms-spam is absent")
        return 0
    seeds = [int(s) for s in args.seeds.split(",")]
    start = time.time()
    for name in args.data:
        x, y, x_dev, y_dev = data[name]
        classes = sorted(set(y))
        codes, dev_codes = (np.searchsorted(classes, a) for a in (y, y_dev))
        codes = codes.astype("float32" if len(classes) == 2 else "int64")
        dev_codes = dev_codes.astype(codes.dtype)
        print(f"\n{name}: {len(x)} texts to learn from ({np.median([len(t.split()) for t in x]):.0f} words median), "
              f"{len(x_dev)} dev texts, {len(classes)} classes; dev accuracy, majority "
              f"{max(np.mean(y_dev == c) for c in classes):.4f}", flush=True)
        results = {}
        for seed in seeds:
            fit_idx, val_idx = split_validation(len(x), 0.2, seed, codes)
            node = text_node(x[fit_idx], codes[fit_idx])
            for weighting in args.weightings:
                began = time.time()
                f_fit, f_val, f_dev = features(weighting, node, [x[fit_idx], x[val_idx], x_dev])
                print(f"  seed {seed} {weighting}: features in {time.time() - began:.0f}s", flush=True)
                for head in args.heads:
                    units = HEADS[head]
                    began = time.time()
                    acc, epochs = train(f_fit, codes[fit_idx], f_val, codes[val_idx], f_dev, dev_codes,
                                        len(classes), units, seed)
                    results.setdefault((weighting, head), []).append((acc, epochs))
                    print(f"  seed {seed} {weighting:9s} {head}: {acc:.4f} (best epoch {epochs}, "
                          f"{time.time() - began:.0f}s)", flush=True)
        print("| weighting | head | dev accuracy, mean ± std | per seed | best epochs |")
        print("|---|---|---|---|---|")
        for (weighting, head), runs in results.items():
            acc = np.array([r[0] for r in runs])
            print(f"| {weighting} | {head} | {acc.mean():.4f} ± {acc.std():.4f} | "
                  f"{' / '.join(f'{a:.4f}' for a in acc)} | {' / '.join(str(r[1]) for r in runs)} |", flush=True)
    print(f"\n{time.time() - start:.0f}s")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(main())
