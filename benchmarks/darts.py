"""DARTS search + retraining against random search over the same cell space, equal wall time.

Data: ``../shared/data/mnist-t10k`` seen from the repository root (the MNIST test
set, 10,000 digits), shuffled with seed 0: the first 8,000 images are the
training set, the last 2,000 the test set. Inside the training set, the first
`--search-examples` images train weights and as many images from the second
half score architectures, for both strategies alike.

Protocol, in one run:

1. DARTS: a supernet search (first order, weight-only warm-up epochs, Adam on
   the alphas with a step scaled to the short search, DARTS-
   auxiliary skip and beta-decay regularisation of the alphas (`--beta-decay`,
   default 2), early stop on a stable genotype, at most 2 skips in the
   normal cell; `--max-parameter-free` also caps skips and poolings together);
   the derived genotype is kept as it is by default. Optionally, as in the
   DARTS paper, the latest `--select` distinct derived genotypes
   are trained briefly (the random candidates' proxy) and the best is kept; that
   time counts as search time. The pool takes the latest epoch's alphas first,
   derived as the search did and with at most 2 and 0 skips and poolings per
   cell (`--select-caps`), then earlier epochs; `--perturbation IMAGES` puts
   the cells that perturbation scores give (DARTS-PT without fine-tuning) at
   the head of the pool (with `--fine-tune-steps`, the edges are decided one at a
   time and the supernet fine-tuned after each: DARTS-PT with fine-tuning).
   Then the chosen network is
   trained from scratch on the 8,000 training images ("retraining") and scored
   once on the test set. Its total time T = search + retraining.
2. Random search with the same total time T: random genotypes of the same cell
   space are trained briefly (a proxy: the supernet's size, `--proxy-epochs`
   on the same examples the supernet trains its weights on) and scored on the
   examples DARTS scores architectures on, while the expected time of one
   more candidate plus the retraining still fits; the best is then retrained
   with exactly the same recipe and scored on the test set.

Targets: DARTS search time <= 3x one training of the derived network; DARTS test
accuracy >= random search; at most 2 skip connections in the derived normal cell.

Run from the repository root:

    python benchmarks/darts.py            # the configuration reported in RESULTS.md
    python benchmarks/darts.py --quick    # a smoke run of a few minutes
    python benchmarks/darts.py --rescore benchmarks/runs/darts/summary.json   # both winners, seeds 1 and 2

Skips (exit code 0, with a message) when the data folder is absent.
"""

import argparse
import gzip
import json
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data", "mnist-t10k")


def load_mnist_t10k():
    """Images (10000, 28, 28) uint8 and labels (10000,) from the gzipped IDX files, or None."""
    images = os.path.join(DATA, "t10k-images-idx3-ubyte.gz")
    labels = os.path.join(DATA, "t10k-labels-idx1-ubyte.gz")
    if not (os.path.exists(images) and os.path.exists(labels)):
        return None
    with gzip.open(images, "rb") as f:
        raw = f.read()
    magic, count, rows, cols = np.frombuffer(raw[:16], dtype=">i4")
    assert magic == 2051, f"bad image file magic {magic}"
    x = np.frombuffer(raw[16:], dtype=np.uint8).reshape(count, rows, cols)
    with gzip.open(labels, "rb") as f:
        raw = f.read()
    magic, count = np.frombuffer(raw[:8], dtype=">i4")
    assert magic == 2049, f"bad label file magic {magic}"
    y = np.frombuffer(raw[8:], dtype=np.uint8).astype("int64")
    return x, y


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke run")
    p.add_argument("--search-channels", type=int, default=8)
    p.add_argument("--search-layers", type=int, default=3)
    p.add_argument("--search-epochs", type=int, default=16)
    p.add_argument("--arch-learning-rate", type=float, default=3e-3,
                   help="Adam step of the alphas: 10x the paper's 3e-4, for a search ~100x shorter")
    p.add_argument("--warmup-epochs", type=int, default=8,
                   help="first search epochs train weights only (parameter-free ops win on untrained weights)")
    p.add_argument("--beta-decay", type=float, default=2.0,
                   help="weight of the beta-decay regulariser on the alphas (0: off)")
    p.add_argument("--max-parameter-free", type=int, default=-1,
                   help="cap on skips and poolings together in the derived normal cell (-1: no cap)")
    p.add_argument("--select", type=int, default=0,
                   help="derived genotypes (the latest distinct ones) trained briefly, the best kept, as in the "
                        "DARTS paper; its time counts as search time (0, the default: keep the final genotype)")
    p.add_argument("--select-caps", default="none,2,0",
                   help="caps on skips and poolings per cell that each epoch's genotype is also derived with for "
                        "the selection, latest epoch first ('none': as the search derived it)")
    p.add_argument("--perturbation", type=int, default=0, metavar="IMAGES",
                   help="score every operation of the trained supernet by the validation loss its removal "
                        "causes (DARTS-PT without fine-tuning) on this many architecture-half images, and put "
                        "the cells it gives (as derived, and with at most 2 skips and poolings per cell) first "
                        "in the selection pool; its time counts as search time (0: off)")
    p.add_argument("--fine-tune-steps", type=int, default=0, metavar="STEPS",
                   help="with --perturbation: decide the edges one at a time, fine-tuning the supernet's weights "
                        "for this many steps after each decision (DARTS-PT with fine-tuning; 0: all edges scored "
                        "at once on the trained supernet)")
    p.add_argument("--search-examples", type=int, default=2000,
                   help="images per half (weights / architecture) of the supernet search")
    p.add_argument("--channels", type=int, default=16, help="channels of the retrained network")
    p.add_argument("--layers", type=int, default=5, help="cells of the retrained network")
    p.add_argument("--epochs", type=int, default=8, help="retraining epochs")
    p.add_argument("--proxy-epochs", type=int, default=3, help="training epochs of a random candidate")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "runs", "darts"))
    p.add_argument("--rescore", metavar="SUMMARY",
                   help="instead of a run: retrain both winners of an earlier run's summary.json with the "
                        "--seeds given (initialisation and batch order), to see how much of the gap is the seed")
    p.add_argument("--seeds", default="1,2", help="retraining seeds for --rescore (the run itself uses 0)")
    args = p.parse_args(argv)
    args.select_caps = [None if c.strip().lower() == "none" else int(c) for c in args.select_caps.split(",")]
    if args.max_parameter_free is not None and args.max_parameter_free < 0:
        args.max_parameter_free = None
    if args.quick:
        args.search_channels, args.search_layers, args.search_epochs, args.search_examples = 4, 3, 1, 256
        args.warmup_epochs, args.channels, args.layers, args.epochs, args.proxy_epochs = 0, 4, 3, 1, 1
        args.select = min(args.select, 2)
    return args


def rescore(args, retrain):
    """Retrain the two winners of an earlier run with other seeds; print each and the means."""
    from autonas.darts import Genotype

    with open(args.rescore, encoding="utf-8") as f:
        summary = json.load(f)
    for key in ("channels", "layers", "epochs", "batch_size"):  # the run's own retraining recipe
        setattr(args, key, summary["config"][key])
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = []
    for name in ("darts", "random"):
        genotype = Genotype.from_dict(summary[name]["genotype"])
        scores = [summary[name]["test_accuracy"]]
        for seed in seeds:
            accuracy, seconds, _, _ = retrain(genotype, seed)
            print(f"{name} winner, retraining seed {seed}: test accuracy {accuracy:.4f} ({seconds:.0f}s)", flush=True)
            scores.append(accuracy)
        rows.append((name, scores))
    print()
    print("| winner of | " + " | ".join(f"seed {s}" for s in [0] + seeds) + " | mean | std |")
    print("|---|" + "---|" * (len(seeds) + 3))
    for name, scores in rows:
        print(f"| {name} | " + " | ".join(f"{v:.4f}" for v in scores) +
              f" | {np.mean(scores):.4f} | {np.std(scores, ddof=1):.4f} |")
    return 0


def main(argv=None):
    args = parse_args(argv)
    data = load_mnist_t10k()
    if data is None:
        print(f"SKIPPED: MNIST t10k not found at {os.path.normpath(DATA)} (see shared/data/README.md).")
        return 0

    import keras
    import tensorflow as tf

    from autonas.darts import DartsSearch, build_network, random_genotype, train_network

    tf.get_logger().setLevel("ERROR")  # one model per candidate: Keras retracing notices are expected

    x, y = data
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order].astype("float32"), y[order]
    x_train, y_train, x_test, y_test = x[:8000], y[:8000], x[8000:], y[8000:]
    n = args.search_examples
    x_a, y_a = x_train[:n], y_train[:n]
    x_b, y_b = x_train[4000:4000 + n], y_train[4000:4000 + n]
    normalization = (np.array([x_train.mean()], "float32"), np.array([x_train.var()], "float32"))

    def network(genotype, channels, layers, seed=0):
        keras.utils.set_random_seed(seed)
        return build_network(genotype, (28, 28), 10, channels=channels, layers=layers, stem_strides=2,
                             normalization=normalization)

    def train(model, xs, ys, epochs):  # the recipe `DartsSearch.select` trains its candidates with
        return train_network(model, xs, ys, epochs, batch_size=args.batch_size, learning_rate=0.05)

    def retrain(genotype, seed=0):
        """The retraining recipe, identical for both strategies: train on 8,000, test on 2,000."""
        start, cpu = time.time(), time.process_time()
        model = train(network(genotype, args.channels, args.layers, seed), x_train, y_train, args.epochs)
        seconds, cpu = time.time() - start, time.process_time() - cpu
        accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0, return_dict=True)["accuracy"]
        return float(accuracy), seconds, cpu, int(model.count_params())

    print(f"backend {keras.backend.backend()}; {os.cpu_count()} CPU core(s)", flush=True)
    if args.rescore:
        return rescore(args, retrain)

    # -- DARTS ---------------------------------------------------------------------
    search = DartsSearch(channels=args.search_channels, layers=args.search_layers, nodes=4, stem_strides=2,
                         seed=0, directory=os.path.join(args.out, "search"), max_skip=2, patience=3,
                         max_parameter_free=args.max_parameter_free, warmup_epochs=args.warmup_epochs, arch_learning_rate=args.arch_learning_rate,
                         beta_decay=args.beta_decay)
    start, cpu = time.time(), time.process_time()
    genotype = search.fit(x_a, y_a, validation_data=(x_b, y_b), epochs=args.search_epochs,
                          batch_size=args.batch_size, verbose=0)
    print(f"DARTS supernet search: {time.time() - start:.0f}s, {len(search.history)} epochs "
          f"(stopped early: {search.stopped_early_}), supernet val accuracy "
          f"{search.history[-1]['val_accuracy']:.3f}", flush=True)
    first = []
    if args.perturbation:
        if args.fine_tune_steps:
            search.progressive_perturbation(x_a, y_a, validation_data=(x_b, y_b), max_images=args.perturbation,
                                            fine_tune_steps=args.fine_tune_steps, train_batch_size=args.batch_size)
        else:
            search.perturbation_scores(x_a, y_a, validation_data=(x_b, y_b), max_images=args.perturbation)
        first = [search.perturbation_genotype(), search.perturbation_genotype(max_parameter_free=2)]
        print(f"DARTS perturbation scores: {search.perturbation_['seconds']:.0f}s on "
              f"{search.perturbation_['images']} images; cells as derived:\n{first[0]}", flush=True)
        if not args.select:
            genotype = first[0]
    if args.select:
        # the same proxy as a random candidate: the supernet's size, --proxy-epochs on the weights half
        genotype = search.select(x_a, y_a, validation_data=(x_b, y_b), candidates=args.select,
                                 epochs=args.proxy_epochs, batch_size=args.batch_size,
                                 max_parameter_free=args.select_caps, verbose=0, genotypes=first)
        for i, c in enumerate(search.selection_):
            print(f"  selection candidate {i + 1}: proxy val accuracy {c['val_accuracy']:.4f} "
                  f"({c['seconds']:.0f}s)", flush=True)
    search_time, search_cpu = time.time() - start, time.process_time() - cpu
    print(f"DARTS search with selection: {search_time:.0f}s", flush=True)
    print(genotype, flush=True)
    darts_acc, darts_retrain, darts_retrain_cpu, darts_params = retrain(genotype)
    budget = search_time + darts_retrain
    print(f"DARTS retraining: {darts_retrain:.0f}s, test accuracy {darts_acc:.4f}, {darts_params} parameters",
          flush=True)

    # -- random search with the same total time -----------------------------------
    rng = np.random.default_rng(0)
    start, cpu = time.time(), time.process_time()
    candidates, durations = [], []
    # start a candidate only when its expected duration (median so far) still fits the budget
    while time.time() - start + (np.median(durations) if durations else 0.0) + darts_retrain <= budget:
        began = time.time()
        g = random_genotype(4, seed=rng)
        model = train(network(g, args.search_channels, args.search_layers), x_a, y_a, args.proxy_epochs)
        score = model.evaluate(x_b, y_b, batch_size=256, verbose=0, return_dict=True)["accuracy"]
        candidates.append((float(score), g))
        print(f"  random candidate {len(candidates)}: proxy val accuracy {score:.4f} "
              f"({time.time() - start:.0f}s of {budget - darts_retrain:.0f}s)", flush=True)
        keras.backend.clear_session()
        durations.append(time.time() - began)
    if not candidates:  # the budget cannot even hold one proxy: take one sample untried
        candidates.append((float("nan"), random_genotype(4, seed=rng)))
    proxy_time, proxy_cpu = time.time() - start, time.process_time() - cpu
    best_score, best = max(candidates, key=lambda c: c[0] if np.isfinite(c[0]) else -1)
    random_acc, random_retrain, random_retrain_cpu, random_params = retrain(best)
    random_total = proxy_time + random_retrain

    # -- report ---------------------------------------------------------------------
    skips = genotype.count("skip_connect")
    rows = [
        ("DARTS (search + retraining)", darts_acc, search_time, darts_retrain, search_time + darts_retrain,
         skips, 1),
        ("Random search, same total time", random_acc, proxy_time, random_retrain, random_total,
         best.count("skip_connect"), len(candidates)),
    ]
    print()
    print("| strategy | test accuracy | search s | retraining s | total s | skips in normal cell | "
          "architectures trained |")
    print("|---|---|---|---|---|---|---|")
    for name, acc, s, r, t, k, c in rows:
        print(f"| {name} | {acc:.4f} | {s:.0f} | {r:.0f} | {t:.0f} | {k} | {c} |")
    ratio = search_time / darts_retrain
    print()
    print(f"CPU seconds (this process): DARTS search {search_cpu:.0f}, retraining {darts_retrain_cpu:.0f}; "
          f"random proxies {proxy_cpu:.0f}, retraining {random_retrain_cpu:.0f}")
    print(f"search time / one training of the derived network: {ratio:.2f} wall, "
          f"{search_cpu / darts_retrain_cpu:.2f} CPU (target <= 3): {'met' if ratio <= 3 else 'NOT met'}")
    print(f"DARTS >= random search at equal time: {'met' if darts_acc >= random_acc else 'NOT met'} "
          f"({darts_acc:.4f} vs {random_acc:.4f})")
    print(f"skip connections in the derived normal cell: {skips} (target <= 2): "
          f"{'met' if skips <= 2 else 'NOT met'}")
    summary = {
        "config": vars(args), "darts": {"test_accuracy": darts_acc, "search_s": search_time,
                                        "retrain_s": darts_retrain, "search_cpu_s": search_cpu,
                                        "retrain_cpu_s": darts_retrain_cpu, "params": darts_params,
                                        "genotype": genotype.to_dict(), "epochs": len(search.history),
                                        "selection": search.selection_,
                                        "perturbation_s": (search.perturbation_ or {}).get("seconds"),
                                        "stopped_early": search.stopped_early_},
        "random": {"test_accuracy": random_acc, "proxy_s": proxy_time, "retrain_s": random_retrain,
                   "proxy_cpu_s": proxy_cpu, "retrain_cpu_s": random_retrain_cpu,
                   "params": random_params, "candidates": len(candidates), "best_proxy_accuracy": best_score,
                   "genotype": best.to_dict()},
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
