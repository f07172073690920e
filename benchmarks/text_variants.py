"""Why the text search sits near 0.988 on SMS spam: n-gram networks and linear models side by side.

The sms-spam task of ``benchmarks/tasks.py`` (shuffled with seed 0, 80/20) misses its
0.990 target by a few messages while TF-IDF with a linear SVM reaches 0.992. This
script isolates the text search's first trial, the tf-idf n-gram network, and
trains it in plain Keras with a few changes each, over three seeds, the way a trial
and its refit do: trained on the search's training split with the search's
validation split (`autonas.data.adapters.split_validation`, seed 0), the best epoch
by validation accuracy kept, then retrained on the whole training set for that many
epochs and scored once on the test set. Next to it, scikit-learn pipelines on the
same split show which parts of the classical baseline matter.

Run from the repository root::

    python benchmarks/text_variants.py              # every variant, 3 seeds (about 15 minutes on one core)
    python benchmarks/text_variants.py --sklearn    # only the scikit-learn ablation (seconds)

Skips (exit code 0, with a message) when ../shared/data/sms-spam is absent.
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tasks import SHARED, load_sms  # noqa: E402

#: name -> (hidden layers, L2-normalise each tf-idf block, dropout, Adam learning rate, epochs)
VARIANTS = {
    "first trial (2 x 128 relu)": (2, False, 0.0, 1e-3, 8),
    "+ L2-normalised tf-idf": (2, True, 0.0, 1e-3, 8),
    "+ dropout 0.5": (2, False, 0.5, 1e-3, 8),
    "+ L2 + dropout 0.5": (2, True, 0.5, 1e-3, 8),
    "+ L2, learning rate 3e-3": (2, True, 0.0, 3e-3, 10),
    "linear, L2, learning rate 1e-2": (0, True, 0.0, 1e-2, 20),
    "linear, L2, learning rate 0.2": (0, True, 0.0, 0.2, 30),
    "linear, no L2, learning rate 3e-3": (0, False, 0.0, 3e-3, 20),
}


def split():
    from autonas.data.adapters import split_validation

    x, y = load_sms()
    n = int(0.8 * len(x))
    x_train, y_train = x[:n], (y[:n] == "spam").astype("float32")
    x_test, y_test = x[n:], (y[n:] == "spam").astype("float32")
    fit_idx, val_idx = split_validation(len(x_train), 0.2, 0, y_train)
    return x_train, y_train, x_test, y_test, fit_idx, val_idx


def sklearn_ablation(x_train, y_train, x_test, y_test):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    words = dict(ngram_range=(1, 2), sublinear_tf=True)
    chars = dict(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    rows = [
        ("baseline of tasks.py: words 1-2 + char_wb 2-5, sublinear, L2, LinearSVC", words, chars, LinearSVC()),
        ("10,000 features per vectorizer", dict(words, max_features=10000), dict(chars, max_features=10000),
         LinearSVC()),
        ("characters 1-4 (as the text search), 10,000 each", dict(words, max_features=10000),
         dict(analyzer="char", ngram_range=(1, 4), sublinear_tf=True, max_features=10000), LinearSVC()),
        ("raw term frequency (no sublinear)", dict(ngram_range=(1, 2)), dict(analyzer="char_wb", ngram_range=(2, 5)),
         LinearSVC()),
        ("no L2 normalisation", dict(words, norm=None), dict(chars, norm=None), LinearSVC()),
        ("logistic regression C=10", words, chars, LogisticRegression(C=10, max_iter=2000)),
        ("logistic regression C=100", words, chars, LogisticRegression(C=100, max_iter=2000)),
    ]
    y_train = np.where(y_train > 0.5, "spam", "ham")
    y_test = np.where(y_test > 0.5, "spam", "ham")
    print("| scikit-learn pipeline | test accuracy |")
    print("|---|---|")
    for name, w, c, clf in rows:
        model = make_pipeline(make_union(TfidfVectorizer(**w), TfidfVectorizer(**c)), clf)
        model.fit(list(x_train), y_train)
        print(f"| {name} | {model.score(list(x_test), y_test):.4f} |", flush=True)


def keras_variants(x_train, y_train, x_test, y_test, fit_idx, val_idx, seeds):
    import keras
    import tensorflow as tf

    def strings(a):
        return tf.constant([str(v) for v in a])

    def dataset(x, y, seed=None):
        ds = tf.data.Dataset.from_tensor_slices((strings(x), y))
        if seed is not None:
            ds = ds.shuffle(len(x), seed=seed)
        return ds.batch(32)

    # tf-idf over word 1-2 grams and character 1-4 grams, 10,000 each: the first trial's features
    word = keras.layers.TextVectorization(output_mode="tf_idf", ngrams=2, max_tokens=10000)
    char = keras.layers.TextVectorization(output_mode="tf_idf", split="character", ngrams=4, max_tokens=10000)
    word.adapt(strings(x_train[fit_idx]))
    char.adapt(strings(x_train[fit_idx]))

    def model(hidden, l2, dropout, learning_rate, seed):
        keras.utils.set_random_seed(seed)
        inputs = keras.Input((), dtype="string")
        parts = [layer(inputs) for layer in (word, char)]
        if l2:
            parts = [keras.layers.UnitNormalization()(p) for p in parts]
        h = keras.layers.Concatenate()(parts)
        for _ in range(hidden):
            h = keras.layers.Dense(128, activation="relu")(h)
            if dropout:
                h = keras.layers.Dropout(dropout)(h)
        net = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(h))
        net.compile(keras.optimizers.Adam(learning_rate), "binary_crossentropy", metrics=["accuracy"])
        return net

    print("| Keras variant (tf-idf word 1-2 + char 1-4) | " + " | ".join(f"seed {s}: val / epochs / test"
                                                                      for s in seeds) + " | mean test |")
    print("|---|" + "---|" * (len(seeds) + 1))
    for name, (hidden, l2, dropout, learning_rate, epochs) in VARIANTS.items():
        cells, tests = [], []
        for seed in seeds:
            net = model(hidden, l2, dropout, learning_rate, seed)
            history = net.fit(dataset(x_train[fit_idx], y_train[fit_idx], seed), epochs=epochs, verbose=0,
                              validation_data=dataset(x_train[val_idx], y_train[val_idx])).history
            best = int(np.argmax(history["val_accuracy"])) + 1
            refit = model(hidden, l2, dropout, learning_rate, seed)
            refit.fit(dataset(x_train, y_train, seed), epochs=best, verbose=0)
            test = refit.evaluate(dataset(x_test, y_test), verbose=0, return_dict=True)["accuracy"]
            cells.append(f"{max(history['val_accuracy']):.4f} / {best} / {test:.4f}")
            tests.append(test)
        print(f"| {name} | " + " | ".join(cells) + f" | {np.mean(tests):.4f} |", flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sklearn", action="store_true", help="only the scikit-learn ablation")
    p.add_argument("--seeds", default="0,1,2")
    args = p.parse_args(argv)
    if not (SHARED / "sms-spam").exists():
        print("SKIPPED: ../shared/data/sms-spam is absent")
        return 0
    start = time.time()
    data = split()
    sklearn_ablation(*data[:4])
    if not args.sklearn:
        keras_variants(*data, seeds=[int(s) for s in args.seeds.split(",")])
    print(f"\n{time.time() - start:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
