"""Training throughput on an accelerator: an autonas trial, the same model in plain Keras, a DARTS step.

Run it on a GPU machine with the JAX backend (under 5 minutes)::

    KERAS_BACKEND=jax python benchmarks/gpu.py

and anywhere, slowly, with small sizes::

    KERAS_BACKEND=jax python benchmarks/gpu.py --quick

What it measures, each in float32 and under a mixed-precision policy
(``mixed_bfloat16`` unless ``--policy`` says otherwise):

- ``autonas trial``: one real trial of an image search (`autonas.Tuner` with
  the warm-start configuration of `ImageClassifier`: normalization, two stages
  of two 3x3 convolutions with 32 then 64 filters, max pooling, dense softmax),
  with every callback a trial uses (best-epoch checkpoint, NaN guard, time
  budget);
- ``plain keras``: the same architecture written in plain Keras (the parameter
  counts are printed to check that it is the same), trained with `model.fit`
  and no callback but the timer;
- ``darts supernet``: one DARTS search step (a weight step on a training batch
  and an architecture step on a validation batch) of `autonas.darts.DartsSearch`,
  skipped with a note when `autonas.darts` is not installed.

Images/s counts training images only; the first epoch (or the first step),
which includes compilation, is not timed, and of the timed epochs the fastest
counts (the least disturbed by other work on the machine). Synthetic images and labels: the
figures are about speed, not accuracy.
"""

import argparse
import json
import logging
import os
import platform
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

FULL = {"image_size": 32, "channels": 3, "images": 16384, "batch_size": 256, "epochs": 3,
        "darts": {"channels": 16, "layers": 5, "nodes": 4, "batch_size": 64, "steps": 20}}
QUICK = {"image_size": 16, "channels": 3, "images": 1024, "batch_size": 64, "epochs": 3,
         "darts": {"channels": 4, "layers": 3, "nodes": 2, "batch_size": 16, "steps": 3}}
NUM_CLASSES = 10


class EpochTimer:
    """A Keras callback timing every epoch of every `fit` it is given to."""

    def __new__(cls):
        import keras

        class _Timer(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.fits = []

            def __deepcopy__(self, memo):
                return self  # the tuner copies callbacks per trial; keep one record

            def on_train_begin(self, logs=None):
                self.fits.append([])

            def on_epoch_begin(self, epoch, logs=None):
                self._start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                float((logs or {}).get("loss", 0.0))  # logs are materialised: the epoch's work is done
                self.fits[-1].append(time.perf_counter() - self._start)

        return _Timer()


def _throughput(epoch_times, images_per_epoch):
    timed = epoch_times[1:] or epoch_times  # the first epoch compiles
    return images_per_epoch / min(timed)  # the fastest epoch: the least disturbed by other work


def make_data(cfg, seed=0):
    rng = np.random.default_rng(seed)
    size, channels = cfg["image_size"], cfg["channels"]
    x = rng.integers(0, 256, size=(cfg["images"], size, size, channels)).astype("float32")
    y = rng.integers(0, NUM_CLASSES, size=cfg["images"]).astype("int64")
    n_val = cfg["images"] // 8
    return (x[n_val:], y[n_val:]), (x[:n_val], y[:n_val])


def autonas_trial(cfg, train, validation, policy):
    """Throughput of one autonas trial (the warm-start configuration)."""
    import autonas
    from autonas.search import get_oracle

    inp = autonas.ImageInput()
    head = autonas.ClassificationHead()
    out = head(autonas.ImageBlock()(inp))
    graph = autonas.Graph(inp, out)
    from autonas.data.profile import profile_graph

    profile_graph(graph, [train[0]])
    y_train = head.fit_targets(train[1])
    y_val = head.encode(validation[1])
    timer = EpochTimer()
    with tempfile.TemporaryDirectory() as tmp:
        oracle = get_oracle("random", "val_accuracy", max_trials=1, seed=0)
        tuner = autonas.Tuner(oracle, graph, directory=tmp, project_name="bench", seed=0,
                              mixed_precision=policy or False)
        tuner.search(train=(train[0], y_train), validation=(validation[0], y_val), epochs=cfg["epochs"],
                     batch_size=cfg["batch_size"], callbacks=[timer], verbose=0,
                     deadline=time.time() + 24 * 3600)
        trial = tuner.best_trial()
        params = tuner.trial_info(trial.trial_id).get("params")
    return _throughput(timer.fits[0], len(train[0])), params


def plain_keras(cfg, train, validation, policy):
    """Throughput of the same architecture written in plain Keras."""
    import keras

    from autonas.accelerate import precision_scope

    x, y = train
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    with precision_scope(policy):
        inputs = keras.Input(x.shape[1:])
        h = keras.layers.Normalization(axis=-1, mean=x.mean(axis=(0, 1, 2)), variance=x.var(axis=(0, 1, 2)))(inputs)
        for stage in range(2):
            for _ in range(2):
                h = keras.layers.Conv2D(32 * 2**stage, 3, padding="same", activation="relu")(h)
            h = keras.layers.MaxPooling2D(pool_size=2, padding="same")(h)
        h = keras.layers.Flatten()(h)
        h = keras.layers.Dense(NUM_CLASSES)(h)
        outputs = keras.layers.Activation("softmax", dtype="float32")(h)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    timer = EpochTimer()
    model.fit(x, y, validation_data=validation, epochs=cfg["epochs"], batch_size=cfg["batch_size"],
              callbacks=[timer], verbose=0)
    return _throughput(timer.fits[0], len(x)), int(model.count_params())


def darts_step(cfg, train, validation, policy):
    """Images/s of DARTS search steps (weight step + architecture step per batch)."""
    try:
        from autonas.darts import DartsSearch
    except ImportError as e:
        return None, f"skipped: autonas.darts is not available ({e})"
    import keras

    from autonas.accelerate import precision_scope

    d = cfg["darts"]
    b = d["batch_size"]
    keras.backend.clear_session()
    x = (train[0] - train[0].mean()) / (train[0].std() + 1e-6)
    xv = (validation[0] - train[0].mean()) / (train[0].std() + 1e-6)
    with precision_scope(policy):
        search = DartsSearch(num_classes=NUM_CLASSES, channels=d["channels"], layers=d["layers"], nodes=d["nodes"],
                             seed=0, plot=False)
        search.build(x.shape[1:])
        warmup = 1  # the first steps compile
        for step in range(warmup + d["steps"]):
            if step == warmup:
                start = time.perf_counter()
            i = (step * b) % (len(x) - b)
            j = (step * b) % (len(xv) - b)
            search.weight_step(x[i:i + b], train[1][i:i + b])
            search.architecture_step(xv[j:j + b], validation[1][j:j + b])
        elapsed = time.perf_counter() - start
    return d["steps"] * b / elapsed, f"{d['channels']} channels, {d['layers']} cells, {d['nodes']} nodes, batch {b}"


def device_description():
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        devices = jax.devices()
        return f"jax {jax.__version__}: {len(devices)} x {devices[0].device_kind} ({devices[0].platform})"
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        return f"tensorflow {tf.__version__}: " + (f"{len(gpus)} GPU(s)" if gpus else "CPU only")
    return backend


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a CPU run (slow but short)")
    parser.add_argument("--policy", default="mixed_bfloat16", choices=["mixed_bfloat16", "mixed_float16"],
                        help="the mixed-precision policy compared with float32 (default mixed_bfloat16)")
    parser.add_argument("--only", choices=["trial", "plain", "darts"], action="append",
                        help="run only these parts (repeatable)")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    cfg = QUICK if args.quick else FULL
    parts = args.only or ["trial", "plain", "darts"]
    started = time.time()
    train, validation = make_data(cfg)
    device = device_description()
    print(f"backend {keras.backend.backend()} | {device} | python {platform.python_version()} | "
          f"{'--quick' if args.quick else 'full'}: {len(train[0])} train images of "
          f"{cfg['image_size']}x{cfg['image_size']}x{cfg['channels']}, batch {cfg['batch_size']}, "
          f"{cfg['epochs']} epochs (first not timed)", flush=True)
    rows = []
    for policy in (None, args.policy):
        label = policy or "float32"
        if "trial" in parts:
            ips, params = autonas_trial(cfg, train, validation, policy)
            rows.append({"what": "autonas trial", "precision": label, "images_per_s": ips,
                         "note": f"{params:,} params"})
            print(f"  {rows[-1]}", flush=True)
        if "plain" in parts:
            ips, params = plain_keras(cfg, train, validation, policy)
            rows.append({"what": "plain keras", "precision": label, "images_per_s": ips,
                         "note": f"{params:,} params"})
            print(f"  {rows[-1]}", flush=True)
        if "darts" in parts:
            try:
                ips, note = darts_step(cfg, train, validation, policy)
            except Exception as e:  # report, keep the other figures
                ips, note = None, f"failed: {type(e).__name__}: {str(e).splitlines()[0][:120]}"
            rows.append({"what": "darts supernet step", "precision": label, "images_per_s": ips, "note": note})
            print(f"  {rows[-1]}", flush=True)
    print()
    print(f"| {'what':<20} | {'precision':<15} | {'images/s':>10} | note")
    print(f"|{'-' * 22}|{'-' * 17}|{'-' * 12}|------")
    for row in rows:
        ips = f"{row['images_per_s']:,.0f}" if row["images_per_s"] else "-"
        print(f"| {row['what']:<20} | {row['precision']:<15} | {ips:>10} | {row['note']}")
    trial = {r["precision"]: r["images_per_s"] for r in rows if r["what"] == "autonas trial"}
    plain = {r["precision"]: r["images_per_s"] for r in rows if r["what"] == "plain keras"}
    for label in trial:
        if plain.get(label):
            print(f"autonas trial / plain keras ({label}): {trial[label] / plain[label]:.2f}")
    print(f"total {time.time() - started:.0f}s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"backend": keras.backend.backend(), "device": device, "quick": args.quick, "config": cfg,
                       "rows": rows}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
