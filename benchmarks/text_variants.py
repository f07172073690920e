"""What the text search's n-gram network needs on SMS spam: networks and linear models side by side.

The sms-spam task of ``benchmarks/tasks.py`` (shuffled with seed 0, 80/20) has a 0.990
target, and TF-IDF with a linear SVM reaches 0.992. This script isolates the text
search's first trial, the tf-idf n-gram network, and trains it in plain Keras with a
few changes each, over three seeds, the way a trial and its refit do: trained on the
search's training split with the search's validation split
(`autonas.data.adapters.split_validation`, seed 0), the best epoch by validation
accuracy kept, then retrained on the whole training set for that many epochs and
scored once on the test set. Before it, scikit-learn pipelines on the same split show
which parts of the classical baseline matter, and a LinearSVC on the network's own
features shows what Keras's tf-idf layer does with out-of-vocabulary n-grams.

Run from the repository root::

    python benchmarks/text_variants.py              # every variant, 3 seeds (about 15 minutes on one core)
    python benchmarks/text_variants.py --sklearn    # only the scikit-learn ablation (seconds)
    python benchmarks/text_variants.py --first-trial --seeds 0,1,2,3,4,5
        # the TextClassifier's first warm-start trial and variants, searched and refitted by
        # the library itself (max_trials=1), one row per variant and seed (about 20 minutes on one core)
    python benchmarks/text_variants.py --search --seeds 0
        # the 5-minute TextClassifier search of tasks.py, then every trial's checkpoint
        # scored on the test set next to its validation score (about 6 minutes per seed)

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

#: name -> (hidden layers, L2-normalise each tf-idf block, dropout, Adam learning rate, epochs,
#:          unknown n-grams weigh 0 rather than the mean idf Keras gives its OOV column)
VARIANTS = {
    "2 x 128 relu, Keras's OOV weight (the first trial before)": (2, False, 0.0, 1e-3, 8, False),
    "+ L2-normalised tf-idf": (2, True, 0.0, 1e-3, 8, False),
    "unknown n-grams weigh 0": (2, False, 0.0, 1e-3, 8, True),
    "unknown 0 + L2 (the library's features now)": (2, True, 0.0, 1e-3, 8, True),
    "unknown 0 + L2 + dropout 0.5 (the first trial now)": (2, True, 0.5, 1e-3, 20, True),
    "linear, unknown 0 + L2, learning rate 0.2": (0, True, 0.0, 0.2, 30, True),
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

    from sklearn.svm import LinearSVC

    from autonas.blocks.text_vectorization import tf_idf_layer
    from autonas.data.statistics import text_vocabulary

    # tf-idf over word 1-2 grams and character 1-4 grams, 10,000 each: the first trial's features,
    # as Keras's `adapt` builds them (its OOV column weighted by the mean idf) ...
    word = keras.layers.TextVectorization(output_mode="tf_idf", ngrams=2, max_tokens=10000)
    char = keras.layers.TextVectorization(output_mode="tf_idf", split="character", ngrams=4, max_tokens=10000)
    word.adapt(strings(x_train[fit_idx]))
    char.adapt(strings(x_train[fit_idx]))
    # ... and as the library builds them: the same vocabularies, unknown n-grams weighing 0
    texts = x_train[fit_idx]
    (wv, wi), (cv, ci) = text_vocabulary(texts, 2), text_vocabulary(texts, 4, split="character")
    library = (tf_idf_layer(wv[:9999], wi[:9999], ngrams=2), tf_idf_layer(cv[:9999], ci[:9999], split="character",
                                                                           ngrams=4))
    layers = {False: (word, char), True: library}

    def features(oov_zero, l2, x):
        parts = [keras.ops.convert_to_numpy(layer(strings(x))) for layer in layers[oov_zero]]
        if l2:
            parts = [p / np.maximum(np.linalg.norm(p, axis=1, keepdims=True), 1e-12) for p in parts]
        return np.hstack(parts)

    print("| LinearSVC on these features (trained on the training split, scored on the test set) | test accuracy |")
    print("|---|---|")
    for oov_zero in (False, True):
        for l2 in (False, True):
            svm = LinearSVC().fit(features(oov_zero, l2, x_train[fit_idx]), y_train[fit_idx])
            name = ("unknown n-grams weigh 0" if oov_zero else "Keras's OOV weight") + (", L2" if l2 else ", no L2")
            print(f"| {name} | {svm.score(features(oov_zero, l2, x_test), y_test):.4f} |", flush=True)
    print()

    def model(hidden, l2, dropout, learning_rate, seed, oov_zero):
        keras.utils.set_random_seed(seed)
        inputs = keras.Input((), dtype="string")
        parts = [layer(inputs) for layer in layers[oov_zero]]
        if l2:
            parts = [keras.layers.UnitNormalization()(p) for p in parts]
        h = keras.layers.Concatenate()(parts)
        for _ in range(hidden):
            h = keras.layers.Dense(128, activation="relu")(h)
            if dropout:
                h = keras.layers.Dropout(dropout)(h)
        net = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(h))
        net.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy", metrics=["accuracy"])
        return net

    print("| Keras variant (tf-idf word 1-2 + char 1-4) | " + " | ".join(f"seed {s}: val / epochs / test"
                                                                      for s in seeds) + " | mean test |")
    print("|---|" + "---|" * (len(seeds) + 1))
    for name, (hidden, l2, dropout, learning_rate, epochs, oov_zero) in VARIANTS.items():
        cells, tests = [], []
        for seed in seeds:
            net = model(hidden, l2, dropout, learning_rate, seed, oov_zero)
            history = net.fit(dataset(x_train[fit_idx], y_train[fit_idx], seed), epochs=epochs, verbose=0,
                              validation_data=dataset(x_train[val_idx], y_train[val_idx])).history
            best = int(np.argmax(history["val_accuracy"])) + 1
            refit = model(hidden, l2, dropout, learning_rate, seed, oov_zero)
            refit.fit(dataset(x_train, y_train, seed), epochs=best, verbose=0)
            test = refit.evaluate(dataset(x_test, y_test), verbose=0, return_dict=True)["accuracy"]
            cells.append(f"{max(history['val_accuracy']):.4f} / {best} / {test:.4f}")
            tests.append(test)
        print(f"| {name} | " + " | ".join(cells) + f" | {np.mean(tests):.4f} |", flush=True)


#: name -> hyperparameter values added to the n-gram warm start (word 1-2 + char 1-4 grams)
FIRST_TRIALS = {
    "no dropout (the first trial before)": {"text_block/ngram/dropout": 0.0},
    "dropout 0.5 (the first trial now)": {"text_block/ngram/dropout": 0.5},
    "dropout 0.5, 20,000 n-grams of each kind (the second trial now)": {"text_block/ngram/dropout": 0.5,
                                                                        "text_block/max_tokens": 20000},
}


def library_first_trials(x_train, y_train, x_test, y_test, seeds):
    """Each variant as a one-trial TextClassifier search (its validation split follows the seed), refitted."""
    import tempfile

    import autonas

    labels = np.where(y_train > 0.5, "spam", "ham")
    test_labels = np.where(y_test > 0.5, "spam", "ham")
    print("| first trial (TextClassifier, max_trials=1) | seed | validation accuracy | refit epochs | test accuracy |")
    print("|---|---|---|---|---|")
    for name, values in FIRST_TRIALS.items():
        for seed in seeds:
            with tempfile.TemporaryDirectory() as workdir:
                clf = autonas.TextClassifier(max_trials=1, seed=seed, directory=workdir, overwrite=True,
                                             initial_hps=[{"text_block/char_ngrams": 4, **values}])
                clf.fit(x_train, labels, verbose=0)
                test = clf.evaluate(x_test, test_labels)["accuracy"]
                print(f"| {name} | {seed} | {clf.best_trial_.score:.4f} | {clf.refit_info_['epochs']} | {test:.4f} |",
                      flush=True)


def library_search(x_train, y_train, x_test, y_test, seeds):
    """The tasks.py search; every completed trial's best-epoch checkpoint scored on the test set."""
    import tempfile

    import autonas

    labels = np.where(y_train > 0.5, "spam", "ham")
    for seed in seeds:
        with tempfile.TemporaryDirectory() as workdir:
            clf = autonas.TextClassifier(max_trials=100, max_time="5m", seed=seed, directory=workdir,
                                         project_name="sms", overwrite=True)
            clf.fit(x_train, labels, verbose=0)
            refit = clf.evaluate(x_test, np.where(y_test > 0.5, "spam", "ham"))["accuracy"]
            print(f"\nseed {seed}: {len(clf.leaderboard())} trials in {clf.search_time_:.0f}s; the refit of trial "
                  f"{clf.best_trial_.trial_id} ({clf.refit_info_['epochs']} epochs) scores {refit:.4f} on the test set")
            print("| trial | family | validation accuracy | best epoch | checkpoint's test accuracy |")
            print("|---|---|---|---|---|")
            for _, row in clf.leaderboard().iterrows():
                if row["status"] != "COMPLETED":
                    continue
                trial = clf.tuner_.oracle.trials[row["trial_id"]]
                model = clf.tuner_.load_trial_model(trial)
                p = model.predict(np.asarray(x_test, dtype=object), verbose=0).reshape(-1)
                test = float(np.mean((p > 0.5) == (y_test > 0.5)))
                family = trial.hyperparameters.values.get("text_block/block_type", clf._text_block.block_type)
                print(f"| {row['trial_id']} | {family} | {row['score']:.4f} | {row['best_epoch']} | {test:.4f} |",
                      flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sklearn", action="store_true", help="only the scikit-learn ablation")
    p.add_argument("--first-trial", action="store_true", help="only the library's first trial and variants")
    p.add_argument("--search", action="store_true", help="only the 5-minute search, each trial scored on test")
    p.add_argument("--seeds", default="0,1,2")
    args = p.parse_args(argv)
    if not (SHARED / "sms-spam").exists():
        print("SKIPPED: ../shared/data/sms-spam is absent")
        return 0
    start = time.time()
    data = split()
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.first_trial:
        library_first_trials(*data[:4], seeds=seeds)
    elif args.search:
        library_search(*data[:4], seeds=seeds)
    else:
        sklearn_ablation(*data[:4])
        if not args.sklearn:
            keras_variants(*data, seeds=seeds)
    print(f"\n{time.time() - start:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
