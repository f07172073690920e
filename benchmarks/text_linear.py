"""The linear n-gram member of the text search: its learning rate, and ensembling it with the wide network.

On dev splits of the training rows only (the datasets of `text_nb.py`: ``sms``
and ``sms-docs``; the test rows of benchmarks/tasks.py are never read). For
each seed (which draws the validation split), the warm start's features (word
1-2 and character 1-4 grams, 10,000 each; NB-SVM weights for the linear model,
tf-idf for the network) are computed once, then:

- the linear model (the warm start's second trial) is trained with Adam at each
  learning rate, (a) as a proxy trial of the default successive halving sees it
  (a third of the training part, 3 epochs) and (b) as a full trial (all of it,
  early stopping on validation accuracy, patience 10, at most `--max-epochs`);
- the warm start's first trial (one dense layer of 256, dropout 0.5, tf-idf,
  Adam 1e-3) is trained as a full trial;
- greedy ensemble selection (`autonas.ensemble.selection`, on the validation
  probabilities) mixes the wide network with the linear model; the dev accuracy
  of each and of the ensemble is printed.

    python benchmarks/text_linear.py --data sms sms-docs --seeds 0,1,2
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from text_nb import datasets, features, text_node  # noqa: E402


def train(x_fit, y_fit, x_val, y_val, classes, units, seed, lr, epochs, patience=10):
    """A trial-like fit; returns (model, best epoch)."""
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((x_fit.shape[1],), sparse=True)
    h = inputs
    if units:
        h = keras.layers.Dropout(0.5)(keras.layers.Dense(units, activation="relu")(h))
    binary = classes == 2
    out = keras.layers.Dense(1 if binary else classes, activation="sigmoid" if binary else "softmax")(h)
    net = keras.Model(inputs, out)
    net.compile(optimizer=keras.optimizers.Adam(lr), metrics=["accuracy"], steps_per_execution=64,
                loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy")
    stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max", patience=patience,
                                         restore_best_weights=True)
    history = net.fit(x_fit, y_fit, validation_data=(x_val, y_val), epochs=epochs, batch_size=32, verbose=0,
                      callbacks=[stop])
    return net, int(np.argmax(history.history["val_accuracy"])) + 1


def probabilities(net, x):
    p = net.predict(x, batch_size=256, verbose=0)
    return np.concatenate([1 - p, p], axis=1) if p.shape[1] == 1 else p


def main(argv=None):
    from autonas.data.adapters import split_validation
    from autonas.ensemble.selection import accuracy, cross_entropy, greedy_selection, weighted_average

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", nargs="+", default=["sms", "sms-docs"])
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--learning-rates", default="0.001,0.003,0.01")
    p.add_argument("--max-epochs", type=int, default=60)
    p.add_argument("--wide-epochs", type=int, default=10, help="epoch cap of the wide network (as in a 5-minute search)")
    args = p.parse_args(argv)
    data = datasets()
    if data is None:
        print("SKIPPED: ../shared/data/sms-spam is absent")
        return 0
    rates = [float(r) for r in args.learning_rates.split(",")]
    start = time.time()
    for name in args.data:
        x, y, x_dev, y_dev = data[name]
        classes = sorted(set(y))
        codes, dev_codes = (np.searchsorted(classes, a).astype("int64") for a in (y, y_dev))
        fcodes = codes.astype("float32") if len(classes) == 2 else codes
        rows = {}
        for seed in [int(s) for s in args.seeds.split(",")]:
            fit_idx, val_idx = split_validation(len(x), 0.2, seed, codes)
            node = text_node(x[fit_idx], fcodes[fit_idx])
            nb = features("nb", node, [x[fit_idx], x[val_idx], x_dev])
            tfidf = features("tf_idf", node, [x[fit_idx], x[val_idx], x_dev])
            y_fit, y_val = fcodes[fit_idx], fcodes[val_idx]
            proxy = np.sort(np.random.default_rng(seed).permutation(len(fit_idx))[: len(fit_idx) // 3])
            wide, wide_epoch = train(tfidf[0], y_fit, tfidf[1], y_val, len(classes), 256, seed, 1e-3, args.wide_epochs)
            wide_val, wide_dev = probabilities(wide, tfidf[1]), probabilities(wide, tfidf[2])
            rows.setdefault("wide 1x256 tf-idf, lr 0.001", []).append(accuracy(dev_codes, wide_dev))
            for lr in rates:
                net, _ = train(nb[0][proxy], y_fit[proxy], nb[1], y_val, len(classes), 0, seed, lr, 3)
                proxy_val = accuracy(codes[val_idx], probabilities(net, nb[1]))
                net, epoch = train(nb[0], y_fit, nb[1], y_val, len(classes), 0, seed, lr, args.max_epochs)
                lin_val, lin_dev = probabilities(net, nb[1]), probabilities(net, nb[2])
                sel = greedy_selection([wide_val, lin_val], codes[val_idx], loss=cross_entropy)
                ens_dev = weighted_average([wide_dev, lin_dev], sel.weights)
                for key, value in ((f"linear nb, lr {lr}: proxy validation", proxy_val),
                                   (f"linear nb, lr {lr}: full, dev", accuracy(dev_codes, lin_dev)),
                                   (f"linear nb, lr {lr}: best epoch", epoch),
                                   (f"ensemble wide + linear lr {lr}: dev", accuracy(dev_codes, ens_dev)),
                                   (f"ensemble wide + linear lr {lr}: linear weight", sel.weights.get(1, 0.0))):
                    rows.setdefault(key, []).append(value)
                print(f"  {name} seed {seed} lr {lr}: proxy val {proxy_val:.4f}, full dev "
                      f"{accuracy(dev_codes, lin_dev):.4f} (epoch {epoch}), wide dev "
                      f"{accuracy(dev_codes, wide_dev):.4f} (epoch {wide_epoch}), ensemble dev "
                      f"{accuracy(dev_codes, ens_dev):.4f} weights {sel.weights} ({time.time() - start:.0f}s)",
                      flush=True)
        print(f"\n{name}: {len(x)} texts, {len(x_dev)} dev texts\n| measure | mean ± std | per seed |\n|---|---|---|")
        for key, values in rows.items():
            v = np.array(values, dtype=float)
            print(f"| {key} | {v.mean():.4f} ± {v.std():.4f} | {' / '.join(f'{a:.4f}' for a in v)} |", flush=True)
    print(f"\n{time.time() - start:.0f}s")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(main())
